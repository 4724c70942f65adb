//! Tokens this process found in the database, kept so that the next request
//! presenting one need not ask again; forgotten the moment the database
//! says the token or its user changed (see [`crate::token_notices`]).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use quick_cache::Weighter;
use quick_cache::sync::Cache;
use tokenauth_domain::{PresentedToken, Timestamp, TokenDigest, User};

/// What one kept token costs, roughly, besides its strings: the key, the
/// `Arc`, the token and user structs and the cache's own bookkeeping.
const FIXED_BYTES: u64 = 400;

/// A token as found, and its use in this process since.
struct Verified {
    token: PresentedToken,
    user: User,
    /// `last_used` and `expires` after this process's latest use: a later
    /// request sees its own process's slide without a read.
    used: Mutex<Option<(Timestamp, Option<Timestamp>)>>,
}

impl Verified {
    fn bytes(&self) -> u64 {
        let strings = self.user.email.as_str().len()
            + self.user.phone_number.as_str().len()
            + self.user.first_name.as_str().len()
            + self.user.last_name.as_str().len()
            + self.user.password_hash.as_str().len();
        FIXED_BYTES + strings as u64
    }
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<TokenDigest, Arc<Verified>> for ByBytes {
    fn weight(&self, _: &TokenDigest, verified: &Arc<Verified>) -> u64 {
        verified.bytes()
    }
}

/// The per-process cache of verified tokens: digest → token and user,
/// never the key. Bounded by an estimate of the bytes it holds.
pub struct VerifiedTokens {
    entries: Cache<TokenDigest, Arc<Verified>, ByBytes>,
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
    /// A cache holding about `bytes` of tokens; untrusted until the first
    /// [`Self::trust`].
    pub fn new(bytes: u64) -> Self {
        let items = usize::try_from(bytes / (FIXED_BYTES + 80)).unwrap_or(usize::MAX);
        Self {
            entries: Cache::with_weighter(items.max(1), bytes.max(1), ByBytes),
            generation: AtomicU64::new(0),
            trusted: AtomicBool::new(false),
        }
    }

    /// How many tokens are kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
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
