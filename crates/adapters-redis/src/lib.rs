//! tokenauth's Redis adapter: the throttle store that lets several processes
//! of one service share their throttle windows (`throttle.redis_url`).

#[cfg(feature = "testing")]
pub mod testing;
mod throttle_store;

pub use throttle_store::{InvalidRedisUrl, RedisThrottleStore};
