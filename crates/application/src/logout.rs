//! Logout: revoke the token used, or all of the user's tokens.

use std::sync::Arc;

use crate::Authenticated;
use crate::ports::{RepositoryError, TokenRepository};

/// Revokes the token that authenticated the request.
#[derive(Clone)]
pub struct Logout {
    tokens: Arc<dyn TokenRepository>,
}

/// Revokes every token of the authenticated user.
#[derive(Clone)]
pub struct LogoutAll {
    tokens: Arc<dyn TokenRepository>,
}

impl Logout {
    /// Builds the use case over its port.
    pub fn new(tokens: Arc<dyn TokenRepository>) -> Self {
        Self { tokens }
    }

    /// Deletes the token used; the next request with it gets `Invalid token.`
    pub fn execute(&self, session: &Authenticated) -> Result<(), RepositoryError> {
        self.tokens.revoke(session.token.id)
    }
}

impl LogoutAll {
    /// Builds the use case over its port.
    pub fn new(tokens: Arc<dyn TokenRepository>) -> Self {
        Self { tokens }
    }

    /// Deletes every token of the user, the one used included.
    pub fn execute(&self, session: &Authenticated) -> Result<usize, RepositoryError> {
        self.tokens.revoke_all(session.user.id)
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
