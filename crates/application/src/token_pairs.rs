//! Access and refresh JWTs for clients written for
//! djangorestframework-simplejwt: issuing a pair, refreshing it with
//! rotation and reuse detection, verifying and blacklisting.
//!
//! Stricter than SimpleJWT as it is usually run: a user's "log out
//! everywhere", password change or reset and deactivation end every JWT
//! of the user at once, and a refresh JWT presented a second time ends
//! every refresh JWT of its line (OAuth 2.0 Security BCP §4.14).

use std::sync::Arc;

use chrono::TimeDelta;
use tokenauth_domain::{
    PairClaims, PairJwtId, PairTokenType, RefreshJwt, RequestOrigin, SecurityEvent, Timestamp,
    UserId,
};

use crate::login::{IssueError, LoginIssuer};
use crate::ports::{
    Clock, JwtStore, JwtSubject, KeyGenerationError, LoginGrant, RefreshRotation, RefreshState,
    RepositoryError, TokenGenerator,
};
use crate::validation::{ValidationErrors, not_blank};
use crate::{FieldValue, LoginInput, SigningKeys};

/// How long pair JWTs live.
#[derive(Debug, Clone, Copy)]
pub struct PairPolicy {
    /// From an access JWT's `iat` to its `exp`.
    pub access_ttl: TimeDelta,
    /// From a refresh JWT's `iat` to its `exp`.
    pub refresh_ttl: TimeDelta,
}

/// An access and a refresh JWT, as a client gets them.
#[derive(Debug, Clone)]
pub struct TokenPair {
    /// Authenticates requests (`Authorization: Bearer`).
    pub access: String,
    /// Buys the next pair, once.
    pub refresh: String,
}

/// A pair just signed, and what the server keeps of its refresh JWT.
#[derive(Debug, Clone)]
pub struct IssuedPair {
    /// What the client gets.
    pub pair: TokenPair,
    /// What is stored.
    pub refresh: RefreshJwt,
}

/// Why a pair JWT was refused, or none could be made.
#[derive(Debug, thiserror::Error)]
pub enum PairError {
    /// A field missing or blank.
    #[error("invalid fields")]
    Invalid(ValidationErrors),
    /// Expired, malformed, wrongly signed, used up, blacklisted or ended.
    #[error("Token is invalid or expired")]
    NotValid,
    /// The JWT's user is gone or inactive.
    #[error("No active account found for the given token.")]
    NoActiveAccount,
    /// No signing key has been read lately.
    #[error("no signing key has been read lately")]
    NoKey,
    /// The random source failed.
    #[error(transparent)]
    Random(#[from] KeyGenerationError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
}

impl From<IssueError> for PairError {
    fn from(error: IssueError) -> Self {
        match error {
            IssueError::Random(error) => Self::Random(error),
            IssueError::NoKey => Self::NoKey,
        }
    }
}

/// The SimpleJWT-style token pair use case.
pub struct TokenPairs {
    keys: Arc<SigningKeys>,
    store: Arc<dyn JwtStore>,
    generator: Arc<dyn TokenGenerator>,
    clock: Arc<dyn Clock>,
    policy: PairPolicy,
}

impl std::fmt::Debug for TokenPairs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPairs")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// Whether an access JWT whose signature and expiry passed is still good:
/// its user active, issued after the user's cutoff, not logged out.
pub(crate) fn access_accepted(claims: &PairClaims, subject: &JwtSubject) -> bool {
    !subject.ended && subject.user.is_active && claims.issued_after(subject.valid_after)
}

impl TokenPairs {
    /// The use case over the shared signing keys and its ports.
    pub fn new(
        keys: Arc<SigningKeys>,
        store: Arc<dyn JwtStore>,
        generator: Arc<dyn TokenGenerator>,
        clock: Arc<dyn Clock>,
        policy: PairPolicy,
    ) -> Self {
        Self {
            keys,
            store,
            generator,
            clock,
            policy,
        }
    }

    /// Signs a pair for `user`: a new line of refresh JWTs, or the next of
    /// `family`'s. Nothing is stored.
    pub fn issue(
        &self,
        user: UserId,
        family: Option<&PairJwtId>,
    ) -> Result<IssuedPair, IssueError> {
        let key = self.keys.signing_key().ok_or(IssueError::NoKey)?;
        let now = self.clock.now();
        let claims = |token_type, ttl: TimeDelta| -> Result<PairClaims, IssueError> {
            let mut random = [0; 8];
            self.generator.fill(&mut random)?;
            Ok(PairClaims {
                token_type,
                user_id: user,
                jti: PairJwtId::new(now, random),
                issued_at: now,
                expires: now + ttl,
            })
        };
        let access = claims(PairTokenType::Access, self.policy.access_ttl)?;
        let refresh = claims(PairTokenType::Refresh, self.policy.refresh_ttl)?;
        let stored = RefreshJwt {
            family: family.unwrap_or(&refresh.jti).clone(),
            jti: refresh.jti.clone(),
            user_id: user,
            expires: refresh.expires,
        };
        Ok(IssuedPair {
            pair: TokenPair {
                access: key.sign_pair(&access),
                refresh: key.sign_pair(&refresh),
            },
            refresh: stored,
        })
    }

