//! The production implementations of the ports that are not storage:
//! bcrypt, the system clock and the operating system's CSPRNG.

use tokenauth_domain::{NewPassword, Password, PasswordHash, PasswordPolicy, Timestamp, TokenKey};

use crate::ports::{Clock, HashingError, PasswordHasher, RepositoryError, TokenGenerator};

/// bcrypt at a configured work factor.
#[derive(Debug, Clone, Copy)]
pub struct BcryptHasher {
    cost: u32,
}

impl BcryptHasher {
    /// A hasher at `cost` (4 to 31; 12 is bcrypt's and the contract's default).
    pub fn new(cost: u32) -> Self {
        Self { cost }
    }
}

impl PasswordHasher for BcryptHasher {
    fn hash(&self, password: &NewPassword) -> Result<PasswordHash, HashingError> {
        bcrypt::hash(password.as_password().expose(), self.cost)
            .map(PasswordHash::new)
            .map_err(|error| HashingError(error.to_string()))
    }

    fn verify(&self, password: &Password, hash: &PasswordHash) -> bool {
        let matches = bcrypt::verify(password.expose(), hash.as_str()).unwrap_or(false);
        // bcrypt would compare only the first 72 bytes; a longer password
        // was never accepted, so it can never be the right one.
        matches && password.expose().len() <= PasswordPolicy::MAX_BYTES
    }
}

/// The system clock, cut to microseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        tokenauth_domain::truncate_to_micros(chrono::Utc::now())
    }
}

/// Token keys from the operating system's CSPRNG.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsTokenGenerator;

impl TokenGenerator for OsTokenGenerator {
    fn generate(&self) -> Result<TokenKey, RepositoryError> {
        TokenKey::generate().map_err(|error| RepositoryError::Internal(error.to_string()))
    }
}
