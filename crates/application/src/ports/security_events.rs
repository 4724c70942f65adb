use tokenauth_domain::{SecurityEvent, Timestamp, UserId};

use super::RepositoryError;

/// Which events to list, and which page of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// Only this user's events.
    pub user_id: Option<UserId>,
    /// Only events of this type (any text: an unknown type matches nothing).
    pub kind: Option<String>,
    /// Only events created at or after this.
    pub since: Option<Timestamp>,
    /// Only events created before this.
    pub until: Option<Timestamp>,
    /// The most events to return.
    pub limit: u32,
    /// How many matching events to skip.
    pub offset: u64,
}

/// One page of events, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventPage {
    /// How many events match the query in all.
    pub count: u64,
    /// The events of this page, each as its JSON object (the representation
    /// clients and webhook receivers see, written once when it was recorded).
    pub events: Vec<String>,
}

/// The security event log.
///
/// Events that go with a change are written by the repository making the
/// change, in its transaction (each such port method takes the events to
/// record); this port records the ones that go with no change (a failed
/// login) and reads the log.
pub trait SecurityEvents: Send + Sync + 'static {
    /// Records an event on its own. MUST cost the same whether or not the
    /// event names a user, so recording a failed login tells nothing of which
    /// emails exist.
    fn record(&self, event: &SecurityEvent) -> Result<(), RepositoryError>;

    /// A page of the events matching `query`, newest first (then by id), with
    /// the number of all matches.
    fn list(&self, query: &EventQuery) -> Result<EventPage, RepositoryError>;

    /// Deletes events created before `cutoff`; returns how many.
    fn delete_older_than(&self, cutoff: Timestamp) -> Result<usize, RepositoryError>;
}
