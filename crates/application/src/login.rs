//! Login: check an email and password, rotate the user's tokens, return a new one.

use std::num::NonZeroU32;
use std::sync::{Arc, OnceLock};

use chrono::TimeDelta;
use tokenauth_domain::{
    AuthToken, Email, EmailKey, EventKind, IssuedToken, LoginFailure, LoginMethod, MfaChallenge,
    Password, PasswordHash, PasswordPolicy, RequestOrigin, SecondFactorProof, SecurityEvent,
    Timestamp, TokenDigest, TokenId, TokenKey, TokenKind, TokenLifetime, User, UserAttributes,
    UserId, VerificationMode,
};

use crate::FieldValue;
use crate::ports::{
    Clock, KeyGenerationError, LoginGrant, PasswordHasher, ProofOutcome, RepositoryError,
    SecondFactors, SecondStep, SecurityEvents, TokenGenerator, TokenRepository, UserRepository,
};
use crate::validation::{FieldError, ValidationErrors, not_blank};

/// Wrong codes after which a login's `mfa_token` dies.
const MAX_WRONG_CODES: u32 = 5;

/// What a client sends to log in.
#[derive(Debug, Clone, Default)]
pub struct LoginInput {
    /// The account's email, in any case.
    pub email: FieldValue,
    /// The password.
    pub password: FieldValue,
}

/// What a client sends for a login's second step.
#[derive(Debug, Clone, Default)]
pub struct SecondStepInput {
    /// The key the first step answered.
    pub mfa_token: FieldValue,
    /// A TOTP code or a recovery code.
    pub code: FieldValue,
}

/// Why a second step failed: field errors (a wrong `code`, an unusable
/// `mfa_token` included), or the service.
#[derive(Debug, thiserror::Error)]
pub enum SecondStepError {
    /// Under `mfa_token` or `code`.
    #[error("invalid second step")]
    Invalid(ValidationErrors),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
    /// No key could be drawn for the new token.
    #[error(transparent)]
    KeyGeneration(#[from] KeyGenerationError),
    /// No JWT could be signed: no signing key has been read lately.
    #[error("no signing key has been read lately")]
    NoSigningKey,
}

impl From<IssueError> for SecondStepError {
    fn from(error: IssueError) -> Self {
        match error {
            IssueError::Random(error) => Self::KeyGeneration(error),
            IssueError::NoKey => Self::NoSigningKey,
        }
    }
}

/// Why a login's credential could not be made.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// The random source failed.
    #[error(transparent)]
    Random(#[from] KeyGenerationError),
    /// No JWT could be signed: no signing key has been read lately.
    #[error("no signing key has been read lately")]
    NoKey,
}

/// What a login hands out once the user is proven: a session token
/// (`POST /api/login`) or an access and refresh pair (`POST /api/token/`).
pub trait LoginIssuer {
    /// What the client is given.
    type Issued;

    /// Makes what a login of `user` at `now` issues; nothing is stored yet.
    fn prepare(
        &self,
        user: UserId,
        origin: &RequestOrigin,
        now: Timestamp,
    ) -> Result<Self::Issued, IssueError>;

    /// What storage keeps of it, in the login's own transaction.
    fn grant<'a>(&self, issued: &'a Self::Issued) -> LoginGrant<'a>;

    /// Stores a login that needed no second step: `last_login` set to
    /// `at`, what [`Self::grant`] names kept, `events` written, in one
    /// transaction; [`RepositoryError::NotFound`] when the user is gone.
    fn store(
        &self,
        issued: &Self::Issued,
        at: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<(), RepositoryError>;
}

/// Session tokens, as `POST /api/login` issues them.
struct SessionIssuer {
    tokens: Arc<dyn TokenRepository>,
    generator: Arc<dyn TokenGenerator>,
    policy: TokenPolicy,
}

impl LoginIssuer for SessionIssuer {
    type Issued = IssuedToken;

    fn prepare(
        &self,
        user: UserId,
        origin: &RequestOrigin,
        now: Timestamp,
    ) -> Result<IssuedToken, IssueError> {
        Ok(session_token(
            self.generator.as_ref(),
            self.policy.lifetime,
            user,
            origin,
            now,
        )?)
    }

