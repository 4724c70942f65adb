//! DRF-style throttling: a sliding window of request times per key (client IP
//! or email), in process memory, with a bounded number of keys.

use crate::ApiError;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A rate such as `10/minute`, or none (`off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests allowed per window.
    pub requests: u32,
    /// The window.
    pub per: Duration,
}

/// Why a rate string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a rate: write N/second, N/minute, N/hour, N/day (N at least 1) or off")]
pub struct InvalidRate(pub String);

impl Rate {
    /// Parses DRF's rate strings: `N/second|minute|hour|day` (DRF reads only
    /// the first letter of the period, so `10/min` works too), or `off`.
    pub fn parse(text: &str) -> Result<Option<Self>, InvalidRate> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("off") || text.eq_ignore_ascii_case("none") {
            return Ok(None);
        }
        let invalid = || InvalidRate(text.to_owned());
        let (count, period) = text.split_once('/').ok_or_else(invalid)?;
        let requests: u32 = count.trim().parse().map_err(|_| invalid())?;
        let seconds = match period.trim().chars().next().map(|c| c.to_ascii_lowercase()) {
            Some('s') => 1,
            Some('m') => 60,
            Some('h') => 3600,
            Some('d') => 86_400,
            _ => return Err(invalid()),
        };
        if requests == 0 {
            return Err(invalid());
        }
        Ok(Some(Self {
            requests,
            per: Duration::from_secs(seconds),
        }))
    }
}

/// One throttle scope (e.g. "login per IP"): request times per key.
#[derive(Debug)]
pub struct Throttle {
    rate: Rate,
    max_keys: usize,
    history: Mutex<HashMap<String, History>>,
}

/// One key's allowed requests, newest first, and its last request of any kind.
#[derive(Debug)]
struct History {
    allowed: VecDeque<Instant>,
    // Refused requests count too: a key under attack stays fresh and keeps
    // its history however many other keys flood in.
    last_seen: Instant,
}

impl Throttle {
    /// Keys tracked at most per scope. A flood of distinct keys (spoofed
    /// addresses, invented emails) cannot grow memory past this; when full,
    /// the keys idle longest are forgotten first, and an active attacker's
    /// own key is never the idlest.
    pub const DEFAULT_MAX_KEYS: usize = 50_000;

    /// A throttle at `rate`.
    pub fn new(rate: Rate) -> Self {
        Self::with_capacity(rate, Self::DEFAULT_MAX_KEYS)
    }

    /// A throttle tracking at most `max_keys` keys.
    pub fn with_capacity(rate: Rate, max_keys: usize) -> Self {
        Self {
            rate,
            max_keys: max_keys.max(1),
            history: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request for `key` at `now`: `Ok` when allowed (and recorded),
    /// else how long until one is allowed again, as DRF computes it.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut history = match self.history.lock() {
            Ok(history) => history,
            Err(poisoned) => poisoned.into_inner(),
        };
        if !history.contains_key(key) && history.len() >= self.max_keys {
            self.make_room(&mut history, now);
        }
        let entry = history.entry(key.to_owned()).or_insert_with(|| History {
            allowed: VecDeque::new(),
            last_seen: now,
        });
        entry.last_seen = entry.last_seen.max(now);
        let times = &mut entry.allowed;
        // Newest first, as DRF keeps it; drop what left the window.
        while times
            .back()
            .is_some_and(|t| now.saturating_duration_since(*t) >= self.rate.per)
        {
            times.pop_back();
        }
        if times.len() >= self.rate.requests as usize {
            return Err(self.wait(times, now));
        }
        times.push_front(now);
        Ok(())
    }

    /// DRF's `wait()`: the rest of the oldest request's window, spread over
    /// the requests still available.
    fn wait(&self, times: &VecDeque<Instant>, now: Instant) -> Duration {
        let remaining = times.back().map_or(self.rate.per, |oldest| {
            self.rate
                .per
                .saturating_sub(now.saturating_duration_since(*oldest))
        });
        let available = i64::from(self.rate.requests) - times.len() as i64 + 1;
        if available <= 0 {
            remaining
        } else {
            remaining / u32::try_from(available).unwrap_or(1)
        }
    }

    fn make_room(&self, history: &mut HashMap<String, History>, now: Instant) {
        history.retain(|_, h| {
            h.allowed
                .front()
                .is_some_and(|t| now.saturating_duration_since(*t) < self.rate.per)
        });
        if history.len() < self.max_keys {
            return;
        }
        // Still full of live keys: forget the idler half.
        let mut last_seen: Vec<Instant> = history.values().map(|h| h.last_seen).collect();
        last_seen.sort_unstable();
        let cutoff = last_seen[last_seen.len() / 2];
        history.retain(|_, h| h.last_seen > cutoff);
    }

    /// Keys tracked now (for tests of the memory bound).
    pub fn tracked_keys(&self) -> usize {
        self.history.lock().map_or(0, |history| history.len())
    }
}

/// The throttles of the contract.
#[derive(Debug, Default)]
pub struct Throttles {
    /// Login attempts per client IP.
    pub login_per_ip: Option<Throttle>,
    /// Login attempts per email.
    pub login_per_email: Option<Throttle>,
    /// Signups per client IP.
    pub signup_per_ip: Option<Throttle>,
    /// How many proxies in front of the service append to `X-Forwarded-For`.
    pub trusted_proxies: usize,
}

impl Throttles {
    /// Throttles at the given rates (`None`: that one is off).
    pub fn new(login: Option<Rate>, signup: Option<Rate>, trusted_proxies: usize) -> Self {
        Self {
            login_per_ip: login.map(Throttle::new),
            login_per_email: login.map(Throttle::new),
            signup_per_ip: signup.map(Throttle::new),
            trusted_proxies,
        }
    }

    /// Records a request under `key` in `throttle` (when that one is on):
    /// 429 with the wait when the window is full.
    pub(crate) fn check(&self, throttle: Option<&Throttle>, key: &str) -> Result<(), ApiError> {
        throttle
            .map_or(Ok(()), |throttle| throttle.check(key, Instant::now()))
            .map_err(ApiError::Throttled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rate(text: &str) -> Rate {
        Rate::parse(text).unwrap().unwrap()
    }

    #[test]
    fn parses_drf_rates() {
        assert_eq!(
            rate("10/minute"),
            Rate {
                requests: 10,
                per: Duration::from_secs(60)
            }
        );
        assert_eq!(rate("20/hour").per, Duration::from_secs(3600));
        assert_eq!(rate("5/second").per, Duration::from_secs(1));
        assert_eq!(rate("1/day").per, Duration::from_secs(86_400));
        assert_eq!(rate("3/min").per, Duration::from_secs(60));
        assert_eq!(Rate::parse("off"), Ok(None));
    }

    #[test]
    fn refuses_nonsense_rates() {
        for bad in [
            "",
            "10",
            "x/minute",
            "10/fortnight",
            "0/minute",
            "-1/minute",
            "10/",
        ] {
            assert!(Rate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn allows_the_rate_then_refuses() {
        let throttle = Throttle::new(rate("3/minute"));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(throttle.check("ip", t0).is_ok());
        }
        assert!(throttle.check("ip", t0).is_err());
        assert!(throttle.check("other", t0).is_ok(), "keys are separate");
    }

    #[test]
    fn the_window_slides() {
        let throttle = Throttle::new(rate("2/minute"));
        let t0 = Instant::now();
        throttle.check("ip", t0).unwrap();
        throttle.check("ip", t0 + Duration::from_secs(30)).unwrap();
        assert!(throttle.check("ip", t0 + Duration::from_secs(59)).is_err());
        assert!(throttle.check("ip", t0 + Duration::from_secs(60)).is_ok());
    }

    #[test]
    fn the_wait_is_what_remains_of_the_oldest_request_window() {
        let throttle = Throttle::new(rate("2/minute"));
        let t0 = Instant::now();
        throttle.check("ip", t0).unwrap();
        throttle.check("ip", t0).unwrap();
        assert_eq!(
            throttle.check("ip", t0 + Duration::from_secs(20)),
            Err(Duration::from_secs(40))
        );
    }

    #[test]
    fn memory_stays_bounded_under_100000_distinct_keys() {
        let throttle = Throttle::with_capacity(rate("10/minute"), 10_000);
        let t0 = Instant::now();
        throttle.check("victim@example.com", t0).unwrap();
        for i in 0..100_000u32 {
            let now = t0 + Duration::from_micros(u64::from(i) + 1);
            throttle
                .check(
                    &format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255),
                    now,
                )
                .unwrap();
            if i % 1000 == 0 {
                // The attacked key stays active, so it is never the idlest.
                throttle.check("victim@example.com", now).ok();
            }
            assert!(throttle.tracked_keys() <= 10_000);
        }
        assert!(
            throttle
                .check("victim@example.com", t0 + Duration::from_secs(1))
                .is_err(),
            "its history survived the flood"
        );
    }

    proptest! {
        #[test]
        fn rate_parsing_never_panics(text in "\\PC{0,30}") {
            let _ = Rate::parse(&text);
        }

        #[test]
        fn never_allows_more_than_the_rate_in_any_window(requests in 1u32..20, gaps in proptest::collection::vec(0u64..5_000, 1..200)) {
            let throttle = Throttle::new(Rate { requests, per: Duration::from_secs(10) });
            let t0 = Instant::now();
            let mut now = t0;
            let mut allowed: Vec<Instant> = Vec::new();
            for gap in gaps {
                now += Duration::from_millis(gap);
                if throttle.check("k", now).is_ok() {
                    allowed.push(now);
                }
                let in_window = allowed.iter().filter(|t| now.duration_since(**t) < Duration::from_secs(10)).count();
                prop_assert!(in_window <= requests as usize);
            }
        }
    }
}
