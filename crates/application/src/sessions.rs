//! A user's own sessions: `GET /api/me/tokens` and `DELETE /api/me/tokens/{id}`.

use std::sync::Arc;

use tokenauth_domain::{AuthToken, EventKind, RequestOrigin, RevokedVia, SecurityEvent, TokenId};

use crate::Authenticated;
use crate::ports::{Clock, RepositoryError, TokenRepository};

/// One of the user's tokens, as the user may see it (never its key or digest).
#[derive(Debug, Clone)]
pub struct Session {
    /// The stored token.
    pub token: AuthToken,
    /// True for the token that authenticated this request.
    pub current: bool,
}

/// Why a session could not be ended.
#[derive(Debug, thiserror::Error)]
pub enum EndSessionError {
    /// No token of the user has this id (or the id is malformed).
    #[error("not one of the user's tokens")]
    NotFound,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
}

/// Lists and ends the authenticated user's sessions.
#[derive(Clone)]
pub struct Sessions {
    tokens: Arc<dyn TokenRepository>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sessions")
    }
}

impl Sessions {
    /// Builds the use case over its ports.
    pub fn new(tokens: Arc<dyn TokenRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { tokens, clock }
    }

    /// The user's unexpired tokens, newest first.
    pub fn list(&self, session: &Authenticated) -> Result<Vec<Session>, RepositoryError> {
        let tokens = self.tokens.list_active(session.user.id, self.clock.now())?;
        Ok(tokens
            .into_iter()
            .map(|token| Session {
                current: Some(token.id) == session.token_id(),
                token,
            })
            .collect())
    }

    /// Revokes one of the user's own tokens, named by its id.
    pub fn end(
        &self,
        session: &Authenticated,
        token_id: &str,
        origin: &RequestOrigin,
    ) -> Result<(), EndSessionError> {
        let id = TokenId::parse(token_id).ok_or(EndSessionError::NotFound)?;
        let revoked = EventKind::TokenRevoked {
            via: RevokedVia::Api,
        };
        let event = SecurityEvent::new(revoked, Some(session.user.id), origin, self.clock.now())
            .with_token(id);
        if self.tokens.revoke_owned(session.user.id, id, &[event])? {
            Ok(())
        } else {
            Err(EndSessionError::NotFound)
        }
    }
}
