//! Authenticate: turn a presented token key into its user.

use std::sync::Arc;

use tokenauth_domain::{
    Identity, PresentedToken, Scope, Scopes, TokenDigest, TokenKey, TokenLifetime, User,
};

use crate::ports::{Clock, RepositoryError, TokenLookup};

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
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
}

/// A request's authenticated identity: the whole user by default, or only
/// their [`Identity`] where that is all a caller needs (the gateway).
#[derive(Debug, Clone)]
pub struct Authenticated<Who = User> {
    /// Who.
    pub user: Who,
    /// With which token.
    pub token: PresentedToken,
}

impl<Who> Authenticated<Who> {
    /// The scopes the token holds: every one for a session token.
    pub fn scopes(&self) -> Scopes {
        self.token.scopes()
    }

    /// Whether the token holds `scope`.
    pub fn holds(&self, scope: Scope) -> bool {
        self.scopes().contains(scope)
    }

    /// Whether the request came with a login (session) token, which alone may
    /// make personal tokens, change the password and log out everywhere.
    pub fn is_session(&self) -> bool {
        self.token.kind.is_session()
    }
}

/// The authentication use case: the hot path of every protected request.
pub struct Authenticate {
    tokens: Arc<dyn TokenLookup>,
    clock: Arc<dyn Clock>,
    lifetime: TokenLifetime,
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
        }
    }

    /// Looks the key up by digest (one indexed read) and checks expiry and the
    /// user; slides the expiry when due (at most one write a minute per token).
    pub async fn execute(&self, presented_key: &str) -> Result<Authenticated, AuthenticateError> {
        let digest = digest_of(presented_key)?;
        let found = self.tokens.find_by_digest(&digest).await?;
        self.admit(found, |user| user.is_active).await
    }

    /// What `POST /api/oauth/introspect` tells of a key (RFC 7662): the
    /// token and its user when it authenticates (which counts as its use),
    /// `None` for anything else. Only a storage failure is an error.
    pub async fn introspect(
        &self,
        presented_key: &str,
    ) -> Result<Option<Authenticated>, RepositoryError> {
        match self.execute(presented_key).await {
            Ok(found) => Ok(Some(found)),
            Err(AuthenticateError::Storage(error)) => Err(error),
            Err(_) => Ok(None),
        }
    }

    /// As [`Self::execute`], reading only who the user is: the gateway's
    /// question, asked before every request behind a proxy.
    pub async fn identify(
        &self,
        presented_key: &str,
    ) -> Result<Authenticated<Identity>, AuthenticateError> {
        let digest = digest_of(presented_key)?;
        let found = self.tokens.find_identity_by_digest(&digest).await?;
        self.admit(found, |user| user.is_active).await
    }

    /// The checks of a found token, in DRF's order (expiry, then the user),
    /// and the write of its use when due.
    async fn admit<Who>(
        &self,
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
            if let Err(error) = self.tokens.record_use(token.id, now, token.expires).await {
                tracing::warn!(%error, "could not record token use");
            }
        }
        Ok(Authenticated { user, token })
    }
}

/// The digest to look a presented key up by; a malformed key is no token.
fn digest_of(presented_key: &str) -> Result<TokenDigest, AuthenticateError> {
    TokenKey::parse(presented_key)
        .map(|key| key.digest())
        .ok_or(AuthenticateError::InvalidToken)
}