    fn grant<'a>(&self, issued: &'a IssuedToken) -> LoginGrant<'a> {
        LoginGrant::Session {
            token: &issued.token,
            keep: self.policy.tokens_per_user,
        }
    }

    fn store(
        &self,
        issued: &IssuedToken,
        at: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<(), RepositoryError> {
        self.tokens
            .issue_for_login(&issued.token, self.policy.tokens_per_user, at, events)
    }
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
    /// The password matched, but the user has TOTP on: no token until the
    /// second step (`POST /api/login/mfa`) brings a code with this key.
    #[error("Second factor required.")]
    SecondFactorRequired {
        /// The key of the waiting login, shown once.
        mfa_token: TokenKey,
    },
    /// A passkey response that does not verify (or names no passkey).
    #[error("Invalid passkey.")]
    InvalidPasskey,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
    /// No key could be drawn for the new token.
    #[error(transparent)]
    KeyGeneration(#[from] KeyGenerationError),
    /// No JWT could be signed: no signing key has been read lately.
    #[error("no signing key has been read lately")]
    NoSigningKey,
}

impl From<IssueError> for LoginError {
    fn from(error: IssueError) -> Self {
        match error {
            IssueError::Random(error) => Self::KeyGeneration(error),
            IssueError::NoKey => Self::NoSigningKey,
        }
    }
}

impl LoginError {
    /// How the event log names this refusal; `None` for a failure of the
    /// service rather than of the credentials.
    pub(crate) fn failure(&self) -> Option<LoginFailure> {
        match self {
            Self::EmailBlank | Self::PasswordBlank | Self::InvalidCredentials => {
                Some(LoginFailure::InvalidCredentials)
            }
            Self::EmailNotVerified => Some(LoginFailure::Unverified),
            Self::InvalidPasskey => Some(LoginFailure::Passkey),
            // Not a failure: the password was right.
            Self::SecondFactorRequired { .. }
            | Self::Storage(_)
            | Self::KeyGeneration(_)
            | Self::NoSigningKey => None,
        }
    }
}

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoginSuccess<Issued = IssuedToken> {
    /// The user, with `last_login` set to this login.
    pub user: User,
    /// The new token and its key (or the pair), to be shown once.
    pub issued: Issued,
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
    /// How long a login's `mfa_token` waits for its second step.
    pub second_step_ttl: TimeDelta,
}

/// What a login reaches: accounts, tokens, hashing, time, randomness, the
/// event log and second factors.
pub struct LoginPorts {
    /// Accounts, by email and id.
    pub users: Arc<dyn UserRepository>,
    /// Where tokens are issued.
    pub tokens: Arc<dyn TokenRepository>,
    /// Checks passwords.
    pub hasher: Arc<dyn PasswordHasher>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Token keys and `mfa_token`s.
    pub generator: Arc<dyn TokenGenerator>,
    /// Where refusals are recorded.
    pub events: Arc<dyn SecurityEvents>,
    /// TOTP factors and waiting logins.
    pub factors: Arc<dyn SecondFactors>,
}

impl std::fmt::Debug for LoginPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginPorts").finish_non_exhaustive()
    }
}

/// The login use case.
pub struct Login {
    users: Arc<dyn UserRepository>,
    sessions: SessionIssuer,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
    generator: Arc<dyn TokenGenerator>,
    events: Arc<dyn SecurityEvents>,
    factors: Arc<dyn SecondFactors>,
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
    pub fn new(ports: LoginPorts, policy: TokenPolicy) -> Self {
        Self {
            users: ports.users,
            sessions: SessionIssuer {
                tokens: ports.tokens,
                generator: ports.generator.clone(),
                policy,
            },
            hasher: ports.hasher,
            clock: ports.clock,
            generator: ports.generator,
            events: ports.events,
            factors: ports.factors,
            policy,
            dummy_hash: OnceLock::new(),
        }
    }

    /// Checks the credentials and issues a token, recording either outcome
    /// (a refusal too when no account has the email, so the log's write
    /// tells nothing of which emails exist). A user with TOTP on gets
    /// [`LoginError::SecondFactorRequired`] instead of a token.
    pub fn execute(
        &self,
        input: LoginInput,
        origin: &RequestOrigin,
    ) -> Result<LoginSuccess, LoginError> {
        self.execute_with(input, origin, &self.sessions)
    }

