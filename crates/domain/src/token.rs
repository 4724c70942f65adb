use std::fmt;

use sha2::{Digest, Sha256};

use crate::{RequestOrigin, Scopes, Timestamp, TokenKind, UserId};

/// The secret a client presents: 160 bits from the OS CSPRNG, written as 40
/// lowercase hex characters. Shown once, at login; never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenKey([u8; TokenKey::BYTES]);

/// What is stored for a token: the SHA-256 of its key. A copy of the database
/// holds only digests, and a digest presented as a key is just an unknown key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenDigest([u8; 32]);

crate::id::uuid_id!(
    /// The identity of a stored token, safe to show (it is not the key).
    TokenId
);

/// A stored token as the service knows it: never the key, only its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthToken {
    /// Its identity.
    pub id: TokenId,
    /// Whose it is.
    pub user_id: UserId,
    /// The SHA-256 of the key.
    pub digest: TokenDigest,
    /// When it was issued.
    pub created: Timestamp,
    /// A session (login) token or a personal one, with its name and scopes.
    pub kind: TokenKind,
    /// When it stops working; `None` when it never expires.
    pub expires: Option<Timestamp>,
    /// When it last authenticated a request, to the minute (see
    /// [`crate::TokenLifetime`]); `None` until a request after the one that
    /// issued it authenticates with it.
    pub last_used: Option<Timestamp>,
    /// The client IP and `User-Agent` of the request that created it.
    pub origin: RequestOrigin,
}

impl AuthToken {
    /// What the token may do: every scope for a session token.
    pub fn scopes(&self) -> Scopes {
        self.kind.scopes()
    }
}

/// A token just issued: the stored record and the key, which the caller must
/// hand to the client now because it cannot be recovered later.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The secret for the client.
    pub key: TokenKey,
    /// What was stored.
    pub token: AuthToken,
}

impl TokenKey {
    /// 160 bits, DRF's key size.
    pub const BYTES: usize = 20;

    /// A key from random bytes. The domain draws none itself: the
    /// randomness comes through the application's token-generator port.
    pub fn from_bytes(bytes: [u8; Self::BYTES]) -> Self {
        Self(bytes)
    }

    /// Reads a key as a client presents it: exactly 40 lowercase hex characters.
    pub fn parse(presented: &str) -> Option<Self> {
        if presented.len() != Self::BYTES * 2
            || !presented
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return None;
        }
        let mut bytes = [0u8; Self::BYTES];
        hex::decode_to_slice(presented, &mut bytes).ok()?;
        Some(Self(bytes))
    }

    /// The key as the client must send it. Call only to show it once.
    pub fn expose(&self) -> String {
        hex::encode(self.0)
    }

    /// The digest under which this key is stored.
    pub fn digest(&self) -> TokenDigest {
        TokenDigest(Sha256::digest(self.0).into())
    }
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKey(********)")
    }
}

impl TokenDigest {
    /// The digest as 64 hex characters, as stored.
    pub fn to_hex(&self) -> String {
        // Into bytes at once: `hex::encode` collects one char at a time, a
        // cost callgrind showed on every lookup.
        let mut text = [0u8; 64];
        hex::encode_to_slice(self.0, &mut text)
            .ok()
            .and_then(|()| String::from_utf8(text.to_vec()).ok())
            .unwrap_or_default()
    }

    /// The SHA-256 of `bytes` (for secrets other than token keys that are
    /// stored the same way).
    pub(crate) fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// Reads a stored digest back.
    pub fn from_hex(stored: &str) -> Option<Self> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(stored, &mut bytes).ok()?;
        Some(Self(bytes))
    }
}

impl fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A prefix tells tokens apart in a debugger without being worth stealing.
        write!(f, "TokenDigest({}…)", &self.to_hex()[..8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keys_are_written_as_40_lowercase_hex_characters() {
        let key = TokenKey::from_bytes(*b"\x00\x01\xab\xcd\xef\x10\x99\xfe0123456789ab");
        let text = key.expose();
        assert_eq!(text.len(), 40);
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
    }

    #[test]
    fn debug_hides_the_key() {
        let key = TokenKey::from_bytes([0x5a; 20]);
        assert!(!format!("{key:?}").contains(&key.expose()));
    }

    #[test]
    fn digest_is_sha256_of_the_key_bytes() {
        let key = TokenKey::from_bytes([0u8; 20]);
        assert_eq!(
            key.digest().to_hex(),
            "de47c9b27eb8d300dbb5f2c353e632c393262cf06340c4fa7f1b40c4cbd36f90"
        );
    }

    #[test]
    fn uppercase_and_wrong_length_are_not_keys() {
        assert!(TokenKey::parse(&"A".repeat(40)).is_none());
        assert!(TokenKey::parse(&"a".repeat(39)).is_none());
        assert!(TokenKey::parse(&"a".repeat(64)).is_none());
    }

    proptest! {
        #[test]
        fn a_key_parses_back_to_itself(bytes in proptest::array::uniform20(any::<u8>())) {
            let key = TokenKey::from_bytes(bytes);
            prop_assert_eq!(TokenKey::parse(&key.expose()), Some(key));
        }

        #[test]
        fn parsing_never_panics(text in "\\PC{0,80}") {
            let _ = TokenKey::parse(&text);
        }

        #[test]
        fn digests_round_trip_through_hex(bytes in proptest::array::uniform20(any::<u8>())) {
            let digest = TokenKey::from_bytes(bytes).digest();
            prop_assert_eq!(TokenDigest::from_hex(&digest.to_hex()), Some(digest));
        }
    }
}
