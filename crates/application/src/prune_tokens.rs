//! Deleting expired tokens, and what is kept of expired JWTs, so they do
//! not pile up.

use std::sync::Arc;

use crate::ports::{Clock, JwtStore, RepositoryError, TokenRepository};

/// Deletes every token that has expired, and the records of JWTs that have.
#[derive(Clone)]
pub struct PruneTokens {
    tokens: Arc<dyn TokenRepository>,
    jwts: Arc<dyn JwtStore>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for PruneTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PruneTokens")
    }
}

impl PruneTokens {
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

    /// Deletes the tokens and JWT records expired by now; returns how many.
    pub fn execute(&self) -> Result<usize, RepositoryError> {
        let now = self.clock.now();
        Ok(self.tokens.delete_expired(now)? + self.jwts.delete_expired(now)?)
    }
}