    /// As [`Self::execute`], issuing what `issuer` makes (a token pair for
    /// `POST /api/token/`) instead of a session token.
    pub fn execute_with<I: LoginIssuer>(
        &self,
        input: LoginInput,
        origin: &RequestOrigin,
        issuer: &I,
    ) -> Result<LoginSuccess<I::Issued>, LoginError> {
        // Read before the user is: a login that began before a password
        // change, "log out everywhere" or deactivation must not store its
        // token after that change committed (the store refuses it).
        let began = self.clock.now();
        let refused = match self.check(&input) {
            Ok(user) => return self.first_factor_passed(user, origin, issuer, began),
            Err(refused) => refused,
        };
        let (error, user_id) = refused;
        if let Some(reason) = error.failure() {
            self.record_failure(reason, user_id, &input, origin)?;
        }
        Err(error)
    }

    /// Records a login refused for its fields before any check (the field
    /// errors of `POST /api/token/`), as [`Self::execute`] records a blank
    /// field: `login.failed` for invalid credentials, naming the address
    /// if one was sent.
    pub fn record_refused_fields(
        &self,
        input: &LoginInput,
        origin: &RequestOrigin,
    ) -> Result<(), RepositoryError> {
        self.record_failure(LoginFailure::InvalidCredentials, None, input, origin)
    }

