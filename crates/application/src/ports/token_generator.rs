use tokenauth_domain::TokenKey;

use super::RepositoryError;

/// Where new token keys come from.
pub trait TokenGenerator: Send + Sync + 'static {
    /// A fresh key. MUST come from a CSPRNG in production; an error means the
    /// system's randomness is unavailable and no token may be issued.
    fn generate(&self) -> Result<TokenKey, RepositoryError>;
}
