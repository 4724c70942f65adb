//! DRF-style throttling in process memory: a sliding window of request
//! times per key (client IP or email), with a bounded number of keys.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokenauth_domain::Rate;

/// One throttle scope (e.g. "login per IP"): request times per key.
#[derive(Debug)]
pub struct Throttle {
    name: &'static str,
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

    /// The throttle scope `name` at `rate`.
    pub fn new(name: &'static str, rate: Rate) -> Self {
        Self::with_capacity(name, rate, Self::DEFAULT_MAX_KEYS)
    }

    /// A throttle tracking at most `max_keys` keys.
    pub fn with_capacity(name: &'static str, rate: Rate, max_keys: usize) -> Self {
        Self {
            name,
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
            let oldest = times
                .back()
                .map_or(Duration::ZERO, |t| now.saturating_duration_since(*t));
            return Err(self.rate.wait(times.len(), oldest));
        }
        times.push_front(now);
        Ok(())
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

    /// The scope's name, which keys it in a shared store.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Its rate.
    pub fn rate(&self) -> Rate {
        self.rate
    }

    /// Keys tracked now (for tests of the memory bound).
    pub fn tracked_keys(&self) -> usize {
        self.history.lock().map_or(0, |history| history.len())
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
    fn allows_the_rate_then_refuses() {
        let throttle = Throttle::new("test", rate("3/minute"));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(throttle.check("ip", t0).is_ok());
        }
        assert!(throttle.check("ip", t0).is_err());
        assert!(throttle.check("other", t0).is_ok(), "keys are separate");
    }

    #[test]
    fn the_window_slides() {
        let throttle = Throttle::new("test", rate("2/minute"));
        let t0 = Instant::now();
        throttle.check("ip", t0).unwrap();
        throttle.check("ip", t0 + Duration::from_secs(30)).unwrap();
        assert!(throttle.check("ip", t0 + Duration::from_secs(59)).is_err());
        assert!(throttle.check("ip", t0 + Duration::from_secs(60)).is_ok());
    }

    #[test]
    fn the_wait_is_what_remains_of_the_oldest_request_window() {
        let throttle = Throttle::new("test", rate("2/minute"));
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
        let throttle = Throttle::with_capacity("test", rate("10/minute"), 10_000);
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
        fn never_allows_more_than_the_rate_in_any_window(requests in 1u32..20, gaps in proptest::collection::vec(0u64..5_000, 1..200)) {
            let throttle = Throttle::new("test", Rate { requests, per: Duration::from_secs(10) });
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
