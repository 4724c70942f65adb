use std::fmt;

/// A password hash in the hasher's own format (bcrypt's `$2b$…`).
///
/// Redacted in `Debug`: a hash is an offline-crackable secret too.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a hash produced by a hasher or read from storage.
    pub fn new(encoded: String) -> Self {
        Self(encoded)
    }

    /// The encoded hash, for storage and verification.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(********)")
    }
}
