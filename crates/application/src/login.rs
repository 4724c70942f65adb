//! Login: check an email and password, rotate the user's tokens, return a new one.

use std::num::NonZeroU32;
use std::sync::{Arc, OnceLock};

use tokenauth_domain::{
    AuthToken, Email, EmailKey, EventKind, IssuedToken, LoginFailure, LoginMethod, Password,
    PasswordHash, PasswordPolicy, RequestOrigin, SecurityEvent, TokenId, TokenKind, TokenLifetime,
    User, UserAttributes, UserId, VerificationMode,
};

use crate::FieldValue;
use crate::ports::{
    Clock, KeyGenerationError, PasswordHasher, RepositoryError, SecurityEvents, TokenGenerator,
    TokenRepository, UserRepository,
};

/// What a client sends to log in.
#[derive(Debug, Clone, Default)]
pub struct LoginInput {
    /// The account's email, in any case.
    pub email: FieldValue,
    /// The password.
    pub password: FieldValue,
}

/// Why a login failed, checked in this order.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The email was missing or blank.
    #[error("Email cannot be blank!")]
    EmailBlank,
    /// The password was missing or empty.
    #[error("Password cannot be blank!")]
    PasswordBlank,
    /// Unknown email, wrong password or inactive user: deliberately one answer.
    #[error("Invalid Email or Password!")]
    InvalidCredentials,
    /// The right password for an address not yet verified, in mandatory
    /// mode (told only to someone who knows the password).
    #[error("Email address is not verified.")]
    EmailNotVerified,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
    /// No key could be drawn for the new token.
    #[error(transparent)]
    KeyGeneration(#[from] KeyGenerationError),
}

impl LoginError {
    /// How the event log names this refusal; `None` for a failure of the
    /// service rather than of the credentials.
    fn failure(&self) -> Option<LoginFailure> {
        match self {
            Self::EmailBlank | Self::PasswordBlank | Self::InvalidCredentials => {
                Some(LoginFailure::InvalidCredentials)
            }
            Self::EmailNotVerified => Some(LoginFailure::Unverified),
            Self::Storage(_) | Self::KeyGeneration(_) => None,
        }
    }
}

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoginSuccess {
    /// The user, with `last_login` set to this login.
    pub user: User,
    /// The new token and its key, to be shown once.
    pub issued: IssuedToken,
}

/// How tokens are issued.
#[derive(Debug, Clone, Copy)]
pub struct TokenPolicy {
    /// Lifetime and sliding of each token.
    pub lifetime: TokenLifetime,
    /// How many tokens a user may hold; login revokes the oldest beyond it.
    pub tokens_per_user: NonZeroU32,
    /// Whether an unverified address may log in.
    pub verification: VerificationMode,
}

