//! Tokens this process found in the database, kept so that the next request
//! presenting one need not ask again; forgotten the moment the database
//! says the token or its user changed (see [`crate::token_notices`]).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use quick_cache::sync::Cache;
use tokenauth_domain::{PresentedToken, Timestamp, TokenDigest, User};

/// A token as found, and its use in this process since.
struct Verified {
    token: PresentedToken,
    user: User,
    /// `last_used` and `expires` after this process's latest use: a later
    /// request sees its own process's slide without a read.
    used: Mutex<Option<(Timestamp, Option<Timestamp>)>>,
}

/// The per-process cache of verified tokens: digest → token and user,
/// never the key. Bounded by a count of tokens (each about half a KiB:
/// the token, its user's row and the cache's bookkeeping).
pub struct VerifiedTokens {
    entries: Cache<TokenDigest, Arc<Verified>>,
    /// Moves on every change heard of: a read that began before one is not
    /// kept, since what it read may be what the change replaced.
    generation: AtomicU64,
    /// False while changes may go unheard (the listener's connection is
    /// down): the cache is then neither read nor filled.
    trusted: AtomicBool,
}

impl std::fmt::Debug for VerifiedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedTokens")
            .field("entries", &self.entries.len())
            .field("trusted", &self.trusted.load(Ordering::Relaxed))
            .finish()
    }
}

/// Where a lookup stands before its read: see [`VerifiedTokens::keep`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Generation(u64);

impl VerifiedTokens {
    /// A cache holding up to `entries` tokens; untrusted until the first
    /// [`Self::trust`].
    pub fn new(entries: u64) -> Self {
        let entries = usize::try_from(entries).unwrap_or(usize::MAX).max(1);
        Self {
            entries: Cache::new(entries),
            generation: AtomicU64::new(0),
            trusted: AtomicBool::new(false),
        }
    }

    /// The kept token with this digest, unless it expired as far as this
    /// process knows (another process may have slid it since: the caller
    /// reads the database again rather than refuse it).
    pub(crate) fn get(
        &self,
        digest: &TokenDigest,
        now: Timestamp,
    ) -> Option<(PresentedToken, User)> {
        if !self.trusted.load(Ordering::Acquire) {
            return None;
        }
        let verified = self.entries.get(digest)?;
        let mut token = verified.token.clone();
        if let Some((last_used, expires)) =
            *verified.used.lock().unwrap_or_else(PoisonError::into_inner)
        {
            token.last_used = Some(last_used);
            token.expires = expires;
        }
        if token.expires.is_some_and(|expires| expires <= now) {
            return None;
        }
        Some((token, verified.user.clone()))
    }

    /// Taken before reading the database for a lookup.
    pub(crate) fn generation(&self) -> Generation {
        Generation(self.generation.load(Ordering::Acquire))
    }

    /// Keeps what a lookup that began at `since` found, unless a change was
    /// heard of meanwhile.
    pub(crate) fn keep(
        &self,
        digest: TokenDigest,
        token: &PresentedToken,
        user: &User,
        since: Generation,
    ) {
        if !self.trusted.load(Ordering::Acquire) || self.generation().0 != since.0 {
            return;
        }
        self.entries.insert(
            digest,
            Arc::new(Verified {
                token: token.clone(),
                user: user.clone(),
                used: Mutex::new(None),
            }),
        );
        // A change heard of between the check and the insert: what was
        // kept may be what it replaced.
        if self.generation().0 != since.0 {
            self.entries.remove(&digest);
        }
    }

    /// Notes this process's use of a kept token.
    pub(crate) fn used(
        &self,
        digest: &TokenDigest,
        last_used: Timestamp,
        expires: Option<Timestamp>,
    ) {
        if let Some(verified) = self.entries.get(digest) {
            *verified.used.lock().unwrap_or_else(PoisonError::into_inner) =
                Some((last_used, expires));
        }
    }

