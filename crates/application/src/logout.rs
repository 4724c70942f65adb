//! Logout: revoke the token used, or all of the user's tokens.

use std::sync::Arc;

use tokenauth_domain::{EventKind, RequestOrigin, SecurityEvent};

use crate::ports::{Clock, JwtStore, RepositoryError, TokenRepository};
use crate::{Authenticated, Credential};

/// Revokes the token (or ends the access JWT) that authenticated the request.
#[derive(Clone)]
pub struct Logout {
    tokens: Arc<dyn TokenRepository>,
    jwts: Arc<dyn JwtStore>,
    clock: Arc<dyn Clock>,
}

/// Revokes every token of the authenticated user.
#[derive(Clone)]
pub struct LogoutAll {
    tokens: Arc<dyn TokenRepository>,
    clock: Arc<dyn Clock>,
}

impl Logout {
    /// Builds the use case over its ports.
    pub fn new(
        tokens: Arc<dyn TokenRepository>,
        jwts: Arc<dyn JwtStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            tokens,
            jwts,
            clock,
        }
    }

    /// Deletes the token used (the next request with it gets `Invalid
    /// token.`), or ends the access JWT used until it expires.
    pub fn execute(
        &self,
        session: &Authenticated,
        origin: &RequestOrigin,
    ) -> Result<(), RepositoryError> {
        let event = session_event(EventKind::Logout, session, origin, &*self.clock);
        match &session.credential {
            Credential::Token(token) => self.tokens.revoke(token.id, &[event]),
            Credential::AccessJwt(claims) => {
                self.jwts.end_access(&claims.jti, claims.expires, &[event])
            }
        }
    }
}

impl LogoutAll {
    /// Builds the use case over its port.
    pub fn new(tokens: Arc<dyn TokenRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { tokens, clock }
    }

    /// Deletes every token of the user, the one used included, and ends
    /// every JWT issued to the user so far.
    pub fn execute(
        &self,
        session: &Authenticated,
        origin: &RequestOrigin,
    ) -> Result<usize, RepositoryError> {
        let event = session_event(EventKind::LogoutAll, session, origin, &*self.clock);
        self.tokens.revoke_all(session.user.id, &[event])
    }
}

impl std::fmt::Debug for Logout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Logout")
    }
}

impl std::fmt::Debug for LogoutAll {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogoutAll")
    }
}

/// An event of `kind` on the session's own account, naming the token used.
pub(crate) fn session_event(
    kind: EventKind,
    session: &Authenticated,
    origin: &RequestOrigin,
    clock: &dyn Clock,
) -> SecurityEvent {
    SecurityEvent::new(kind, Some(session.user.id), origin, clock.now())
        .with_token(session.token_id())
}
