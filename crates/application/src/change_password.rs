//! Changing a password: by the user (current password required) or by an
//! operator from the command line.

use std::sync::Arc;

use tokenauth_domain::{
    EmailKey, EventKind, NewPassword, Password, PasswordPolicy, RequestOrigin, SecurityEvent, User,
    UserAttributes,
};

use crate::ports::{Clock, HashingError, PasswordHasher, RepositoryError, UserRepository};
use crate::validation::{FieldError, ValidationErrors, not_blank};
use crate::{Authenticated, FieldValue};

/// What the user sends to change its password.
#[derive(Debug, Clone, Default)]
pub struct ChangePasswordInput {
    /// The password in use now.
    pub current_password: FieldValue,
    /// The password wanted; judged as at signup.
    pub new_password: FieldValue,
}

/// Why a password change failed.
#[derive(Debug, thiserror::Error)]
pub enum ChangePasswordError {
    /// Fields were refused, a wrong current password included.
    #[error("invalid password change: {0:?}")]
    Invalid(ValidationErrors),
    /// No user has the email given (command line only).
    #[error("no user has this email")]
    UnknownUser,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
    /// The hasher failed.
    #[error(transparent)]
    Hashing(#[from] HashingError),
}

/// The password change use cases.
#[derive(Clone)]
pub struct ChangePassword {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
    policy: PasswordPolicy,
}

impl std::fmt::Debug for ChangePassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangePassword")
    }
}

impl ChangePassword {
    /// Builds the use case over its ports.
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        clock: Arc<dyn Clock>,
        policy: PasswordPolicy,
    ) -> Self {
        Self {
            users,
            hasher,
            clock,
            policy,
        }
    }

    /// The authenticated user changes its own password. Every other token of
    /// the user is revoked; the one used stays valid.
    pub fn execute(
        &self,
        session: &Authenticated,
        input: ChangePasswordInput,
        origin: &RequestOrigin,
    ) -> Result<(), ChangePasswordError> {
        let mut errors = ValidationErrors::default();
        check_password(
            self.hasher.as_ref(),
            &mut errors,
            "current_password",
            &input.current_password,
            &session.user,
        );
        let new = judge_new_password(
            &self.policy,
            &mut errors,
            "new_password",
            &input.new_password,
            &session.user,
        );
        match new {
            Some(new) if errors.is_empty() => {
                self.store(&session.user, &new, Some(session), origin)
            }
            _ => Err(ChangePasswordError::Invalid(errors)),
        }
    }

    /// Sets the password of the user with this email without asking for the
    /// old one (the operator's `tokenauth changepassword`). Every token of the
    /// user is revoked.
    pub fn reset(&self, email: &str, password: Password) -> Result<User, ChangePasswordError> {
        let user = self
            .users
            .find_by_email_key(&EmailKey::from_input(email))?
            .ok_or(ChangePasswordError::UnknownUser)?;
        let mut errors = ValidationErrors::default();
        let value = FieldValue::Text(password.expose().to_owned());
        match judge_new_password(&self.policy, &mut errors, "password", &value, &user) {
            Some(new) => self
                .store(&user, &new, None, &RequestOrigin::default())
                .map(|()| user),
            None => Err(ChangePasswordError::Invalid(errors)),
        }
    }

    fn store(
        &self,
        user: &User,
        password: &NewPassword,
        keep: Option<&Authenticated>,
        origin: &RequestOrigin,
    ) -> Result<(), ChangePasswordError> {
        let hash = self.hasher.hash(password)?;
        let keep = keep.and_then(Authenticated::token_id);
        let mut event = SecurityEvent::new(
            EventKind::PasswordChanged,
            Some(user.id),
            origin,
            self.clock.now(),
        );
        event.token_id = keep;
        if self.users.set_password(user.id, &hash, keep, &[event])? {
            Ok(())
        } else {
            Err(ChangePasswordError::UnknownUser)
        }
    }
}

/// Checks a password given to confirm a sensitive change against `user`'s,
/// recording why not under `field`: the fixed messages when it is missing or
/// blank, else `Invalid password.` when it is wrong. Returns whether it
/// matched.
pub(crate) fn check_password(
    hasher: &dyn PasswordHasher,
    errors: &mut ValidationErrors,
    field: &'static str,
    value: &FieldValue,
    user: &User,
) -> bool {
    let Some(given) = errors.parse(field, value, true, |text| {
        not_blank(text).map(Password::new)
    }) else {
        return false;
    };
    let matched = hasher.verify(&given, &user.password_hash);
    if !matched {
        errors.add(field, vec![FieldError::WrongPassword]);
    }
    matched
}

/// Judges a new password for `user` by the signup rules (similarity
/// against that user's email and names), recording why not under `field`.
pub(crate) fn judge_new_password(
    policy: &PasswordPolicy,
    errors: &mut ValidationErrors,
    field: &'static str,
    value: &FieldValue,
    user: &User,
) -> Option<NewPassword> {
    let password = errors.parse(field, value, true, |text| {
        Ok(Password::new(text.to_owned()))
    })?;
    let attributes = UserAttributes {
        email: user.email.as_str(),
        first_name: user.first_name.as_str(),
        last_name: user.last_name.as_str(),
    };
    match policy.check(password, attributes) {
        Ok(accepted) => Some(accepted),
        Err(problems) => {
            errors.add(
                field,
                problems.into_iter().map(FieldError::Invalid).collect(),
            );
            None
        }
    }
}
