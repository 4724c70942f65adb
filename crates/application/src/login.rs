//! Login: check an email and password, rotate the user's tokens, return a new one.

use std::num::NonZeroU32;
use std::sync::{Arc, OnceLock};

use tokenauth_domain::{
    AuthToken, EmailKey, IssuedToken, Password, PasswordHash, PasswordPolicy, TokenId, TokenKind,
    TokenLifetime, User, UserAttributes, VerificationMode,
};

use crate::FieldValue;
use crate::ports::{
    Clock, KeyGenerationError, PasswordHasher, RepositoryError, TokenGenerator, TokenRepository,
    UserRepository,
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
        policy: TokenPolicy,
    ) -> Self {
        Self {
            users,
            tokens,
            hasher,
            clock,
            generator,
            policy,
            dummy_hash: OnceLock::new(),
        }
    }

    /// Checks the credentials and issues a token.
    pub fn execute(&self, input: LoginInput) -> Result<LoginSuccess, LoginError> {
        let email = match &input.email {
            FieldValue::Missing | FieldValue::Null => return Err(LoginError::EmailBlank),
            FieldValue::Text(text) if text.trim().is_empty() => {
                return Err(LoginError::EmailBlank);
            }
            // No stored email holds a NUL, and PostgreSQL refuses one in a query.
            FieldValue::Text(text) if text.contains('\0') => None,
            FieldValue::Text(text) => Some(EmailKey::from_input(text)),
            FieldValue::Bool(_) | FieldValue::NotText => None,
        };
        let password = match &input.password {
            FieldValue::Missing | FieldValue::Null => return Err(LoginError::PasswordBlank),
            FieldValue::Text(text) if text.is_empty() => return Err(LoginError::PasswordBlank),
            FieldValue::Text(text) => Password::new(text.clone()),
            FieldValue::Bool(_) | FieldValue::NotText => Password::new(String::new()),
        };
        let user = match email {
            Some(key) => self.users.find_by_email_key(&key)?,
            None => None,
        };
        let Some(user) = user else {
            // Spend what a real check costs, so timing does not reveal which emails exist.
            self.verify_against_dummy(&password);
            return Err(LoginError::InvalidCredentials);
        };
        if !self.hasher.verify(&password, &user.password_hash) || !user.is_active {
            return Err(LoginError::InvalidCredentials);
        }
        if self.policy.verification.blocks_login() && !user.email_verified {
            return Err(LoginError::EmailNotVerified);
        }
        self.issue(user)
    }

    fn issue(&self, mut user: User) -> Result<LoginSuccess, LoginError> {
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
        };
        match self
            .tokens
            .issue_for_login(&token, self.policy.tokens_per_user, now)
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
