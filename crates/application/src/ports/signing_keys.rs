use tokenauth_domain::{SigningKey, Timestamp};

use crate::ports::RepositoryError;

/// Where the signing keys live: in the database, so that every process signs
/// with the same key and publishes the same set.
pub trait SigningKeyStore: Send + Sync + 'static {
    /// The signing key (the one not retired); when there is none yet,
    /// `candidate` is stored as it first. Processes racing to make the first
    /// key all get the one that was stored.
    fn current_or_insert(&self, candidate: &SigningKey) -> Result<SigningKey, RepositoryError>;

    /// Retires the signing key at `next.created` and makes `next` the
    /// signing key, in one transaction. Returns the key retired, if any.
    fn rotate(&self, next: &SigningKey) -> Result<Option<SigningKey>, RepositoryError>;

    /// The signing key and every key retired after `retired_after`, newest
    /// first.
    fn published(&self, retired_after: Timestamp) -> Result<Vec<SigningKey>, RepositoryError>;

    /// Deletes the keys retired at or before `retired_before`; returns how
    /// many.
    fn prune(&self, retired_before: Timestamp) -> Result<usize, RepositoryError>;
}
