use tokenauth_application::Clock;
use tokenauth_domain::Timestamp;

/// The system clock, cut to microseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        tokenauth_domain::truncate_to_micros(chrono::Utc::now())
    }
}
