use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sha2::{Digest, Sha256};
use tokenauth_application::{Admission, ThrottleFuture, ThrottleStore, ThrottleStoreError};
use tokenauth_domain::Rate;

/// DRF's sliding window as one atomic step, so concurrent requests of every
/// process are counted exactly.
///
/// KEYS[1] is the key's window (a sorted set of allowed requests by time),
/// KEYS[2] the scope's index of windows by last request. ARGV: the window
/// in microseconds, the requests it allows, the most windows the scope
/// keeps, and a unique member for this request. The clock is Redis's own, so
/// processes on hosts whose clocks differ still share one window.
///
/// Returns {allowed (1/0), requests in the window, age of the oldest in µs}.
const SLIDING_WINDOW: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local max_keys = tonumber(ARGV[3])
local ttl_ms = math.ceil(window / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
-- Refused requests keep the key fresh too: an attacked key is never the idlest.
redis.call('ZADD', KEYS[2], now, KEYS[1])
redis.call('PEXPIRE', KEYS[2], ttl_ms)
local excess = redis.call('ZCARD', KEYS[2]) - max_keys
if excess > 0 then
  -- A flood of invented keys: forget the idlest windows. (Their names are
  -- data, not declared keys: this store is for one Redis, not a cluster.)
  local popped = redis.call('ZPOPMIN', KEYS[2], excess)
  for i = 1, #popped, 2 do
    if popped[i] == KEYS[1] then
      redis.call('ZADD', KEYS[2], now, KEYS[1])
    else
      redis.call('DEL', popped[i])
    end
  end
end
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, count, now - tonumber(oldest[2])}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], ttl_ms)
return {1, count + 1, 0}
";

/// Throttle windows in Redis: every process pointing at one Redis shares
/// them. Keys expire with their window; each scope keeps at most
/// [`RedisThrottleStore::DEFAULT_MAX_KEYS`] windows, the idlest forgotten
/// first. Clients' addresses and emails are stored only as SHA-256 digests.
pub struct RedisThrottleStore {
    connection: ConnectionManager,
    script: redis::Script,
    max_keys: usize,
}

impl std::fmt::Debug for RedisThrottleStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never shown.
        f.debug_struct("RedisThrottleStore")
            .field("max_keys", &self.max_keys)
            .finish_non_exhaustive()
    }
}

/// The Redis URL cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("throttle.redis_url: {0}")]
pub struct InvalidRedisUrl(String);

impl RedisThrottleStore {
    /// As the in-process throttles: windows kept per scope at most.
    pub const DEFAULT_MAX_KEYS: usize = 50_000;

    /// A store at `url` (`redis://[:password@]host[:port][/db]`). Nothing is
    /// connected yet: the first request connects, and a Redis that is down
    /// at start is the same as one that goes down later. Must be called
    /// within a tokio runtime.
    pub fn new(url: &str) -> Result<Self, InvalidRedisUrl> {
        Self::with_max_keys(url, Self::DEFAULT_MAX_KEYS)
    }

    /// As [`RedisThrottleStore::new`], keeping at most `max_keys` windows per scope.
    pub fn with_max_keys(url: &str, max_keys: usize) -> Result<Self, InvalidRedisUrl> {
        let client =
            redis::Client::open(url).map_err(|error| InvalidRedisUrl(error.to_string()))?;
        // The caller gives up after its own short timeout and throttles
        // locally; retrying inside one request would only hold it longer.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(250)))
            .set_response_timeout(Some(Duration::from_millis(250)))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|error| InvalidRedisUrl(error.to_string()))?;
        Ok(Self {
            connection,
            script: redis::Script::new(SLIDING_WINDOW),
            max_keys: max_keys.max(1),
        })
    }

    async fn check(
        &self,
        scope: &str,
        key: &str,
        rate: Rate,
    ) -> Result<Admission, ThrottleStoreError> {
        let window_us = u64::try_from(rate.per.as_micros()).unwrap_or(u64::MAX);
        let member = uuid::Uuid::new_v4().simple().to_string();
        let mut connection = self.connection.clone();
        let (allowed, count, oldest_age_us): (i64, u64, u64) = self
            .script
            .key(window_key(scope, key))
            .key(index_key(scope))
            .arg(window_us)
            .arg(rate.requests)
            .arg(self.max_keys)
            .arg(member)
            .invoke_async(&mut connection)
            .await
            .map_err(|error| ThrottleStoreError(error.to_string()))?;
        if allowed == 1 {
            return Ok(Admission::Allowed);
        }
        let allowed_in_window = usize::try_from(count).unwrap_or(usize::MAX);
        Ok(Admission::Refused {
            wait: rate.wait(allowed_in_window, Duration::from_micros(oldest_age_us)),
        })
    }
}

impl ThrottleStore for RedisThrottleStore {
    fn hit<'a>(&'a self, scope: &'a str, key: &'a str, rate: Rate) -> ThrottleFuture<'a> {
        Box::pin(self.check(scope, key, rate))
    }
}

/// The Redis key of the scope's index of windows.
pub(crate) fn index_key(scope: &str) -> String {
    format!("tokenauth:throttle:{scope}")
}

/// The Redis key of one window: the client's key only as a digest.
pub(crate) fn window_key(scope: &str, key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    format!("tokenauth:throttle:{scope}:{}", hex::encode(&digest[..16]))
}