    /// The token with this digest changed (or went).
    pub(crate) fn forget(&self, digest: &TokenDigest) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries.remove(digest);
    }

    /// Changes may go unheard from now on: nothing kept is used.
    pub(crate) fn distrust(&self) {
        self.trusted.store(false, Ordering::Release);
        self.forget_all();
    }

    /// Every change is heard from now on; what was kept before is dropped,
    /// since changes may have been missed.
    pub(crate) fn trust(&self) {
        self.forget_all();
        self.trusted.store(true, Ordering::Release);
    }

    /// Drops everything kept.
    pub(crate) fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries.clear();
    }

    /// Whether changes are heard now.
    pub(crate) fn is_trusted(&self) -> bool {
        self.trusted.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, Utc};
    use tokenauth_domain::{
        Email, PasswordHash, PersonName, PhoneNumber, PresentedToken, TokenDigest, TokenId,
        TokenKind, User, UserId,
    };

    use super::VerifiedTokens;

    fn found(expires_in: TimeDelta) -> (TokenDigest, PresentedToken, User) {
        let now = Utc::now();
        let digest = TokenDigest::from_hex(&format!("{:064x}", rand_u64())).unwrap();
        let token = PresentedToken {
            id: TokenId::new_random(),
            kind: TokenKind::Session,
            created: now,
            expires: Some(now + expires_in),
            last_used: None,
        };
        let user = User {
            id: UserId::new_random(),
            email: Email::parse("ada@example.com").unwrap(),
            phone_number: PhoneNumber::parse("+15551234567").unwrap(),
            first_name: PersonName::default(),
            last_name: PersonName::default(),
            password_hash: PasswordHash::new("$2b$04$notarealhash".into()),
            is_staff: false,
            is_superuser: false,
            is_active: true,
            email_verified: false,
            date_joined: now,
            last_login: None,
        };
        (digest, token, user)
    }

    fn rand_u64() -> u64 {
        uuid::Uuid::new_v4().as_u64_pair().0
    }

    fn trusted() -> VerifiedTokens {
        let kept = VerifiedTokens::new(100);
        kept.trust();
        kept
    }

    #[test]
    fn a_kept_token_is_given_back_with_its_user() {
        let kept = trusted();
        let (digest, token, user) = found(TimeDelta::hours(1));
        kept.keep(digest, &token, &user, kept.generation());
        assert_eq!(kept.get(&digest, Utc::now()), Some((token, user)));
    }

    #[test]
    fn a_read_that_began_before_a_change_is_not_kept() {
        let kept = trusted();
        let (digest, token, user) = found(TimeDelta::hours(1));
        let began = kept.generation();
        kept.forget(&digest);
        kept.keep(digest, &token, &user, began);
        assert_eq!(kept.get(&digest, Utc::now()), None);
    }

    #[test]
    fn nothing_is_read_or_kept_while_changes_may_go_unheard() {
        let kept = trusted();
        let (digest, token, user) = found(TimeDelta::hours(1));
        kept.keep(digest, &token, &user, kept.generation());
        kept.distrust();
        assert_eq!(kept.get(&digest, Utc::now()), None);
        kept.keep(digest, &token, &user, kept.generation());
        assert!(kept.entries.is_empty());
    }

    #[test]
    fn listening_again_starts_empty() {
        let kept = trusted();
        let (digest, token, user) = found(TimeDelta::hours(1));
        kept.keep(digest, &token, &user, kept.generation());
        kept.trust();
        assert_eq!(kept.get(&digest, Utc::now()), None);
    }

    #[test]
    fn a_token_kept_as_expired_is_read_again() {
        let kept = trusted();
        let (digest, token, user) = found(TimeDelta::seconds(1));
        kept.keep(digest, &token, &user, kept.generation());
        assert_eq!(kept.get(&digest, Utc::now() + TimeDelta::seconds(2)), None);
    }

    #[test]
    fn this_processs_use_is_seen_by_the_next_request() {
        let kept = trusted();
        let (digest, token, user) = found(TimeDelta::seconds(1));
        kept.keep(digest, &token, &user, kept.generation());
        let (used, slid) = (Utc::now(), Utc::now() + TimeDelta::hours(10));
        kept.used(&digest, used, Some(slid));
        let (seen, _) = kept
            .get(&digest, Utc::now() + TimeDelta::seconds(2))
            .unwrap();
        assert_eq!((seen.last_used, seen.expires), (Some(used), Some(slid)));
    }

    #[test]
    fn a_full_cache_drops_tokens_rather_than_grow() {
        let kept = trusted();
        for _ in 0..1000 {
            let (digest, token, user) = found(TimeDelta::hours(1));
            kept.keep(digest, &token, &user, kept.generation());
        }
        assert!(kept.entries.len() <= 100, "{}", kept.entries.len());
    }
}
