//! The mail worker's side of account recovery and verification: it turns
//! each recorded request into a key and the message carrying it, or into
//! nothing when no active account fits. Requests answer the same whether or
//! not the address has an account; this is where the difference is made,
//! outside any request.

use std::sync::Arc;

use chrono::TimeDelta;
use tokenauth_domain::{
    AccountKey, AccountKeyId, EventKind, KeyPurpose, Mail, MailId, SecurityEvent, Timestamp,
    TokenKey, User,
};

use crate::ports::{
    AccountKeys, AccountRequest, Clock, KeyMail, RepositoryError, RequestDecision, TokenGenerator,
};
use crate::validation::{FieldError, ValidationErrors};

/// What the messages link to, and how long their keys live.
#[derive(Debug, Clone)]
pub struct AccountMailSettings {
    /// Base of the links (`auth.public_url`), without a trailing slash.
    pub public_url: String,
    /// Lifetime of a password reset key.
    pub password_reset_ttl: TimeDelta,
    /// Lifetime of a verification key.
    pub email_verification_ttl: TimeDelta,
}

impl AccountMailSettings {
    /// The link to the page at `path` that carries `key`.
    pub(crate) fn link(&self, path: &str, key: &TokenKey) -> String {
        format!("{}/{path}?token={}", self.public_url, key.expose())
    }
}

/// Processes requests for account mail.
pub struct AccountMail {
    keys: Arc<dyn AccountKeys>,
    generator: Arc<dyn TokenGenerator>,
    clock: Arc<dyn Clock>,
    settings: AccountMailSettings,
}

impl std::fmt::Debug for AccountMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountMail")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl AccountMail {
    /// Builds the use case over its ports.
    pub fn new(
        keys: Arc<dyn AccountKeys>,
        generator: Arc<dyn TokenGenerator>,
        clock: Arc<dyn Clock>,
        settings: AccountMailSettings,
    ) -> Self {
        Self {
            keys,
            generator,
            clock,
            settings,
        }
    }

    /// Handles up to `limit` waiting requests; returns how many there were.
    pub fn process_requests(&self, limit: u32) -> Result<u32, RepositoryError> {
        let mut handled = 0;
        while handled < limit {
            let now = self.clock.now();
            let mut decide =
                |request: &AccountRequest, user: Option<&User>| self.decide(request, user, now);
            if !self.keys.process_request(&mut decide, now)? {
                break;
            }
            handled += 1;
        }
        Ok(handled)
    }

    /// The request's message, if any, and its event: a reset request is
    /// recorded here, once its account (or none) is known, with the time and
    /// origin of the request itself.
    fn decide(
        &self,
        request: &AccountRequest,
        user: Option<&User>,
        now: Timestamp,
    ) -> RequestDecision {
        let events = match request.purpose {
            KeyPurpose::PasswordReset => vec![SecurityEvent::new(
                EventKind::PasswordResetRequested,
                user.map(|user| user.id),
                &request.origin,
                request.created,
            )],
            KeyPurpose::EmailVerification | KeyPurpose::EmailChange => Vec::new(),
        };
        RequestDecision {
            mail: self.mail_for(request, user, now),
            events,
        }
    }

    fn mail_for(
        &self,
        request: &AccountRequest,
        user: Option<&User>,
        now: Timestamp,
    ) -> Option<KeyMail> {
        let user = user.filter(|user| user.is_active)?;
        if request.purpose == KeyPurpose::EmailVerification && user.email_verified {
            return None;
        }
        let key = match self.generator.generate() {
            Ok(key) => key,
            Err(error) => {
                tracing::error!(%error, "no key could be generated for account mail; request dropped");
                return None;
            }
        };
        let (ttl, path, compose): (_, _, fn(&User, &str, TimeDelta) -> Mail) = match request.purpose
        {
            KeyPurpose::PasswordReset => (
                self.settings.password_reset_ttl,
                "reset-password",
                password_reset_mail,
            ),
            KeyPurpose::EmailVerification => (
                self.settings.email_verification_ttl,
                "verify-email",
                email_verification_mail,
            ),
            // Asked for by the signed-in user with its password (see
            // `change_email`), never by address: nothing to decide here.
            KeyPurpose::EmailChange => return None,
        };
        let link = self.settings.link(path, &key);
        let mail = compose(user, &link, ttl);
        Some(KeyMail {
            key: AccountKey {
                id: AccountKeyId::new_random(),
                user_id: user.id,
                digest: key.digest(),
                purpose: request.purpose,
                created: now,
                expires: now + ttl,
            },
            mail_id: MailId::new_random(),
            mail,
        })
    }
}