/// The login use case.
pub struct Login {
    users: Arc<dyn UserRepository>,
    tokens: Arc<dyn TokenRepository>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
    generator: Arc<dyn TokenGenerator>,
    events: Arc<dyn SecurityEvents>,
    policy: TokenPolicy,
    dummy_hash: OnceLock<Option<PasswordHash>>,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Login {
    /// Builds the use case over its ports.
    pub fn new(
        users: Arc<dyn UserRepository>,
        tokens: Arc<dyn TokenRepository>,
        hasher: Arc<dyn PasswordHasher>,
        clock: Arc<dyn Clock>,
        generator: Arc<dyn TokenGenerator>,
        events: Arc<dyn SecurityEvents>,
        policy: TokenPolicy,
    ) -> Self {
        Self {
            users,
            tokens,
            hasher,
            clock,
            generator,
            events,
            policy,
            dummy_hash: OnceLock::new(),
        }
    }

    /// Checks the credentials and issues a token, recording either outcome
    /// (a refusal too when no account has the email, so the log's write
    /// tells nothing of which emails exist).
    pub fn execute(
        &self,
        input: LoginInput,
        origin: &RequestOrigin,
    ) -> Result<LoginSuccess, LoginError> {
        let refused = match self.check(&input) {
            Ok(user) => return self.issue(user, origin),
            Err(refused) => refused,
        };
        let (error, user_id) = refused;
        if let Some(reason) = error.failure() {
            let kind = EventKind::LoginFailed {
                reason,
                email: named_email(&input.email),
            };
            self.events
                .record(&SecurityEvent::new(kind, user_id, origin, self.clock.now()))?;
        }
        Err(error)
    }

    /// The user whose credentials these are, or why not (with the account
    /// the attempt named, when there is one).
    fn check(&self, input: &LoginInput) -> Result<User, (LoginError, Option<UserId>)> {
        let email = match &input.email {
            FieldValue::Missing | FieldValue::Null => return Err((LoginError::EmailBlank, None)),
            FieldValue::Text(text) if text.trim().is_empty() => {
                return Err((LoginError::EmailBlank, None));
            }
            // No stored email holds a NUL, and PostgreSQL refuses one in a query.
            FieldValue::Text(text) if text.contains('\0') => None,
            FieldValue::Text(text) => Some(EmailKey::from_input(text)),
            FieldValue::Bool(_) | FieldValue::NotText => None,
        };
        let password = match &input.password {
            FieldValue::Missing | FieldValue::Null => {
                return Err((LoginError::PasswordBlank, None));
            }
            FieldValue::Text(text) if text.is_empty() => {
                return Err((LoginError::PasswordBlank, None));
            }
            FieldValue::Text(text) => Password::new(text.clone()),
            FieldValue::Bool(_) | FieldValue::NotText => Password::new(String::new()),
        };
        let user = match email {
            Some(key) => self
                .users
                .find_by_email_key(&key)
                .map_err(|error| (error.into(), None))?,
            None => None,
        };
        let Some(user) = user else {
            // Spend what a real check costs, so timing does not reveal which emails exist.
            self.verify_against_dummy(&password);
            return Err((LoginError::InvalidCredentials, None));
        };
        if !self.hasher.verify(&password, &user.password_hash) || !user.is_active {
            return Err((LoginError::InvalidCredentials, Some(user.id)));
        }
        if self.policy.verification.blocks_login() && !user.email_verified {
            return Err((LoginError::EmailNotVerified, Some(user.id)));
        }
        Ok(user)
    }

    fn issue(&self, mut user: User, origin: &RequestOrigin) -> Result<LoginSuccess, LoginError> {
        let now = self.clock.now();
        let key = self.generator.generate()?;
        let token = AuthToken {
            id: TokenId::new_random(),
            user_id: user.id,
            digest: key.digest(),
            created: now,
            kind: TokenKind::Session,
            expires: self.policy.lifetime.expires_at(now),
            last_used: None,
            origin: origin.clone(),
        };
        let succeeded = EventKind::LoginSucceeded {
            method: LoginMethod::Password,
        };
        let event = SecurityEvent::new(succeeded, Some(user.id), origin, now).with_token(token.id);
        match self
            .tokens
            .issue_for_login(&token, self.policy.tokens_per_user, now, &[event])
        {
            Ok(()) => {}
            // Deleted between the password check and now.
            Err(RepositoryError::NotFound) => return Err(LoginError::InvalidCredentials),
            Err(error) => return Err(error.into()),
        }
        user.last_login = Some(now);
        Ok(LoginSuccess {
            user,
            issued: IssuedToken { key, token },
        })
    }

    fn verify_against_dummy(&self, password: &Password) {
        let dummy = self.dummy_hash.get_or_init(|| {
            let policy = PasswordPolicy::default();
            let secret = Password::new("dummy-password-for-unknown-emails".to_owned());
            let accepted = policy.check(secret, UserAttributes::default()).ok()?;
            self.hasher.hash(&accepted).ok()
        });
        if let Some(dummy) = dummy {
            let _ = self.hasher.verify(password, dummy);
        }
    }
}

/// The address a login attempt named, for its event: normalized when it is
/// one, else as typed (trimmed, cut to an address's length); `None` when none
/// was sent.
fn named_email(value: &FieldValue) -> Option<String> {
    let text = value.as_text()?.trim();
    if text.is_empty() {
        return None;
    }
    Some(match Email::parse(text) {
        Ok(email) => email.as_str().to_owned(),
        Err(_) => text.chars().take(Email::MAX_CHARS).collect(),
    })
}
