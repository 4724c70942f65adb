use tokenauth_domain::{EventId, Timestamp};

use super::RepositoryError;

/// An event taken from the webhook outbox for one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedWebhook {
    /// The event, and the delivery's id (`webhook-id`).
    pub event_id: EventId,
    /// Its type.
    pub kind: String,
    /// When it happened.
    pub created: Timestamp,
    /// The event's JSON object, as the log wrote it.
    pub event: String,
    /// Failed tries so far.
    pub failures: u32,
}

/// The durable queue of webhook deliveries (rows queued in each event's
/// transaction), shared by every process on one database.
pub trait WebhookOutbox: Send + Sync + 'static {
    /// Takes up to `limit` deliveries due at `now`, hiding each from other
    /// claimers until `lease_until`. Two concurrent claims MUST never return
    /// the same delivery. A delivery whose event was pruned is given up here.
    fn claim_due(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<QueuedWebhook>, RepositoryError>;

    /// Records an acknowledged delivery: it is done, never sent again.
    fn mark_sent(&self, id: EventId, at: Timestamp) -> Result<(), RepositoryError>;

    /// Records a failed try: due again at `retry_at`, or given up when `None`.
    fn mark_failed(
        &self,
        id: EventId,
        failures: u32,
        retry_at: Option<Timestamp>,
        at: Timestamp,
    ) -> Result<(), RepositoryError>;

    /// Deletes the deliveries already done; returns how many.
    fn delete_finished(&self) -> Result<usize, RepositoryError>;
}

/// Where webhook deliveries go: the receiver, signed.
pub trait WebhookSender: Send + Sync + 'static {
    /// Sends one delivery, signed afresh for this attempt. `Ok` only for an
    /// answer in the 2xx range; anything else, or no answer in time, is the
    /// error to retry on (never holding the secret).
    fn send(&self, delivery: &QueuedWebhook) -> Result<(), String>;
}
