//! A user deleting its own account, with its password.

use std::sync::Arc;

use crate::change_password::check_password;
use tokenauth_domain::{EventKind, RequestOrigin, SecurityEvent, Timestamp, User};

use crate::ports::{AccountDeletion, Clock, PasswordHasher, RepositoryError, UserRepository};
use crate::validation::ValidationErrors;
use crate::{Authenticated, FieldValue};

/// Why a self-deletion was refused.
#[derive(Debug, thiserror::Error)]
pub enum DeleteAccountError {
    /// The password is missing, blank or wrong.
    #[error("invalid account deletion")]
    Invalid(ValidationErrors),
    /// The user is the last active superuser: someone must be able to
    /// administer the service.
    #[error("The last superuser cannot be deleted.")]
    LastSuperuser,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
}

/// The self-deletion use case.
pub struct DeleteAccount {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for DeleteAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeleteAccount")
    }
}

impl DeleteAccount {
    /// Builds the use case over its ports.
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            users,
            hasher,
            clock,
        }
    }

    /// Deletes the signed-in user's account and everything it holds, once
    /// `password` is its password. A user deleted meanwhile is gone as
    /// asked: that is a success too.
    pub fn execute(
        &self,
        session: &Authenticated,
        password: &FieldValue,
        origin: &RequestOrigin,
    ) -> Result<(), DeleteAccountError> {
        let mut errors = ValidationErrors::default();
        if !check_password(
            self.hasher.as_ref(),
            &mut errors,
            "password",
            password,
            &session.user,
        ) {
            return Err(DeleteAccountError::Invalid(errors));
        }
        let event =
            deleted_event(&session.user, origin, self.clock.now()).with_token(session.token_id());
        match self.users.delete_own_account(session.user.id, &[event])? {
            AccountDeletion::Deleted | AccountDeletion::NotFound => Ok(()),
            AccountDeletion::LastSuperuser => Err(DeleteAccountError::LastSuperuser),
        }
    }
}

/// `user.deleted` on `user`'s account, keeping its address for the audit
/// trail once the account is gone.
pub(crate) fn deleted_event(user: &User, origin: &RequestOrigin, now: Timestamp) -> SecurityEvent {
    let kind = EventKind::UserDeleted {
        email: user.email.clone(),
    };
    SecurityEvent::new(kind, Some(user.id), origin, now)
}
