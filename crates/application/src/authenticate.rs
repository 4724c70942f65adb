//! Authenticate: turn a presented token key, or an access JWT, into its user.

use std::sync::Arc;

use tokenauth_domain::{
    Identity, PairClaims, PairTokenType, PresentedToken, Scope, Scopes, TokenDigest, TokenId,
    TokenKey, TokenLifetime, User,
};

use crate::SigningKeys;
use crate::ports::{Clock, RepositoryError, TokenLookup};
use crate::token_pairs::access_accepted;

/// Why a presented key does not authenticate.
#[derive(Debug, thiserror::Error)]
pub enum AuthenticateError {
    /// No such token: malformed, unknown or revoked.
    #[error("Invalid token.")]
    InvalidToken,
    /// The token's expiry has passed.
    #[error("Token has expired.")]
    Expired,
    /// The token's user was deactivated.
    #[error("User inactive or deleted.")]
    UserInactive,
    /// An access JWT that is expired, malformed, wrongly signed, ended, a
    /// refresh JWT, or whose user is gone or inactive: SimpleJWT's one answer.
    #[error("Token is invalid or expired")]
    JwtNotValid,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
}

/// What a request authenticated with.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A stored token: a session or a personal one.
    Token(PresentedToken),
    /// An access JWT (`Authorization: Bearer`), which acts as a session.
    AccessJwt(PairClaims),
}

impl Credential {
    /// The stored token's id; `None` for a JWT, which is not stored.
    pub fn token_id(&self) -> Option<TokenId> {
        match self {
            Self::Token(token) => Some(token.id),
            Self::AccessJwt(_) => None,
        }
    }
}

/// A request's authenticated identity: the whole user by default, or only
/// their [`Identity`] where that is all a caller needs (the gateway).
#[derive(Debug, Clone)]
pub struct Authenticated<Who = User> {
    /// Who.
    pub user: Who,
    /// With what.
    pub credential: Credential,
}

impl<Who> Authenticated<Who> {
    /// The scopes the credential holds: every one for a session token or
    /// an access JWT.
    pub fn scopes(&self) -> Scopes {
        match &self.credential {
            Credential::Token(token) => token.scopes(),
            Credential::AccessJwt(_) => Scopes::ALL,
        }
    }

    /// Whether the credential holds `scope`.
    pub fn holds(&self, scope: Scope) -> bool {
        self.scopes().contains(scope)
    }

    /// Whether the request came with a login (a session token or an access
    /// JWT), which alone may make personal tokens, change the password and
    /// log out everywhere.
    pub fn is_session(&self) -> bool {
        match &self.credential {
            Credential::Token(token) => token.kind.is_session(),
            Credential::AccessJwt(_) => true,
        }
    }

    /// The stored token used; `None` for an access JWT.
    pub fn token_id(&self) -> Option<TokenId> {
        self.credential.token_id()
    }
}

/// A stored token that authenticates, as introspection reports it.
#[derive(Debug, Clone)]
pub struct Introspected {
    /// Its user.
    pub user: User,
    /// The token.
    pub token: PresentedToken,
}

/// The authentication use case: the hot path of every protected request.
pub struct Authenticate {
    tokens: Arc<dyn TokenLookup>,
    clock: Arc<dyn Clock>,
    lifetime: TokenLifetime,
    /// The keys access JWTs are checked with; `None` when they are off.
    jwt_keys: Option<Arc<SigningKeys>>,
}

