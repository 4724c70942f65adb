use tokenauth_domain::{NewPassword, Password, PasswordHash};

/// Hashing failed: the hasher's own fault, never the user's.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashingError(pub String);

/// One-way password hashing.
pub trait PasswordHasher: Send + Sync + 'static {
    /// Hashes an accepted password with a fresh salt. MUST NOT truncate its input.
    fn hash(&self, password: &NewPassword) -> Result<PasswordHash, HashingError>;

    /// True when `password` matches `hash`. A malformed hash MUST give `false`,
    /// and verification MUST take the hash's own cost whatever the result, so
    /// that a failed check costs as much as a successful one.
    fn verify(&self, password: &Password, hash: &PasswordHash) -> bool;
}
