//! Moving an account to a new address: the signed-in user asks with its
//! password, a link goes to the new address and a notice to the old one,
//! and the link's key, brought back, makes the move.

use std::sync::Arc;

use chrono::TimeDelta;
use tokenauth_domain::{
    AccountKey, AccountKeyId, Email, EmailChange, EventKind, KeyPurpose, Mail, MailId,
    RequestOrigin, SecurityEvent, TokenKey, User,
};

use crate::account_mail::{AccountMailSettings, invalid_key, is_usable, lifetime_in_words};
use crate::change_password::check_password;
use crate::ports::{
    AccountKeys, Clock, EmailChangeRequest, KeyGenerationError, PasswordHasher, RepositoryError,
    TokenGenerator,
};
use crate::validation::{ValidationErrors, not_blank};
use crate::{Authenticated, FieldValue};

/// What the user sends to change its address.
#[derive(Debug, Clone, Default)]
pub struct EmailChangeInput {
    /// The user's password, to confirm.
    pub password: FieldValue,
    /// The address wanted; validated as signup's `email`.
    pub new_email: FieldValue,
}

/// Why an email change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChangeEmailError {
    /// Fields broke the rules: a wrong password, or an invalid key
    /// (under `token`), included.
    #[error("invalid email change")]
    Invalid(ValidationErrors),
    /// No key could be drawn for the link.
    #[error(transparent)]
    KeyGeneration(#[from] KeyGenerationError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
}

/// The email change use case.
pub struct ChangeEmail {
    keys: Arc<dyn AccountKeys>,
    hasher: Arc<dyn PasswordHasher>,
    generator: Arc<dyn TokenGenerator>,
    clock: Arc<dyn Clock>,
    settings: AccountMailSettings,
}

impl std::fmt::Debug for ChangeEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeEmail")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl ChangeEmail {
    /// Builds the use case over its ports; keys live as long as
    /// verification keys.
    pub fn new(
        keys: Arc<dyn AccountKeys>,
        hasher: Arc<dyn PasswordHasher>,
        generator: Arc<dyn TokenGenerator>,
        clock: Arc<dyn Clock>,
        settings: AccountMailSettings,
    ) -> Self {
        Self {
            keys,
            hasher,
            generator,
            clock,
            settings,
        }
    }

    /// The signed-in user asks to move to `new_email`: field errors first
    /// (`password`, `new_email`), then the password. On success a link is
    /// queued for the new address unless an account has it, and a notice for
    /// the old one in every case; earlier change keys stop working.
    pub fn request(
        &self,
        session: &Authenticated,
        input: EmailChangeInput,
    ) -> Result<(), ChangeEmailError> {
        let mut errors = ValidationErrors::default();
        let password_given = errors
            .parse("password", &input.password, true, not_blank)
            .is_some();
        let new_email = errors.parse("new_email", &input.new_email, true, Email::parse);
        let Some(new_email) = new_email.filter(|_| password_given && errors.is_empty()) else {
            return Err(ChangeEmailError::Invalid(errors));
        };
        if !check_password(
            self.hasher.as_ref(),
            &mut errors,
            "password",
            &input.password,
            &session.user,
        ) {
            return Err(ChangeEmailError::Invalid(errors));
        }
        let key = self.generator.generate()?;
        let now = self.clock.now();
        let ttl = self.settings.email_verification_ttl;
        let user = &session.user;
        let link = self.settings.link("confirm-email", &key);
        let request = EmailChangeRequest {
            link: (
                MailId::new_random(),
                email_change_mail(user, &new_email, &link, ttl),
            ),
            notice: (MailId::new_random(), email_change_notice(user, &new_email)),
            change: EmailChange {
                key: AccountKey {
                    id: AccountKeyId::new_random(),
                    user_id: user.id,
                    digest: key.digest(),
                    purpose: KeyPurpose::EmailChange,
                    created: now,
                    expires: now + ttl,
                },
                new_email,
            },
        };
        self.keys.request_email_change(&request, now)?;
        Ok(())
    }

    /// Consumes a mailed change key and moves its user to the new address,
    /// marked verified; returns the user. A key that is unknown, used,
    /// expired or malformed, whose user is inactive, or whose address was
    /// taken meanwhile is refused under `token`, consuming nothing.
    pub fn confirm(
        &self,
        token: &FieldValue,
        origin: &RequestOrigin,
    ) -> Result<User, ChangeEmailError> {
        let mut errors = ValidationErrors::default();
        let Some(token) = errors.parse("token", token, true, not_blank) else {
            return Err(ChangeEmailError::Invalid(errors));
        };
        let invalid = || ChangeEmailError::Invalid(invalid_key());
        let key = TokenKey::parse(token.trim()).ok_or_else(invalid)?;
        let now = self.clock.now();
        let (change, user) = self
            .keys
            .find_email_change(&key.digest())?
            .filter(|(change, user)| is_usable(&change.key, user, now))
            .ok_or_else(invalid)?;
        let moved = EventKind::EmailChanged {
            from: user.email,
            to: change.new_email.clone(),
        };
        let event = SecurityEvent::new(moved, Some(user.id), origin, now);
        self.keys
            .complete_email_change(&change, now, &[event])?
            .ok_or_else(invalid)
    }
}

/// The message to the new address, link on its own line.
fn email_change_mail(user: &User, new_email: &Email, link: &str, ttl: TimeDelta) -> Mail {
    Mail {
        to: new_email.clone(),
        subject: "Confirm your new email address".to_owned(),
        body: format!(
            "Someone (hopefully you) asked to move the account {old} to this address, {new}.\n\
             \n\
             To confirm the change, open this link:\n\
             \n\
             {link}\n\
             \n\
             It works once, for {lifetime}. If you did not ask for this, ignore this message.\n",
            old = user.email.as_str(),
            new = new_email.as_str(),
            lifetime = lifetime_in_words(ttl),
        ),
    }
}

/// The notice to the old address: no link, so a thief of the session
/// cannot use this mailbox, and the owner learns of the attempt.
fn email_change_notice(user: &User, new_email: &Email) -> Mail {
    Mail {
        to: user.email.clone(),
        subject: "A change of your email address was requested".to_owned(),
        body: format!(
            "Someone signed in to the account {old} asked to move it to {new}.\n\
             \n\
             The account moves only once the link sent to {new} is opened.\n\
             If this was not you, change your password now.\n",
            old = user.email.as_str(),
            new = new_email.as_str(),
        ),
    }
}
