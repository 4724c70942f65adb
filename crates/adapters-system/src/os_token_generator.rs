use tokenauth_application::{KeyGenerationError, TokenGenerator};
use tokenauth_domain::TokenKey;

/// Token keys from the operating system's CSPRNG.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsTokenGenerator;

impl TokenGenerator for OsTokenGenerator {
    fn generate(&self) -> Result<TokenKey, KeyGenerationError> {
        let mut bytes = [0; TokenKey::BYTES];
        self.fill(&mut bytes)?;
        Ok(TokenKey::from_bytes(bytes))
    }

    fn fill(&self, bytes: &mut [u8]) -> Result<(), KeyGenerationError> {
        getrandom::fill(bytes).map_err(|error| KeyGenerationError(error.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fresh_each_time() {
        let first = OsTokenGenerator.generate().unwrap();
        let second = OsTokenGenerator.generate().unwrap();
        assert_ne!(first, second);
    }
}