    /// `login.failed` for `reason`, on `user_id`'s account when the attempt
    /// named one, with the address it named.
    fn record_failure(
        &self,
        reason: LoginFailure,
        user_id: Option<UserId>,
        input: &LoginInput,
        origin: &RequestOrigin,
    ) -> Result<(), RepositoryError> {
        let kind = EventKind::LoginFailed {
            reason,
            email: named_email(&input.email),
        };
        self.events
            .record(&SecurityEvent::new(kind, user_id, origin, self.clock.now()))
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

    /// The password matched: a token, or a waiting login when TOTP is on.
    fn first_factor_passed<I: LoginIssuer>(
        &self,
        user: User,
        origin: &RequestOrigin,
        issuer: &I,
        began: Timestamp,
    ) -> Result<LoginSuccess<I::Issued>, LoginError> {
        if !self.factors.totp(user.id)?.is_some_and(|f| f.enabled) {
            return self.issue(user, origin, issuer, began);
        }
        let now = self.clock.now();
        let mfa_token = self.generator.generate()?;
        let challenge = MfaChallenge {
            digest: mfa_token.digest(),
            user_id: user.id,
            expires: now + self.policy.second_step_ttl,
            failures: 0,
        };
        match self.factors.open_challenge(&challenge, began, now) {
            Ok(()) => Err(LoginError::SecondFactorRequired { mfa_token }),
            // Its password changed, or its tokens ended, since the check.
            Err(RepositoryError::NotFound) => Err(LoginError::InvalidCredentials),
            Err(error) => Err(error.into()),
        }
    }

    /// Issues for a login that began at `began`, which is its instant.
    fn issue<I: LoginIssuer>(
        &self,
        mut user: User,
        origin: &RequestOrigin,
        issuer: &I,
        began: Timestamp,
    ) -> Result<LoginSuccess<I::Issued>, LoginError> {
        let now = began;
        let issued = issuer.prepare(user.id, origin, now)?;
        let event = login_succeeded(LoginMethod::Password, &issuer.grant(&issued), origin, now);
        match issuer.store(&issued, now, &[event]) {
            Ok(()) => {}
            // Deleted, or its password changed or its tokens ended, between
            // the password check and now.
            Err(RepositoryError::NotFound) => return Err(LoginError::InvalidCredentials),
            Err(error) => return Err(error.into()),
        }
        user.last_login = Some(now);
        Ok(LoginSuccess { user, issued })
    }

    /// The second step of a login with TOTP on: the `mfa_token` of the
    /// first and a TOTP or recovery code. Field errors first (both at
    /// once), then the `mfa_token`, then the code; a wrong code counts
    /// against the `mfa_token`, which dies at the fifth.
    pub fn second_step(
        &self,
        input: SecondStepInput,
        origin: &RequestOrigin,
    ) -> Result<LoginSuccess, SecondStepError> {
        self.second_step_with(input, origin, &self.sessions)
    }

    /// As [`Self::second_step`], issuing what `issuer` makes.
    pub fn second_step_with<I: LoginIssuer>(
        &self,
        input: SecondStepInput,
        origin: &RequestOrigin,
        issuer: &I,
    ) -> Result<LoginSuccess<I::Issued>, SecondStepError> {
        let mut errors = ValidationErrors::default();
        let mfa_token = errors.parse("mfa_token", &input.mfa_token, true, not_blank);
        let code = errors.parse("code", &input.code, true, not_blank);
        let (Some(mfa_token), Some(code)) = (mfa_token, code) else {
            return Err(SecondStepError::Invalid(errors));
        };
        let key = TokenKey::parse(mfa_token.trim()).ok_or_else(invalid_mfa_token)?;
        let digest = key.digest();
        let now = self.clock.now();
        let challenge = self
            .factors
            .find_challenge(&digest, now)?
            .ok_or_else(invalid_mfa_token)?;
        let mut user = self
            .users
            .find_by_id(challenge.user_id)?
            .filter(|user| user.is_active)
            .ok_or_else(invalid_mfa_token)?;
        let factor = self
            .factors
            .totp(user.id)?
            .filter(|factor| factor.enabled)
            .ok_or_else(invalid_mfa_token)?;
        let Some(proof) = factor.proof(&code, now) else {
            return self.wrong_code(&digest, &user, origin, now);
        };
        let issued = issuer.prepare(user.id, origin, now)?;
        let grant = issuer.grant(&issued);
        let method = match proof {
            SecondFactorProof::Totp(_) => LoginMethod::Totp,
            SecondFactorProof::RecoveryCode(_) => LoginMethod::RecoveryCode,
        };
        let mut events = vec![login_succeeded(method, &grant, origin, now)];
        if method == LoginMethod::RecoveryCode {
            let used =
                SecurityEvent::new(EventKind::MfaRecoveryCodeUsed, Some(user.id), origin, now)
                    .with_token(grant.token_id());
            events.push(used);
        }
        let step = SecondStep {
            challenge: &digest,
            proof: &proof,
            grant,
        };
        match self.factors.complete_second_step(&step, now, &events)? {
            ProofOutcome::Done => {
                user.last_login = Some(now);
                Ok(LoginSuccess { user, issued })
            }
            ProofOutcome::ProofRefused => self.wrong_code(&digest, &user, origin, now),
            ProofOutcome::Gone => Err(invalid_mfa_token()),
        }
    }

    fn wrong_code<T>(
        &self,
        challenge: &TokenDigest,
        user: &User,
        origin: &RequestOrigin,
        now: Timestamp,
    ) -> Result<T, SecondStepError> {
        let failed = EventKind::LoginFailed {
            reason: LoginFailure::SecondFactor,
            email: Some(user.email.as_str().to_owned()),
        };
        let event = SecurityEvent::new(failed, Some(user.id), origin, now);
        self.factors
            .count_wrong_code(challenge, MAX_WRONG_CODES, &[event])?;
        Err(SecondStepError::Invalid(ValidationErrors::single(
            "code",
            FieldError::InvalidCode,
        )))
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

/// A new session token for `user_id`, made at `now` from `origin`.
pub(crate) fn session_token(
    generator: &dyn TokenGenerator,
    lifetime: TokenLifetime,
    user_id: UserId,
    origin: &RequestOrigin,
    now: Timestamp,
) -> Result<IssuedToken, KeyGenerationError> {
    let key = generator.generate()?;
    let token = AuthToken {
        id: TokenId::new_random(),
        user_id,
        digest: key.digest(),
        created: now,
        kind: TokenKind::Session,
        expires: lifetime.expires_at(now),
        last_used: None,
        origin: origin.clone(),
    };
    Ok(IssuedToken { key, token })
}

/// `login.succeeded` by `method`, naming the token issued (if one was).
pub(crate) fn login_succeeded(
    method: LoginMethod,
    grant: &LoginGrant<'_>,
    origin: &RequestOrigin,
    now: Timestamp,
) -> SecurityEvent {
    let kind = EventKind::LoginSucceeded { method };
    SecurityEvent::new(kind, Some(grant.user_id()), origin, now).with_token(grant.token_id())
}

fn invalid_mfa_token() -> SecondStepError {
    SecondStepError::Invalid(ValidationErrors::single(
        "mfa_token",
        FieldError::InvalidOrExpiredKey,
    ))
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
