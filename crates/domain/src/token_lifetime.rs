use chrono::TimeDelta;

use crate::{PresentedToken, Timestamp};

/// How long tokens live and how their expiry slides with use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenLifetime {
    ttl: Option<TimeDelta>,
}

impl TokenLifetime {
    /// Sliding writes are coalesced to one a minute per token, so the hot
    /// path is a read, not a write, on nearly every request.
    pub const SLIDE_INTERVAL: TimeDelta = TimeDelta::seconds(60);

    /// Tokens live `ttl_seconds` after their last use; 0 means they never expire.
    pub fn from_seconds(ttl_seconds: u64) -> Self {
        let ttl = i64::try_from(ttl_seconds)
            .ok()
            .filter(|s| *s > 0)
            .and_then(TimeDelta::try_seconds);
        Self { ttl }
    }

    /// The expiry of a token used (or issued) at `now`.
    pub fn expires_at(&self, now: Timestamp) -> Option<Timestamp> {
        self.ttl.and_then(|ttl| now.checked_add_signed(ttl))
    }

    /// The expiry of `token` after a use at `now`: a session token's slides
    /// forward, a personal token's stays where it was made to end.
    pub fn expiry_after_use(&self, token: &PresentedToken, now: Timestamp) -> Option<Timestamp> {
        if token.kind.is_session() {
            self.expires_at(now)
        } else {
            token.expires
        }
    }

    /// True once an expiry (`None`: never) has passed.
    pub fn is_expired(expires: Option<Timestamp>, now: Timestamp) -> bool {
        expires.is_some_and(|expires| expires <= now)
    }

    /// True when a use at `now` should be written back (last use and slid
    /// expiry): at most once per [`Self::SLIDE_INTERVAL`], and always on the
    /// first use, so a token used once never reads as unused.
    pub fn is_due_for_slide(token: &PresentedToken, now: Timestamp) -> bool {
        token
            .last_used
            .is_none_or(|last_used| now.signed_duration_since(last_used) >= Self::SLIDE_INTERVAL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Scopes, TokenId, TokenKind, TokenName};
    use chrono::{TimeZone, Utc};

    fn at(seconds: i64) -> Timestamp {
        Utc.timestamp_opt(1_800_000_000 + seconds, 0)
            .single()
            .unwrap_or_default()
    }

    fn token(last_used: Timestamp, expires: Option<Timestamp>) -> PresentedToken {
        unused(Some(last_used), expires)
    }

    fn unused(last_used: Option<Timestamp>, expires: Option<Timestamp>) -> PresentedToken {
        PresentedToken {
            id: TokenId::new_random(),
            kind: TokenKind::Session,
            created: at(0),
            expires,
            last_used,
        }
    }

    #[test]
    fn zero_means_never_expires() {
        assert_eq!(TokenLifetime::from_seconds(0).expires_at(at(0)), None);
        assert!(!TokenLifetime::is_expired(None, at(1_000_000_000)));
    }

    #[test]
    fn expires_ttl_after_use() {
        assert_eq!(
            TokenLifetime::from_seconds(36_000).expires_at(at(0)),
            Some(at(36_000))
        );
    }

    #[test]
    fn expired_at_the_expiry_instant() {
        assert!(!TokenLifetime::is_expired(Some(at(10)), at(9)));
        assert!(TokenLifetime::is_expired(Some(at(10)), at(10)));
    }

    #[test]
    fn slides_at_most_once_a_minute() {
        let t = token(at(0), Some(at(100)));
        assert!(!TokenLifetime::is_due_for_slide(&t, at(59)));
        assert!(TokenLifetime::is_due_for_slide(&t, at(60)));
    }

    #[test]
    fn a_token_never_used_is_due_at_once() {
        let t = unused(None, Some(at(100)));
        assert!(TokenLifetime::is_due_for_slide(&t, at(0)));
    }

    #[test]
    fn a_session_slides_and_a_personal_token_keeps_its_expiry() {
        let lifetime = TokenLifetime::from_seconds(100);
        let mut t = token(at(0), Some(at(100)));
        assert_eq!(lifetime.expiry_after_use(&t, at(60)), Some(at(160)));
        t.kind = TokenKind::Personal {
            name: TokenName::parse("ci").unwrap(),
            scopes: Scopes::ALL,
        };
        assert_eq!(lifetime.expiry_after_use(&t, at(60)), Some(at(100)));
    }
}
