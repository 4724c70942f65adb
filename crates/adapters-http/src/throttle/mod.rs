//! The contract's throttles: DRF's sliding windows, kept in this process or,
//! when a shared store is configured (`throttle.redis_url`), in that store so
//! that several processes allow the rate once between them.

mod window;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use prometheus::IntCounter;
use tokenauth_application::{Admission, ThrottleStore};
use tokenauth_domain::Rate;

pub use window::Throttle;

use crate::ApiError;

/// The throttles of the contract.
#[derive(Debug, Default)]
pub struct Throttles {
    /// Login attempts per client IP.
    pub login_per_ip: Option<Throttle>,
    /// Login attempts per email.
    pub login_per_email: Option<Throttle>,
    /// Signups per client IP.
    pub signup_per_ip: Option<Throttle>,
    /// Password reset and verification resend requests per client IP (one
    /// window for both endpoints).
    pub mail_per_ip: Option<Throttle>,
    /// The same, per email.
    pub mail_per_email: Option<Throttle>,
    /// Token revocations (`POST /api/oauth/revoke`) per client IP.
    pub revoke_per_ip: Option<Throttle>,
    /// Passkey login options (`POST /api/login/passkey/options`) per client
    /// IP: each stores a challenge. At the login rate, in a window of its own.
    pub passkey_options_per_ip: Option<Throttle>,
    /// How many proxies in front of the service append to `X-Forwarded-For`.
    pub trusted_proxies: usize,
    shared: Option<SharedThrottleStore>,
}

impl Throttles {
    /// Throttles at the given rates (`None`: that one is off), in this process.
    pub fn new(login: Option<Rate>, signup: Option<Rate>, trusted_proxies: usize) -> Self {
        Self {
            login_per_ip: login.map(|rate| Throttle::new("login_ip", rate)),
            login_per_email: login.map(|rate| Throttle::new("login_email", rate)),
            signup_per_ip: signup.map(|rate| Throttle::new("signup_ip", rate)),
            passkey_options_per_ip: login.map(|rate| Throttle::new("passkey_options_ip", rate)),
            mail_per_ip: None,
            mail_per_email: None,
            revoke_per_ip: None,
            trusted_proxies,
            shared: None,
        }
    }

    /// The same throttles with mail requests limited to `mail` (`None`: off).
    #[must_use]
    pub fn with_mail(mut self, mail: Option<Rate>) -> Self {
        self.mail_per_ip = mail.map(|rate| Throttle::new("mail_ip", rate));
        self.mail_per_email = mail.map(|rate| Throttle::new("mail_email", rate));
        self
    }

    /// The same throttles with revocations limited to `revoke` (`None`: off).
    #[must_use]
    pub fn with_revoke(mut self, revoke: Option<Rate>) -> Self {
        self.revoke_per_ip = revoke.map(|rate| Throttle::new("revoke_ip", rate));
        self
    }

    /// The same throttles with their windows in `shared`; this process's own
    /// windows serve only while it does not answer.
    #[must_use]
    pub fn sharing(mut self, shared: SharedThrottleStore) -> Self {
        self.shared = Some(shared);
        self
    }

    /// Counts a request under `key` in `throttle` (when that one is on):
    /// 429 with the wait when the window is full.
    pub(crate) async fn check(
        &self,
        throttle: Option<&Throttle>,
        key: &str,
    ) -> Result<(), ApiError> {
        let Some(throttle) = throttle else {
            return Ok(());
        };
        if let Some(shared) = &self.shared
            && let Some(admission) = shared.hit(throttle, key).await
        {
            return match admission {
                Admission::Allowed => Ok(()),
                Admission::Refused { wait } => Err(ApiError::Throttled(wait)),
            };
        }
        throttle
            .check(key, Instant::now())
            .map_err(ApiError::Throttled)
    }
}

/// A shared store, with what this process does when it does not answer.
#[derive(Clone)]
pub struct SharedThrottleStore {
    store: Arc<dyn ThrottleStore>,
    timeout: Duration,
    errors: IntCounter,
    unreachable: Arc<AtomicBool>,
}

