//! `PATCH /api/me`: a user edits its own names and phone number.

use std::sync::Arc;

use tokenauth_domain::{
    EventKind, PersonName, PhoneNumber, RequestOrigin, SecurityEvent, User, UserChanges,
};

use crate::ports::{Clock, RepositoryError, UserRepository};
use crate::validation::ValidationErrors;
use crate::{Authenticated, FieldValue};

/// The editable fields; a missing one stays as it is. Anything else a client
/// sends (email, is_staff, ...) is read-only here and never reaches this input.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    /// A new first name (may be empty).
    pub first_name: FieldValue,
    /// A new last name (may be empty).
    pub last_name: FieldValue,
    /// A new phone number (may not be blank).
    pub phonenumber: FieldValue,
}

/// Why a profile update failed.
#[derive(Debug, thiserror::Error)]
pub enum UpdateProfileError {
    /// Fields were refused.
    #[error("invalid profile: {0:?}")]
    Invalid(ValidationErrors),
    /// Storage failed (or the user vanished meanwhile).
    #[error(transparent)]
    Storage(#[from] RepositoryError),
}

impl ProfileInput {
    /// Parses the input into changes, every failing field at once, in the
    /// user representation's field order.
    pub fn changes(&self, errors: &mut ValidationErrors) -> UserChanges {
        let phone_number =
            errors.parse("phonenumber", &self.phonenumber, false, PhoneNumber::parse);
        let first_name = errors.parse("first_name", &self.first_name, false, PersonName::parse);
        let last_name = errors.parse("last_name", &self.last_name, false, PersonName::parse);
        UserChanges {
            phone_number,
            first_name,
            last_name,
            ..UserChanges::default()
        }
    }
}

/// The profile update use case.
#[derive(Clone)]
pub struct UpdateProfile {
    users: Arc<dyn UserRepository>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for UpdateProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UpdateProfile")
    }
}

impl UpdateProfile {
    /// Builds the use case over its port.
    pub fn new(users: Arc<dyn UserRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { users, clock }
    }

    /// Applies the changes to the authenticated user and returns it as stored.
    pub fn execute(
        &self,
        session: &Authenticated,
        input: ProfileInput,
        origin: &RequestOrigin,
    ) -> Result<User, UpdateProfileError> {
        let mut errors = ValidationErrors::default();
        let changes = input.changes(&mut errors);
        if !errors.is_empty() {
            return Err(UpdateProfileError::Invalid(errors));
        }
        let fields = changes.changed_fields(&session.user);
        if fields.is_empty() {
            return Ok(session.user.clone());
        }
        let event = updated_event(fields, session.user.id, origin, self.clock.now())
            .with_token(session.token_id());
        self.users
            .update(session.user.id, &changes, &[event])?
            .ok_or(UpdateProfileError::Storage(RepositoryError::NotFound))
    }
}

/// `user.updated` on `user`'s account, naming the fields that changed.
pub(crate) fn updated_event(
    fields: Vec<&'static str>,
    user: tokenauth_domain::UserId,
    origin: &RequestOrigin,
    now: tokenauth_domain::Timestamp,
) -> SecurityEvent {
    SecurityEvent::new(EventKind::UserUpdated { fields }, Some(user), origin, now)
}
