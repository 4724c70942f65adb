//! The keys JWTs are signed with: made on first need, shared by every
//! process through the database, rotated by the operator.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::TimeDelta;
use quick_cache::sync::Cache;
use tokenauth_domain::{KeyId, PairClaims, PairTokenType, SigningKey, SigningSecret, Timestamp};

use crate::ports::{
    Clock, JwsSigner, KeyGenerationError, LoadedKey, RepositoryError, SigningKeyStore,
    TokenGenerator,
};

/// Why no signing key could be read or made.
#[derive(Debug, thiserror::Error)]
pub enum SigningKeyError {
    /// The random source failed.
    #[error(transparent)]
    Random(#[from] KeyGenerationError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
}

/// A key as the key set (`/.well-known/jwks.json`) publishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// Its `kid`.
    pub id: KeyId,
    /// Its public half, as a JWK's `x`.
    pub x: String,
}

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// The new signing key.
    pub signing: KeyId,
    /// The key it replaced, published until what it signed has expired.
    pub retired: Option<KeyId>,
}

/// The signing keys as this process last read them.
#[derive(Default)]
struct KeysRead {
    /// The key to sign with.
    signing: Option<Arc<dyn LoadedKey>>,
    /// Every published key, loaded once.
    loaded: HashMap<KeyId, Arc<dyn LoadedKey>>,
    /// The key set, newest first.
    published: Arc<[PublicKey]>,
    /// When the database last answered.
    confirmed: Option<Timestamp>,
}

/// The signing keys of this process: the one it signs with and the set
/// verifiers fetch, both kept in memory and re-read every
/// [`SigningKeys::REFRESH_EVERY`] (`refresh`), so neither a signature nor
/// the key set costs a query.
///
/// Every process reads the keys on its own schedule and by its own clock,
/// so three rules keep any JWT verifiable against any process's key set
/// for its whole life: a new key signs only once
/// [`SigningKeys::ACTIVATE_AFTER`] has passed since it was made (by then
/// every process publishes it); a process that could not read the keys for
/// [`SigningKeys::STALE_AFTER`] stops signing; and a retired key stays
/// published for the JWTs' lifetime plus [`SigningKeys::PUBLISHED_MARGIN`],
/// which covers both delays and a minute of clock skew between hosts.
pub struct SigningKeys {
    store: Arc<dyn SigningKeyStore>,
    signer: Arc<dyn JwsSigner>,
    generator: Arc<dyn TokenGenerator>,
    clock: Arc<dyn Clock>,
    longest_lifetime: TimeDelta,
    read: RwLock<KeysRead>,
    /// Pair JWTs whose signature verified, by their text.
    verified: Cache<String, PairClaims>,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys")
            .field("longest_lifetime", &self.longest_lifetime)
            .finish_non_exhaustive()
    }
}

impl SigningKeys {
    /// How often a process re-reads the keys.
    pub const REFRESH_EVERY: Duration = Duration::from_secs(5);

    /// How old a new key must be before it signs: two refreshes, so every
    /// process publishes it first.
    pub const ACTIVATE_AFTER: TimeDelta = TimeDelta::seconds(10);

    /// How long a process signs without reading the keys back.
    pub const STALE_AFTER: TimeDelta = TimeDelta::seconds(60);

    /// How much longer than the JWTs' lifetime a retired key is published:
    /// the activation delay, the staleness allowed, and a minute of skew
    /// between the clocks of the hosts that rotate and sign, rounded up.
    pub const PUBLISHED_MARGIN: TimeDelta = TimeDelta::minutes(3);

    /// The keys over their ports; `longest_lifetime` is that of the longest
    /// lived JWT signed with them.
    pub fn new(
        store: Arc<dyn SigningKeyStore>,
        signer: Arc<dyn JwsSigner>,
        generator: Arc<dyn TokenGenerator>,
        clock: Arc<dyn Clock>,
        longest_lifetime: TimeDelta,
    ) -> Self {
        Self {
            store,
            signer,
            generator,
            clock,
            longest_lifetime,
            read: RwLock::new(KeysRead::default()),
            verified: Cache::new(Self::VERIFIED_JWTS),
        }
    }

    /// Reads the keys, making the first one when there is none; returns
    /// the one this process signs with from now on.
    pub fn refresh(&self) -> Result<KeyId, SigningKeyError> {
        let candidate = self.new_key()?;
        let current = self.store.current_or_insert(&candidate)?;
        let now = self.clock.now();
        let published = self.store.published(now - self.published_for())?;
        // The newest key signs once every process can have published it;
        // until then its predecessor does, if there is one.
        let signing = if current.created + Self::ACTIVATE_AFTER <= now {
            &current
        } else {
            published
                .iter()
                .find(|key| key.id != current.id && key.retired.is_some())
                .unwrap_or(&current)
        };
        let mut read = self.read.write().unwrap_or_else(|e| e.into_inner());
        let mut loaded = HashMap::with_capacity(published.len() + 1);
        for key in published.iter().chain([&current]) {
            let ready = read
                .loaded
                .get(&key.id)
                .cloned()
                .unwrap_or_else(|| self.signer.load(key));
            loaded.insert(key.id.clone(), ready);
        }
        read.published = published
            .iter()
            .filter_map(|key| loaded.get(&key.id))
            .map(|key| PublicKey {
                id: key.id().clone(),
                x: key.public_x().to_owned(),
            })
            .collect();
        read.signing = loaded.get(&signing.id).cloned();
        read.loaded = loaded;
        read.confirmed = Some(now);
        Ok(signing.id.clone())
    }

