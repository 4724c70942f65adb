//! The keys JWTs are signed with: made on first need, shared by every
//! process through the database, rotated by the operator.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::TimeDelta;
use tokenauth_domain::{KeyId, SigningKey, SigningSecret};

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

/// The signing keys of this process: the one it signs with (kept in memory
/// and re-read every [`SigningKeys::REFRESH_EVERY`], so a rotation made by
/// another process reaches it), and the set verifiers fetch.
pub struct SigningKeys {
    store: Arc<dyn SigningKeyStore>,
    signer: Arc<dyn JwsSigner>,
    generator: Arc<dyn TokenGenerator>,
    clock: Arc<dyn Clock>,
    longest_lifetime: TimeDelta,
    current: RwLock<Option<Arc<dyn LoadedKey>>>,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys")
            .field("longest_lifetime", &self.longest_lifetime)
            .finish_non_exhaustive()
    }
}

impl SigningKeys {
    /// How often a process re-reads the signing key. A process may sign
    /// with a retired key for this long after a rotation elsewhere, so a
    /// retired key stays published this much longer than the JWTs' lifetime.
    pub const REFRESH_EVERY: Duration = Duration::from_secs(5);

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
            current: RwLock::new(None),
        }
    }

    /// Reads the signing key, making the first one when there is none, and
    /// signs with it from now on.
    pub fn refresh(&self) -> Result<KeyId, SigningKeyError> {
        let candidate = self.new_key()?;
        let stored = self.store.current_or_insert(&candidate)?;
        let unchanged = self
            .signing_key()
            .is_some_and(|loaded| *loaded.id() == stored.id);
        if !unchanged {
            let loaded = self.signer.load(&stored);
            *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(loaded);
        }
        Ok(stored.id)
    }

    /// The key to sign with, as of the last [`Self::refresh`]; `None` before
    /// the first.
    pub fn signing_key(&self) -> Option<Arc<dyn LoadedKey>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The public halves of the signing key and of every retired key that
    /// may still have signed a live JWT, newest first.
    pub fn public_keys(&self) -> Result<Vec<PublicKey>, RepositoryError> {
        let since = self.clock.now() - self.published_for();
        Ok(self
            .store
            .published(since)?
            .iter()
            .map(|key| {
                let loaded = self.signer.load(key);
                PublicKey {
                    id: key.id.clone(),
                    x: loaded.public_x().to_owned(),
                }
            })
            .collect())
    }

    /// Makes a new signing key; the one it replaces stays published until
    /// every JWT it signed has expired. Processes switch within
    /// [`Self::REFRESH_EVERY`].
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

    /// How long a retired key stays in the set: a process may sign with it
    /// until its next refresh, and what it signs then lives its lifetime.
    fn published_for(&self) -> TimeDelta {
        let refresh = TimeDelta::from_std(Self::REFRESH_EVERY).unwrap_or(TimeDelta::MAX);
        self.longest_lifetime + refresh
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