/// The stored key a client presents from a mailed link, with its user, when
/// it is still good: well formed, known, unused, unexpired, of `purpose`,
/// and its user active. `None` is the contract's "Invalid or expired token."
pub(crate) fn usable_key(
    keys: &dyn AccountKeys,
    presented: &str,
    purpose: KeyPurpose,
    now: Timestamp,
) -> Result<Option<(AccountKey, User)>, RepositoryError> {
    let Some(key) = TokenKey::parse(presented.trim()) else {
        return Ok(None);
    };
    Ok(keys
        .find_unused(&key.digest(), purpose)?
        .filter(|(stored, user)| is_usable(stored, user, now)))
}

/// A stored key still works at `now`: unexpired, and its user active.
pub(crate) fn is_usable(stored: &AccountKey, user: &User, now: Timestamp) -> bool {
    !stored.is_expired(now) && user.is_active
}

/// The error a refused mailed key gets, under `token`.
pub(crate) fn invalid_key() -> ValidationErrors {
    ValidationErrors::single("token", FieldError::InvalidOrExpiredKey)
}

/// "1 hour", "3 days", "90 minutes": how long a link works, in words.
pub(crate) fn lifetime_in_words(ttl: TimeDelta) -> String {
    let minutes = ttl.num_minutes();
    let (count, unit) = if minutes % (24 * 60) == 0 && minutes >= 24 * 60 {
        (minutes / (24 * 60), "day")
    } else if minutes % 60 == 0 && minutes >= 60 {
        (minutes / 60, "hour")
    } else {
        (minutes.max(1), "minute")
    };
    format!("{count} {unit}{}", if count == 1 { "" } else { "s" })
}

/// The reset message. The link stands alone on its own line, so every
/// client shows it whole.
fn password_reset_mail(user: &User, link: &str, ttl: TimeDelta) -> Mail {
    Mail {
        to: user.email.clone(),
        subject: "Reset your password".to_owned(),
        body: format!(
            "Someone (hopefully you) asked to reset the password of the account {email}.\n\
             \n\
             To choose a new password, open this link:\n\
             \n\
             {link}\n\
             \n\
             It works once, for {lifetime}. Using it signs the account out everywhere.\n\
             If you did not ask for this, ignore this message: your password stays as it is.\n",
            email = user.email.as_str(),
            lifetime = lifetime_in_words(ttl),
        ),
    }
}

/// The verification message, link on its own line.
fn email_verification_mail(user: &User, link: &str, ttl: TimeDelta) -> Mail {
    Mail {
        to: user.email.clone(),
        subject: "Verify your email address".to_owned(),
        body: format!(
            "Please confirm that {email} is your address.\n\
             \n\
             Open this link to confirm it:\n\
             \n\
             {link}\n\
             \n\
             It works once, for {lifetime}. If you did not sign up, ignore this message.\n",
            email = user.email.as_str(),
            lifetime = lifetime_in_words(ttl),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::lifetime_in_words;
    use chrono::TimeDelta;

    #[test]
    fn lifetimes_read_in_the_largest_whole_unit() {
        assert_eq!(lifetime_in_words(TimeDelta::hours(1)), "1 hour");
        assert_eq!(lifetime_in_words(TimeDelta::days(3)), "3 days");
        assert_eq!(lifetime_in_words(TimeDelta::minutes(90)), "90 minutes");
        assert_eq!(lifetime_in_words(TimeDelta::seconds(10)), "1 minute");
    }
}
