use std::time::Duration;

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

    /// DRF's `wait()` for a refused request: what remains of the oldest
    /// allowed request's window (`oldest_age` ago), spread over the requests
    /// the window still has room for. `allowed` is how many it holds.
    pub fn wait(self, allowed: usize, oldest_age: Duration) -> Duration {
        let remaining = self.per.saturating_sub(oldest_age);
        let room = i64::from(self.requests) - i64::try_from(allowed).unwrap_or(i64::MAX) + 1;
        match u32::try_from(room) {
            Ok(room) if room > 0 => remaining / room,
            _ => remaining,
        }
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
    fn the_wait_is_what_remains_of_the_oldest_requests_window() {
        let rate = rate("3/minute");
        assert_eq!(
            rate.wait(3, Duration::from_secs(20)),
            Duration::from_secs(40)
        );
        assert_eq!(
            rate.wait(5, Duration::from_secs(59)),
            Duration::from_secs(1)
        );
        assert_eq!(rate.wait(3, Duration::from_secs(90)), Duration::ZERO);
    }

    proptest! {
        #[test]
        fn rate_parsing_never_panics(text in "\\PC{0,30}") {
            let _ = Rate::parse(&text);
        }
    }
}