    /// The key to sign with, as of the last [`Self::refresh`]; `None`
    /// before the first, or when the keys could not be read for
    /// [`Self::STALE_AFTER`].
    pub fn signing_key(&self) -> Option<Arc<dyn LoadedKey>> {
        let read = self.read.read().unwrap_or_else(|e| e.into_inner());
        let fresh = read
            .confirmed
            .is_some_and(|at| self.clock.now() < at + Self::STALE_AFTER);
        read.signing.clone().filter(|_| fresh)
    }

    /// The public halves of every key a live JWT may name, newest first,
    /// as of the last [`Self::refresh`].
    pub fn public_keys(&self) -> Arc<[PublicKey]> {
        self.read
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .published
            .clone()
    }

    /// How many verified pair JWTs a process remembers; beyond it the
    /// least used are verified again (a few MiB at most).
    pub const VERIFIED_JWTS: usize = 10_000;

    /// The claims of an unexpired pair JWT of `token_type` (either, when
    /// `None`) signed with a key this process publishes; no I/O.
    ///
    /// A client sends one access JWT with every request of its lifetime,
    /// and an Ed25519 verification costs more than the rest of such a
    /// request: what verified is remembered by its text, and only the type
    /// and expiry are checked again.
    pub fn verify_pair(&self, jwt: &str, token_type: Option<PairTokenType>) -> Option<PairClaims> {
        let claims = match self.verified.get(jwt) {
            Some(claims) => claims,
            None => {
                let claims = self.verify_signature(jwt)?;
                self.verified.insert(jwt.to_owned(), claims.clone());
                claims
            }
        };
        let wanted = token_type.is_none_or(|wanted| claims.token_type == wanted);
        (wanted && !claims.is_expired(self.clock.now())).then_some(claims)
    }

    fn verify_signature(&self, jwt: &str) -> Option<PairClaims> {
        let kid = self.signer.key_id_of(jwt)?;
        let key = self
            .read
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .loaded
            .get(&kid)
            .cloned()?;
        key.verify_pair(jwt)
    }

    /// Makes a new signing key; the one it replaces stays published until
    /// every JWT it signed has expired. Processes sign with the new key
    /// from [`Self::ACTIVATE_AFTER`] on.
    pub fn rotate(&self) -> Result<Rotation, SigningKeyError> {
        let next = self.new_key()?;
        let retired = self.store.rotate(&next)?;
        Ok(Rotation {
            signing: next.id,
            retired: retired.map(|key| key.id),
        })
    }

    /// Deletes the retired keys no live JWT can name any more.
    pub fn prune(&self) -> Result<usize, RepositoryError> {
        self.store.prune(self.clock.now() - self.published_for())
    }

    fn published_for(&self) -> TimeDelta {
        self.longest_lifetime + Self::PUBLISHED_MARGIN
    }

