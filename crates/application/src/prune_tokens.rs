//! Deleting expired tokens, so they do not pile up.

use std::sync::Arc;

use crate::ports::{Clock, RepositoryError, TokenRepository};

/// Deletes every token that has expired.
#[derive(Clone)]
pub struct PruneTokens {
    tokens: Arc<dyn TokenRepository>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for PruneTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PruneTokens")
    }
}

impl PruneTokens {
    /// Builds the use case over its ports.
    pub fn new(tokens: Arc<dyn TokenRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { tokens, clock }
    }

    /// Deletes the tokens expired by now; returns how many.
    pub fn execute(&self) -> Result<usize, RepositoryError> {
        self.tokens.delete_expired(self.clock.now())
    }
}
