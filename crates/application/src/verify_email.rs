//! Email verification: signup (in `optional` and `mandatory` modes) and
//! `POST /api/verify-email/resend` record a request; the mail worker sends
//! the link; `POST /api/verify-email` consumes the key.

use std::sync::Arc;

use tokenauth_domain::{
    Email, EventKind, KeyPurpose, RequestOrigin, SecurityEvent, User, VerificationMode,
};

use crate::FieldValue;
use crate::account_mail::{invalid_key, usable_key};
use crate::ports::{AccountKeys, Clock, RepositoryError};
use crate::validation::{ValidationErrors, not_blank};

/// Why a verification request was refused.
#[derive(Debug, thiserror::Error)]
pub enum VerifyEmailError {
    /// Fields broke the rules (an invalid key is reported under `token`).
    #[error("invalid email verification")]
    Invalid(ValidationErrors),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
}

/// The email verification use case.
pub struct VerifyEmail {
    keys: Arc<dyn AccountKeys>,
    clock: Arc<dyn Clock>,
    mode: VerificationMode,
}

impl std::fmt::Debug for VerifyEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyEmail")
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl VerifyEmail {
    /// Builds the use case over its ports.
    pub fn new(keys: Arc<dyn AccountKeys>, clock: Arc<dyn Clock>, mode: VerificationMode) -> Self {
        Self { keys, clock, mode }
    }

    /// After a signup: asks the mail worker for a verification message, in
    /// the modes that send one.
    pub fn after_signup(&self, user: &User, origin: &RequestOrigin) -> Result<(), RepositoryError> {
        if !self.mode.sends_mail() {
            return Ok(());
        }
        self.keys.request(
            KeyPurpose::EmailVerification,
            &user.email.key(),
            origin,
            self.clock.now(),
        )
    }

    /// `resend`: records a request for `email` (validated as at signup). The
    /// same answer and work whatever the address; unknown, verified and
    /// inactive users get no mail, and in mode `none` nobody does.
    pub fn resend(
        &self,
        email: &FieldValue,
        origin: &RequestOrigin,
    ) -> Result<(), VerifyEmailError> {
        let mut errors = ValidationErrors::default();
        let Some(email) = errors.parse("email", email, true, Email::parse) else {
            return Err(VerifyEmailError::Invalid(errors));
        };
        if self.mode.sends_mail() {
            self.keys.request(
                KeyPurpose::EmailVerification,
                &email.key(),
                origin,
                self.clock.now(),
            )?;
        }
        Ok(())
    }

    /// Consumes a mailed key and marks its user's address verified; returns
    /// the user. A key of a user verified meanwhile still succeeds.
    pub fn confirm(
        &self,
        token: &FieldValue,
        origin: &RequestOrigin,
    ) -> Result<User, VerifyEmailError> {
        let mut errors = ValidationErrors::default();
        let Some(token) = errors.parse("token", token, true, not_blank) else {
            return Err(VerifyEmailError::Invalid(errors));
        };
        let invalid = || VerifyEmailError::Invalid(invalid_key());
        let now = self.clock.now();
        let (stored, user) = usable_key(
            self.keys.as_ref(),
            &token,
            KeyPurpose::EmailVerification,
            now,
        )?
        .ok_or_else(invalid)?;
        let event = SecurityEvent::new(EventKind::EmailVerified, Some(user.id), origin, now);
        self.keys
            .complete_verification(&stored, now, &[event])?
            .ok_or_else(invalid)
    }
}
