use tokenauth_domain::TokenKey;

/// The system's randomness could not give a key: no token may be issued.
#[derive(Debug, thiserror::Error)]
#[error("no random key could be generated: {0}")]
pub struct KeyGenerationError(pub String);

/// Where new token keys come from.
pub trait TokenGenerator: Send + Sync + 'static {
    /// A fresh key. MUST come from a CSPRNG in production, and fail rather
    /// than return a key from a weaker source.
    fn generate(&self) -> Result<TokenKey, KeyGenerationError>;

    /// Fills `bytes` from the same source (for secrets that are not token
    /// keys: TOTP secrets, recovery codes).
    fn fill(&self, bytes: &mut [u8]) -> Result<(), KeyGenerationError>;
}