impl std::fmt::Debug for Authenticate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticate")
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl Authenticate {
    /// Builds the use case over its ports.
    pub fn new(
        tokens: Arc<dyn TokenLookup>,
        clock: Arc<dyn Clock>,
        lifetime: TokenLifetime,
    ) -> Self {
        Self {
            tokens,
            clock,
            lifetime,
            jwt_keys: None,
        }
    }

    /// The same use case, accepting access JWTs signed with `keys`.
    pub fn with_access_jwts(mut self, keys: Arc<SigningKeys>) -> Self {
        self.jwt_keys = Some(keys);
        self
    }

    /// Whether access JWTs are accepted at all.
    pub fn accepts_jwts(&self) -> bool {
        self.jwt_keys.is_some()
    }

    /// Looks the key up by digest (one indexed read) and checks expiry and the
    /// user; slides the expiry when due (at most one write a minute per token).
    pub async fn execute(&self, presented_key: &str) -> Result<Authenticated, AuthenticateError> {
        let digest = digest_of(presented_key)?;
        let found = self.tokens.find_by_digest(&digest).await?;
        self.admit(&digest, found, |user| user.is_active).await
    }

    /// What `POST /api/oauth/introspect` tells of a key (RFC 7662): the
    /// token and its user when it authenticates (which counts as its use),
    /// `None` for anything else. Only a storage failure is an error.
    pub async fn introspect(
        &self,
        presented_key: &str,
    ) -> Result<Option<Introspected>, RepositoryError> {
        match self.execute(presented_key).await {
            Ok(Authenticated {
                user,
                credential: Credential::Token(token),
            }) => Ok(Some(Introspected { user, token })),
            Err(AuthenticateError::Storage(error)) => Err(error),
            Ok(_) | Err(_) => Ok(None),
        }
    }

    /// Checks an access JWT (`Authorization: Bearer`): its signature and
    /// expiry here, then one read for its user, the user's cutoff and
    /// whether it was logged out. No write: a JWT does not slide.
    pub async fn execute_jwt(&self, jwt: &str) -> Result<Authenticated, AuthenticateError> {
        let keys = self
            .jwt_keys
            .as_ref()
            .ok_or(AuthenticateError::JwtNotValid)?;
        let claims = keys
            .verify_pair(jwt, Some(PairTokenType::Access))
            .ok_or(AuthenticateError::JwtNotValid)?;
        let subject = self
            .tokens
            .find_jwt_subject(claims.user_id, &claims.jti)
            .await?
            .filter(|subject| access_accepted(&claims, subject))
            .ok_or(AuthenticateError::JwtNotValid)?;
        Ok(Authenticated {
            user: subject.user,
            credential: Credential::AccessJwt(claims),
        })
    }

    /// As [`Self::execute_jwt`], for the gateway's question.
    pub async fn identify_jwt(
        &self,
        jwt: &str,
    ) -> Result<Authenticated<Identity>, AuthenticateError> {
        let found = self.execute_jwt(jwt).await?;
        Ok(Authenticated {
            user: Identity::from(&found.user),
            credential: found.credential,
        })
    }

    /// As [`Self::execute`], reading only who the user is: the gateway's
    /// question, asked before every request behind a proxy.
    pub async fn identify(
        &self,
        presented_key: &str,
    ) -> Result<Authenticated<Identity>, AuthenticateError> {
        let digest = digest_of(presented_key)?;
        let found = self.tokens.find_identity_by_digest(&digest).await?;
        self.admit(&digest, found, |user| user.is_active).await
    }

    /// The checks of a found token, in DRF's order (expiry, then the user),
    /// and the write of its use when due.
    async fn admit<Who>(
        &self,
        digest: &TokenDigest,
        found: Option<(PresentedToken, Who)>,
        is_active: impl FnOnce(&Who) -> bool,
    ) -> Result<Authenticated<Who>, AuthenticateError> {
        let (mut token, user) = found.ok_or(AuthenticateError::InvalidToken)?;
        let now = self.clock.now();
        if TokenLifetime::is_expired(token.expires, now) {
            return Err(AuthenticateError::Expired);
        }
        if !is_active(&user) {
            return Err(AuthenticateError::UserInactive);
        }
        if TokenLifetime::is_due_for_slide(&token, now) {
            token.last_used = Some(now);
            token.expires = self.lifetime.expiry_after_use(&token, now);
            // The request is already authenticated; a failed write only
            // delays the slide to the next use.
            if let Err(error) = self
                .tokens
                .record_use(digest, token.id, now, token.expires)
                .await
            {
                tracing::warn!(%error, "could not record token use");
            }
        }
        Ok(Authenticated {
            user,
            credential: Credential::Token(token),
        })
    }
}

/// The digest to look a presented key up by; a malformed key is no token.
fn digest_of(presented_key: &str) -> Result<TokenDigest, AuthenticateError> {
    TokenKey::parse(presented_key)
        .map(|key| key.digest())
        .ok_or(AuthenticateError::InvalidToken)
}