impl std::fmt::Debug for SharedThrottleStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedThrottleStore")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl SharedThrottleStore {
    /// How long a request waits for the store before using its own windows:
    /// a store on the same network answers in well under a millisecond.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(50);

    /// `store`, given up on after `timeout`; each failure counts in `errors`.
    pub fn new(store: Arc<dyn ThrottleStore>, timeout: Duration, errors: IntCounter) -> Self {
        Self {
            store,
            timeout,
            errors,
            unreachable: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The store's decision, or `None` when it failed or was too slow.
    async fn hit(&self, throttle: &Throttle, key: &str) -> Option<Admission> {
        let answer = tokio::time::timeout(
            self.timeout,
            self.store.hit(throttle.name(), key, throttle.rate()),
        )
        .await;
        let failure = match answer {
            Ok(Ok(admission)) => {
                if self.unreachable.swap(false, Ordering::Relaxed) {
                    tracing::info!("throttle store: reachable again, shared windows in use");
                }
                return Some(admission);
            }
            Ok(Err(error)) => error.to_string(),
            Err(_) => format!("no answer within {} ms", self.timeout.as_millis()),
        };
        self.errors.inc();
        // Once per outage, not once per request.
        if !self.unreachable.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                reason = %failure,
                "throttle store: unreachable, each process throttles with its own windows until it is back"
            );
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokenauth_application::{ThrottleFuture, ThrottleStoreError};

    use super::*;

    fn rate(text: &str) -> Rate {
        Rate::parse(text).unwrap().unwrap()
    }

    /// A store that is down.
    struct Down;

    impl ThrottleStore for Down {
        fn hit<'a>(&'a self, _: &'a str, _: &'a str, _: Rate) -> ThrottleFuture<'a> {
            Box::pin(async { Err(ThrottleStoreError("connection refused".into())) })
        }
    }

    /// A store that answers too late.
    struct Slow;

    impl ThrottleStore for Slow {
        fn hit<'a>(&'a self, _: &'a str, _: &'a str, _: Rate) -> ThrottleFuture<'a> {
            Box::pin(async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                Ok(Admission::Allowed)
            })
        }
    }

    /// A store that refuses everything for 7 seconds.
    struct Full;

    impl ThrottleStore for Full {
        fn hit<'a>(&'a self, _: &'a str, _: &'a str, _: Rate) -> ThrottleFuture<'a> {
            Box::pin(async {
                Ok(Admission::Refused {
                    wait: Duration::from_secs(7),
                })
            })
        }
    }

    fn sharing(store: impl ThrottleStore) -> (Throttles, IntCounter) {
        let errors = IntCounter::new("errors", "errors").unwrap();
        let throttles = Throttles::new(Some(rate("2/minute")), None, 0).sharing(
            SharedThrottleStore::new(Arc::new(store), Duration::from_millis(50), errors.clone()),
        );
        (throttles, errors)
    }

    #[tokio::test]
    async fn the_shared_store_decides_while_it_answers() {
        let (throttles, errors) = sharing(Full);
        let refused = throttles.check(throttles.login_per_ip.as_ref(), "ip").await;
        assert!(
            matches!(refused, Err(ApiError::Throttled(wait)) if wait == Duration::from_secs(7))
        );
        assert_eq!(errors.get(), 0);
    }

    #[tokio::test]
    async fn a_store_that_is_down_leaves_the_process_windows_in_charge() {
        let (throttles, errors) = sharing(Down);
        for _ in 0..2 {
            assert!(
                throttles
                    .check(throttles.login_per_ip.as_ref(), "ip")
                    .await
                    .is_ok()
            );
        }
        assert!(matches!(
            throttles.check(throttles.login_per_ip.as_ref(), "ip").await,
            Err(ApiError::Throttled(_))
        ));
        assert_eq!(errors.get(), 3);
    }

    #[tokio::test]
    async fn a_slow_store_is_given_up_on_after_the_timeout() {
        let (throttles, errors) = sharing(Slow);
        let started = std::time::Instant::now();
        assert!(
            throttles
                .check(throttles.login_per_ip.as_ref(), "ip")
                .await
                .is_ok()
        );
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(errors.get(), 1);
    }
}
