use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokenauth_domain::Rate;

/// What a throttle decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Allowed, and counted in its window.
    Allowed,
    /// Refused: the window is full. Nothing was counted.
    Refused {
        /// How long until a request is allowed again (DRF's wait).
        wait: Duration,
    },
}

/// The store did not answer: the caller falls back to windows of its own.
#[derive(Debug, thiserror::Error)]
#[error("the throttle store is unavailable: {0}")]
pub struct ThrottleStoreError(pub String);

/// What a throttle store's check gives, in time.
pub type ThrottleFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Admission, ThrottleStoreError>> + Send + 'a>>;

/// Throttle windows kept outside the process, shared by every process that
/// points at the same store, so N processes together allow the rate once.
pub trait ThrottleStore: Send + Sync + 'static {
    /// Counts one request under `key` of the throttle `scope` against `rate`,
    /// as DRF's sliding window does: when fewer than `rate.requests` requests
    /// were allowed in the last `rate.per`, this one is recorded and allowed;
    /// otherwise it is refused with [`Rate::wait`] and nothing is recorded.
    ///
    /// MUST decide atomically across all processes (two concurrent requests
    /// never both take the last place), MUST let a key's window expire by
    /// itself, and MUST keep the number of keys per scope bounded whatever
    /// keys clients invent.
    fn hit<'a>(&'a self, scope: &'a str, key: &'a str, rate: Rate) -> ThrottleFuture<'a>;
}
