//! Revocation by key (RFC 7009): whoever holds a token's key may end it, so
//! a leaked key can be killed by whoever finds it, its owner or not.

use std::sync::Arc;

use tokenauth_domain::{EventKind, RequestOrigin, RevokedVia, SecurityEvent, TokenKey};

use crate::ports::{Clock, RepositoryError, TokenRepository};

/// The revocation use case.
#[derive(Clone)]
pub struct RevokeToken {
    tokens: Arc<dyn TokenRepository>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for RevokeToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RevokeToken")
    }
}

impl RevokeToken {
    /// Builds the use case over its ports.
    pub fn new(tokens: Arc<dyn TokenRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { tokens, clock }
    }

    /// Ends the token whose key this is, recording `token.revoked` on its
    /// user's account. A key that is malformed or names no token changes
    /// nothing: the answer is the same either way (RFC 7009 §2.2).
    pub fn execute(&self, key: &str, origin: &RequestOrigin) -> Result<(), RepositoryError> {
        let Some(key) = TokenKey::parse(key.trim()) else {
            return Ok(());
        };
        let now = self.clock.now();
        let event = |token, user| {
            let kind = EventKind::TokenRevoked {
                via: RevokedVia::RevocationEndpoint,
            };
            SecurityEvent::new(kind, Some(user), origin, now).with_token(token)
        };
        self.tokens.revoke_by_digest(&key.digest(), &event)?;
        Ok(())
    }
}
