//! Failing fast while the database cannot be reached.

use std::sync::atomic::{AtomicBool, Ordering};

use tokenauth_application::RepositoryError;

/// Whether the last wait for a connection timed out, and whether a request
/// is trying the database again now.
///
/// A checkout waits up to the connect timeout for a connection. While the
/// database is down every request would wait that long, each holding one of
/// the few blocking threads, and the queue behind them would grow without
/// bound. Once a checkout has timed out, a request that finds no idle
/// connection answers 503 at once, except one at a time (the probe), which
/// waits as before and ends the outage when it gets through.
#[derive(Debug, Default)]
pub(crate) struct Outage {
    suspected: AtomicBool,
    probing: AtomicBool,
}

/// The right to wait for a connection during an outage; released on drop.
#[derive(Debug)]
pub(crate) struct Probe<'a>(&'a AtomicBool);

impl Drop for Probe<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Outage {
    /// True after a checkout timed out, until the database answers again.
    pub(crate) fn is_suspected(&self) -> bool {
        self.suspected.load(Ordering::Acquire)
    }

    /// A checkout timed out: no connection could be had or made.
    pub(crate) fn suspect(&self) {
        self.suspected.store(true, Ordering::Release);
    }

    /// The database answered.
    pub(crate) fn clear(&self) {
        // Read first: the hot path must not write a shared cache line per request.
        if self.is_suspected() {
            self.suspected.store(false, Ordering::Release);
        }
    }

    /// Whether a request may wait to reach the database: always when no
    /// outage is suspected (`None`), as the probe while one is, and
    /// otherwise not at all (`Unavailable` at once).
    pub(crate) fn admit(&self) -> Result<Option<Probe<'_>>, RepositoryError> {
        if !self.is_suspected() {
            return Ok(None);
        }
        self.probe().map(Some).ok_or_else(|| {
            RepositoryError::Unavailable(
                "the database did not answer; another request is trying it again".into(),
            )
        })
    }

    /// The probe, unless another request holds it.
    pub(crate) fn probe(&self) -> Option<Probe<'_>> {
        self.probing
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .ok()
            .map(|_| Probe(&self.probing))
    }
}

#[cfg(test)]
mod tests {
    use super::Outage;

    #[test]
    fn no_outage_is_suspected_at_first() {
        assert!(!Outage::default().is_suspected());
    }

    #[test]
    fn a_failure_is_suspected_until_the_database_answers() {
        let outage = Outage::default();
        outage.suspect();
        assert!(outage.is_suspected());
        outage.clear();
        assert!(!outage.is_suspected());
    }

    #[test]
    fn without_an_outage_every_request_may_wait() {
        let outage = Outage::default();
        assert!(matches!(outage.admit(), Ok(None)));
        assert!(matches!(outage.admit(), Ok(None)));
    }

    #[test]
    fn during_an_outage_one_request_waits_and_the_others_are_refused() {
        let outage = Outage::default();
        outage.suspect();
        let probe = outage.admit();
        assert!(matches!(probe, Ok(Some(_))));
        assert!(matches!(
            outage.admit(),
            Err(tokenauth_application::RepositoryError::Unavailable(_))
        ));
    }

    #[test]
    fn one_probe_at_a_time() {
        let outage = Outage::default();
        let probe = outage.probe();
        assert!(probe.is_some());
        assert!(outage.probe().is_none());
        drop(probe);
        assert!(outage.probe().is_some());
    }
}
