//! Password reset by mail: `POST /api/password/reset` records the request;
//! `POST /api/password/reset/confirm` sets the new password with the mailed
//! key.

use std::sync::Arc;

use tokenauth_domain::{
    Email, EventKind, KeyPurpose, PasswordPolicy, RequestOrigin, SecurityEvent,
};

use crate::FieldValue;
use crate::account_mail::{invalid_key, usable_key};
use crate::change_password::judge_new_password;
use crate::ports::{AccountKeys, Clock, HashingError, PasswordHasher, RepositoryError};
use crate::validation::{ValidationErrors, not_blank};

/// What a client sends to finish a reset.
#[derive(Debug, Clone, Default)]
pub struct ResetConfirmInput {
    /// The key from the mailed link.
    pub token: FieldValue,
    /// The password wanted; judged as at signup.
    pub new_password: FieldValue,
}

/// Why a reset request or confirmation was refused.
#[derive(Debug, thiserror::Error)]
pub enum PasswordResetError {
    /// Fields broke the rules (an invalid key is reported under `token`).
    #[error("invalid password reset")]
    Invalid(ValidationErrors),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
    /// The new password could not be hashed.
    #[error(transparent)]
    Hashing(#[from] HashingError),
}

/// The password reset use case.
pub struct PasswordReset {
    keys: Arc<dyn AccountKeys>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
    policy: PasswordPolicy,
}

impl std::fmt::Debug for PasswordReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordReset")
    }
}

impl PasswordReset {
    /// Builds the use case over its ports.
    pub fn new(
        keys: Arc<dyn AccountKeys>,
        hasher: Arc<dyn PasswordHasher>,
        clock: Arc<dyn Clock>,
        policy: PasswordPolicy,
    ) -> Self {
        Self {
            keys,
            hasher,
            clock,
            policy,
        }
    }

    /// Records a reset request for `email` (validated as at signup). The
    /// same work and answer whether or not an account has the address: the
    /// mail worker decides, later, whether a message goes out.
    pub fn request(
        &self,
        email: &FieldValue,
        origin: &RequestOrigin,
    ) -> Result<(), PasswordResetError> {
        let mut errors = ValidationErrors::default();
        let Some(email) = errors.parse("email", email, true, Email::parse) else {
            return Err(PasswordResetError::Invalid(errors));
        };
        self.keys.request(
            KeyPurpose::PasswordReset,
            &email.key(),
            origin,
            self.clock.now(),
        )?;
        Ok(())
    }

    /// Sets a new password with a mailed key: every token of the user is
    /// revoked and its other reset keys consumed. A refused request consumes
    /// nothing. Checked in the contract's order: missing or blank fields
    /// (both at once), then the key, then the password rules.
    pub fn confirm(
        &self,
        input: ResetConfirmInput,
        origin: &RequestOrigin,
    ) -> Result<(), PasswordResetError> {
        let mut errors = ValidationErrors::default();
        let token = errors.parse("token", &input.token, true, not_blank);
        let _ = errors.parse("new_password", &input.new_password, true, not_blank);
        let Some(token) = token.filter(|_| errors.is_empty()) else {
            return Err(PasswordResetError::Invalid(errors));
        };
        let invalid = || PasswordResetError::Invalid(invalid_key());
        let now = self.clock.now();
        let (stored, user) =
            usable_key(self.keys.as_ref(), &token, KeyPurpose::PasswordReset, now)?
                .ok_or_else(invalid)?;
        let Some(new_password) = judge_new_password(
            &self.policy,
            &mut errors,
            "new_password",
            &input.new_password,
            &user,
        ) else {
            return Err(PasswordResetError::Invalid(errors));
        };
        let hash = self.hasher.hash(&new_password)?;
        let now = self.clock.now();
        let event = SecurityEvent::new(EventKind::PasswordReset, Some(user.id), origin, now);
        if self.keys.complete_reset(&stored, &hash, now, &[event])? {
            Ok(())
        } else {
            // Used by a concurrent confirm between the look-up and now.
            Err(invalid())
        }
    }
}
