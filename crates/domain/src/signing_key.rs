//! The keys tokenauth signs JSON Web Tokens with, and what a gateway JWT
//! says of its user.

use std::fmt;

use crate::{Email, Scopes, Timestamp, UserId};

/// The private half of an Ed25519 key: RFC 8032's 32-byte seed. Never
/// prints itself.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret([u8; SigningSecret::BYTES]);

impl SigningSecret {
    /// The length of an Ed25519 seed.
    pub const BYTES: usize = 32;

    /// A secret from its bytes (from the random source, or as stored).
    pub fn from_bytes(bytes: [u8; Self::BYTES]) -> Self {
        Self(bytes)
    }

    /// The secret as stored: 64 lowercase hex characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Reads a stored secret back; `None` when it is not 64 hex characters.
    pub fn from_hex(stored: &str) -> Option<Self> {
        let mut bytes = [0; Self::BYTES];
        hex::decode_to_slice(stored, &mut bytes).ok()?;
        Some(Self(bytes))
    }

    /// The seed, for the signing adapter alone.
    pub fn expose(&self) -> &[u8; Self::BYTES] {
        &self.0
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret(..)")
    }
}

/// The name JWTs give their signing key (`kid`): 16 lowercase hex
/// characters, random, so a rotated key never reuses a name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyId(String);

impl KeyId {
    /// The number of random bytes behind an id.
    pub const BYTES: usize = 8;

    /// An id from random bytes.
    pub fn from_bytes(bytes: [u8; Self::BYTES]) -> Self {
        Self(hex::encode(bytes))
    }

    /// An id as stored; `None` when it is not 16 lowercase hex characters.
    pub fn parse(stored: &str) -> Option<Self> {
        let well_formed = stored.len() == 2 * Self::BYTES
            && stored
                .bytes()
                .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
        well_formed.then(|| Self(stored.to_owned()))
    }

    /// The id as JWTs and the key set write it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A JWT's `jti`: 32 lowercase hex characters from 128 random bits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JwtId(String);

impl JwtId {
    /// The number of random bytes behind an id.
    pub const BYTES: usize = 16;

    /// An id from random bytes.
    pub fn from_bytes(bytes: [u8; Self::BYTES]) -> Self {
        Self(hex::encode(bytes))
    }

    /// The id as the claim writes it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A signing key as stored: the current one (not retired) signs; a retired
/// one is still published while JWTs it signed may be alive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    /// Its `kid`.
    pub id: KeyId,
    /// Its private half.
    pub secret: SigningSecret,
    /// When it was made.
    pub created: Timestamp,
    /// When a newer key replaced it; `None` while it is the signing key.
    pub retired: Option<Timestamp>,
}

/// What a gateway's JWT states of the caller (the claims of `X-Auth-Jwt`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityClaims {
    /// `iss`: the service's public URL.
    pub issuer: String,
    /// `sub`: the user.
    pub subject: UserId,
    /// `email`.
    pub email: Email,
    /// `is_staff`.
    pub is_staff: bool,
    /// `scope`: what the presented token holds.
    pub scopes: Scopes,
    /// `jti`.
    pub jwt_id: JwtId,
    /// `iat`.
    pub issued_at: Timestamp,
    /// `exp`.
    pub expires: Timestamp,
    /// `aud`, when the operator names one.
    pub audience: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints_itself() {
        let secret = SigningSecret::from_bytes([7; 32]);
        assert_eq!(format!("{secret:?}"), "SigningSecret(..)");
    }

    #[test]
    fn a_secret_reads_back_as_stored() {
        let secret = SigningSecret::from_bytes([0xab; 32]);
        assert_eq!(SigningSecret::from_hex(&secret.to_hex()), Some(secret));
        assert_eq!(SigningSecret::from_hex("ab"), None);
    }

    #[test]
    fn a_key_id_is_sixteen_lowercase_hex_characters() {
        let id = KeyId::from_bytes([0x0f; 8]);
        assert_eq!(id.as_str(), "0f0f0f0f0f0f0f0f");
        assert_eq!(KeyId::parse(id.as_str()), Some(id));
        assert_eq!(KeyId::parse("0F0F0F0F0F0F0F0F"), None);
        assert_eq!(KeyId::parse("0f0f"), None);
    }
}