    /// The field errors of a `POST /api/token/` body, all at once, as
    /// SimpleJWT's serializer reports them (before any credential check).
    pub fn check_login_fields(input: &LoginInput) -> Result<(), PairError> {
        let mut errors = ValidationErrors::default();
        errors.parse("email", &input.email, true, not_blank);
        errors.parse("password", &input.password, true, not_blank);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(PairError::Invalid(errors))
        }
    }

    /// `POST /api/token/refresh/`: a new pair for a usable refresh JWT,
    /// which is used up. A used-up one presented again ends its line.
    pub fn refresh(&self, refresh: &FieldValue) -> Result<TokenPair, PairError> {
        let jwt = required("refresh", refresh)?;
        let claims = self.signed(&jwt, Some(PairTokenType::Refresh))?;
        // The user first: a deactivation also ends the refresh JWTs, and
        // SimpleJWT tells that case apart (`no_active_account`).
        self.subject(&claims)?;
        let (state, family) = self
            .store
            .refresh_state(&claims.jti)?
            .ok_or(PairError::NotValid)?;
        if state == RefreshState::Ended {
            return Err(PairError::NotValid);
        }
        let next = self.issue(claims.user_id, Some(&family))?;
        match self.store.rotate(&claims.jti, &next.refresh)? {
            RefreshRotation::Rotated => Ok(next.pair),
            RefreshRotation::Reused | RefreshRotation::Refused => Err(PairError::NotValid),
        }
    }

    /// `POST /api/token/verify/`: whether an access or refresh JWT would be
    /// accepted now.
    pub fn verify(&self, token: &FieldValue) -> Result<(), PairError> {
        let jwt = required("token", token)?;
        let claims = self.signed(&jwt, None)?;
        match claims.token_type {
            PairTokenType::Access => {
                let subject = self
                    .store
                    .subject(claims.user_id, &claims.jti)?
                    .filter(|subject| access_accepted(&claims, subject));
                subject.map(drop).ok_or(PairError::NotValid)
            }
            PairTokenType::Refresh => self.usable_refresh(&claims),
        }
    }

    /// `POST /api/token/blacklist/`: ends a usable refresh JWT.
    pub fn blacklist(&self, refresh: &FieldValue) -> Result<(), PairError> {
        let jwt = required("refresh", refresh)?;
        let claims = self.signed(&jwt, Some(PairTokenType::Refresh))?;
        self.usable_refresh(&claims)?;
        if self.store.blacklist(&claims.jti)? {
            Ok(())
        } else {
            Err(PairError::NotValid)
        }
    }

    /// The claims of a JWT we signed, unexpired, of `token_type` if given.
    fn signed(
        &self,
        jwt: &str,
        token_type: Option<PairTokenType>,
    ) -> Result<PairClaims, PairError> {
        self.keys
            .verify_pair(jwt, token_type)
            .ok_or(PairError::NotValid)
    }

    /// A refresh JWT not used up, blacklisted or ended, of a usable user;
    /// anything else is `token_not_valid` (verify and blacklist do not tell
    /// an inactive user apart, as refresh does).
    fn usable_refresh(&self, claims: &PairClaims) -> Result<(), PairError> {
        match self.store.refresh_state(&claims.jti)? {
            Some((RefreshState::Active, _)) => match self.subject(claims) {
                Ok(_) => Ok(()),
                Err(PairError::NoActiveAccount) => Err(PairError::NotValid),
                Err(other) => Err(other),
            },
            _ => Err(PairError::NotValid),
        }
    }

    /// The JWT's user, active, and the JWT issued after the user's cutoff.
    fn subject(&self, claims: &PairClaims) -> Result<JwtSubject, PairError> {
        let subject = self
            .store
            .subject(claims.user_id, &claims.jti)?
            .filter(|subject| subject.user.is_active)
            .ok_or(PairError::NoActiveAccount)?;
        if claims.issued_after(subject.valid_after) {
            Ok(subject)
        } else {
            Err(PairError::NotValid)
        }
    }
}

impl LoginIssuer for TokenPairs {
    type Issued = IssuedPair;

    fn prepare(
        &self,
        user: UserId,
        _origin: &RequestOrigin,
        _now: Timestamp,
    ) -> Result<IssuedPair, IssueError> {
        self.issue(user, None)
    }

    fn grant<'a>(&self, issued: &'a IssuedPair) -> LoginGrant<'a> {
        LoginGrant::Pair(&issued.refresh)
    }

    fn store(
        &self,
        issued: &IssuedPair,
        at: Timestamp,
        events: &[SecurityEvent],
    ) -> Result<(), RepositoryError> {
        self.store.issue_pair(&issued.refresh, at, events)
    }
}

/// A required, non-blank string field.
fn required(field: &'static str, value: &FieldValue) -> Result<String, PairError> {
    let mut errors = ValidationErrors::default();
    errors
        .parse(field, value, true, not_blank)
        .ok_or(PairError::Invalid(errors))
}
