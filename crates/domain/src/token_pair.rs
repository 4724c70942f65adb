//! Access and refresh JWTs, as djangorestframework-simplejwt issues them:
//! what they state, and what the server keeps of a refresh JWT.

use chrono::DateTime;

use crate::{JwtId, Timestamp, UserId};

/// Which half of a pair a JWT is (its `token_type` claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairTokenType {
    /// Short-lived; authenticates requests as `Authorization: Bearer`.
    Access,
    /// Longer-lived; only buys a new pair, once.
    Refresh,
}

impl PairTokenType {
    /// The claim's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        }
    }

    /// Reads the claim; `None` for anything else.
    pub fn parse(claim: &str) -> Option<Self> {
        match claim {
            "access" => Some(Self::Access),
            "refresh" => Some(Self::Refresh),
            _ => None,
        }
    }
}

/// What an access or refresh JWT states (SimpleJWT's claims).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairClaims {
    /// `token_type`.
    pub token_type: PairTokenType,
    /// `user_id`.
    pub user_id: UserId,
    /// `jti`, which also carries the instant of issue (see [`PairJwtId`]).
    pub jti: PairJwtId,
    /// `iat`, whole seconds.
    pub issued_at: Timestamp,
    /// `exp`, whole seconds.
    pub expires: Timestamp,
}

impl PairClaims {
    /// Whether the JWT is past its `exp` at `now`.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expires <= now
    }

    /// Whether the JWT was issued after `cutoff` (the user's last "log out
    /// everywhere", password change or reset, or deactivation), to the
    /// microsecond: `iat` alone, in whole seconds, could not tell a JWT
    /// issued just before a logout from one issued just after it.
    pub fn issued_after(&self, cutoff: Option<Timestamp>) -> bool {
        cutoff.is_none_or(|cutoff| self.jti.issued() > cutoff)
    }
}

/// A pair JWT's `jti`: 32 lowercase hex characters, the first 16 the
/// microsecond of issue and the rest random. The instant rides in the id
/// because the contract fixes the claims, and ending a user's JWTs needs
/// an instant finer than `iat`'s second.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PairJwtId {
    id: JwtId,
    issued: Timestamp,
}

impl PairJwtId {
    /// The id of a JWT issued at `at`, with 8 random bytes.
    pub fn new(at: Timestamp, random: [u8; 8]) -> Self {
        let mut bytes = [0; JwtId::BYTES];
        bytes[..8].copy_from_slice(&at.timestamp_micros().to_be_bytes());
        bytes[8..].copy_from_slice(&random);
        Self {
            id: JwtId::from_bytes(bytes),
            issued: crate::truncate_to_micros(at),
        }
    }

    /// Reads a claim back; `None` when it is not one of ours.
    pub fn parse(claim: &str) -> Option<Self> {
        let mut bytes = [0; JwtId::BYTES];
        let lowercase = claim.bytes().all(|b| !b.is_ascii_uppercase());
        hex::decode_to_slice(claim, &mut bytes)
            .ok()
            .filter(|_| lowercase)?;
        let micros = i64::from_be_bytes(bytes[..8].try_into().ok()?);
        let issued = DateTime::from_timestamp_micros(micros)?;
        Some(Self {
            id: JwtId::from_bytes(bytes),
            issued,
        })
    }

    /// When the JWT was issued, to the microsecond.
    pub fn issued(&self) -> Timestamp {
        self.issued
    }

    /// The claim's text.
    pub fn as_str(&self) -> &str {
        self.id.as_str()
    }
}

/// What the server keeps of a refresh JWT, so that it can be used once,
/// blacklisted, and its family ended when a used one comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshJwt {
    /// Its `jti`.
    pub jti: PairJwtId,
    /// The `jti` of the first refresh JWT of its line: the one
    /// `POST /api/token/` issued; every rotation keeps it.
    pub family: PairJwtId,
    /// Whose.
    pub user_id: UserId,
    /// When it expires; kept until then.
    pub expires: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(micros: i64) -> Timestamp {
        DateTime::from_timestamp_micros(micros).unwrap()
    }

    #[test]
    fn a_jti_carries_its_instant_of_issue() {
        let jti = PairJwtId::new(at(1_700_000_000_123_456), [7; 8]);
        assert_eq!(jti.as_str().len(), 32);
        let read = PairJwtId::parse(jti.as_str()).unwrap();
        assert_eq!(read.issued(), at(1_700_000_000_123_456));
        assert_eq!(read, jti);
    }

    #[test]
    fn a_jti_that_is_not_ours_does_not_parse() {
        assert_eq!(PairJwtId::parse("abc"), None);
        assert_eq!(PairJwtId::parse(&"G".repeat(32)), None);
        assert_eq!(PairJwtId::parse(&"AB".repeat(16)), None);
    }

    #[test]
    fn a_jwt_issued_in_the_same_second_as_a_cutoff_is_told_apart() {
        let claims = |micros| PairClaims {
            token_type: PairTokenType::Access,
            user_id: UserId::new_random(),
            jti: PairJwtId::new(at(micros), [0; 8]),
            issued_at: at(micros),
            expires: at(micros + 1),
        };
        let cutoff = Some(at(1_700_000_000_500_000));
        assert!(!claims(1_700_000_000_400_000).issued_after(cutoff));
        assert!(claims(1_700_000_000_600_000).issued_after(cutoff));
        assert!(claims(1).issued_after(None));
    }
}