    fn new_key(&self) -> Result<SigningKey, KeyGenerationError> {
        let mut secret = [0; SigningSecret::BYTES];
        self.generator.fill(&mut secret)?;
        let mut id = [0; KeyId::BYTES];
        self.generator.fill(&mut id)?;
        Ok(SigningKey {
            id: KeyId::from_bytes(id),
            secret: SigningSecret::from_bytes(secret),
            created: self.clock.now(),
            retired: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU8, Ordering};

    use tokenauth_domain::{IdentityClaims, TokenKey};

    use super::*;

    /// The keys in memory, as the database keeps them.
    #[derive(Default)]
    struct Keys(Mutex<Vec<SigningKey>>);

    impl SigningKeyStore for Keys {
        fn current_or_insert(&self, candidate: &SigningKey) -> Result<SigningKey, RepositoryError> {
            let mut keys = self.0.lock().unwrap();
            if let Some(current) = keys.iter().find(|key| key.retired.is_none()) {
                return Ok(current.clone());
            }
            keys.push(candidate.clone());
            Ok(candidate.clone())
        }

        fn rotate(&self, next: &SigningKey) -> Result<Option<SigningKey>, RepositoryError> {
            let mut keys = self.0.lock().unwrap();
            let retired = keys
                .iter_mut()
                .find(|key| key.retired.is_none())
                .map(|key| {
                    key.retired = Some(next.created);
                    key.clone()
                });
            keys.push(next.clone());
            Ok(retired)
        }

        fn published(&self, after: Timestamp) -> Result<Vec<SigningKey>, RepositoryError> {
            let mut keys: Vec<SigningKey> = self.0.lock().unwrap().clone();
            keys.retain(|key| key.retired.is_none_or(|at| at > after));
            keys.sort_by_key(|key| std::cmp::Reverse(key.created));
            Ok(keys)
        }

        fn prune(&self, before: Timestamp) -> Result<usize, RepositoryError> {
            let mut keys = self.0.lock().unwrap();
            let was = keys.len();
            keys.retain(|key| key.retired.is_none_or(|at| at > before));
            Ok(was - keys.len())
        }
    }

    /// A key whose "public half" is its id.
    #[derive(Debug)]
    struct Named(KeyId);

    impl LoadedKey for Named {
        fn id(&self) -> &KeyId {
            &self.0
        }
        fn public_x(&self) -> &str {
            self.0.as_str()
        }
        fn sign_identity(&self, _: &IdentityClaims) -> String {
            self.0.to_string()
        }
        fn sign_pair(&self, _: &PairClaims) -> String {
            self.0.to_string()
        }
        fn verify_pair(&self, _: &str) -> Option<PairClaims> {
            None
        }
    }

    struct Signer;

    impl JwsSigner for Signer {
        fn load(&self, key: &SigningKey) -> Arc<dyn LoadedKey> {
            Arc::new(Named(key.id.clone()))
        }
        fn key_id_of(&self, jwt: &str) -> Option<KeyId> {
            KeyId::parse(jwt)
        }
    }

    /// Bytes that differ on every call.
    #[derive(Default)]
    struct Counter(AtomicU8);

    impl TokenGenerator for Counter {
        fn generate(&self) -> Result<TokenKey, KeyGenerationError> {
            Ok(TokenKey::from_bytes(
                [self.0.fetch_add(1, Ordering::Relaxed); 20],
            ))
        }
        fn fill(&self, bytes: &mut [u8]) -> Result<(), KeyGenerationError> {
            bytes.fill(self.0.fetch_add(1, Ordering::Relaxed));
            Ok(())
        }
    }

    #[derive(Default)]
    struct Manual(Mutex<Timestamp>);

    impl Clock for Manual {
        fn now(&self) -> Timestamp {
            *self.0.lock().unwrap()
        }
    }

    impl Manual {
        fn advance(&self, by: TimeDelta) {
            *self.0.lock().unwrap() += by;
        }
    }

    const LIFETIME: TimeDelta = TimeDelta::seconds(60);

    fn keys() -> (SigningKeys, Arc<Manual>) {
        let clock = Arc::new(Manual::default());
        let keys = SigningKeys::new(
            Arc::new(Keys::default()),
            Arc::new(Signer),
            Arc::new(Counter::default()),
            clock.clone(),
            LIFETIME,
        );
        (keys, clock)
    }

    fn kids(keys: &SigningKeys) -> Vec<KeyId> {
        keys.public_keys()
            .iter()
            .map(|key| key.id.clone())
            .collect()
    }

    #[test]
    fn the_first_key_signs_at_once() {
        let (keys, _) = keys();
        assert!(keys.signing_key().is_none());
        let first = keys.refresh().unwrap();
        assert_eq!(keys.signing_key().unwrap().id(), &first);
        assert_eq!(kids(&keys), [first]);
    }

    #[test]
    fn a_rotated_key_is_published_at_once_and_signs_after_the_activation_delay() {
        let (keys, clock) = keys();
        let old = keys.refresh().unwrap();
        clock.advance(TimeDelta::seconds(1));
        let new = keys.rotate().unwrap().signing;
        assert_eq!(keys.refresh().unwrap(), old);
        assert_eq!(kids(&keys), [new.clone(), old.clone()]);
        clock.advance(SigningKeys::ACTIVATE_AFTER);
        assert_eq!(keys.refresh().unwrap(), new);
        assert_eq!(keys.signing_key().unwrap().id(), &new);
    }

    #[test]
    fn a_retired_key_is_published_for_the_lifetime_and_the_margin() {
        let (keys, clock) = keys();
        let old = keys.refresh().unwrap();
        clock.advance(TimeDelta::seconds(1));
        let new = keys.rotate().unwrap().signing;
        clock.advance(LIFETIME + SigningKeys::PUBLISHED_MARGIN - TimeDelta::seconds(1));
        keys.refresh().unwrap();
        assert_eq!(kids(&keys), [new.clone(), old]);
        assert_eq!(keys.prune().unwrap(), 0);
        clock.advance(TimeDelta::seconds(1));
        keys.refresh().unwrap();
        assert_eq!(kids(&keys), [new]);
        assert_eq!(keys.prune().unwrap(), 1);
    }

    #[test]
    fn a_process_that_cannot_read_the_keys_stops_signing() {
        let (keys, clock) = keys();
        keys.refresh().unwrap();
        clock.advance(SigningKeys::STALE_AFTER - TimeDelta::seconds(1));
        assert!(keys.signing_key().is_some());
        clock.advance(TimeDelta::seconds(1));
        assert!(keys.signing_key().is_none());
    }
}
