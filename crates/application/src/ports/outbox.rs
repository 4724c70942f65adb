use tokenauth_domain::{Mail, MailId, Timestamp};

use super::RepositoryError;

/// A message taken from the outbox for one delivery attempt.
#[derive(Debug, Clone)]
pub struct QueuedMail {
    /// Its identity in the outbox.
    pub id: MailId,
    /// The message.
    pub mail: Mail,
    /// Failed tries so far.
    pub failures: u32,
}

/// The durable queue of messages waiting for delivery, shared by every
/// process on one database.
pub trait Outbox: Send + Sync + 'static {
    /// Queues a message, due at once.
    fn enqueue(&self, id: MailId, mail: &Mail, now: Timestamp) -> Result<(), RepositoryError>;

    /// Takes up to `limit` messages due at `now` (or only `only`, when given
    /// and due), hiding each from other claimers until `lease_until`. Two
    /// concurrent claims MUST never return the same message (row locks that
    /// skip what another claimer holds, on PostgreSQL).
    fn claim_due(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
        only: Option<MailId>,
    ) -> Result<Vec<QueuedMail>, RepositoryError>;

    /// Records a delivery: the message is done and its body is deleted.
    fn mark_sent(&self, id: MailId, at: Timestamp) -> Result<(), RepositoryError>;

    /// Records a failed try: due again at `retry_at`, or given up (its body
    /// deleted) when `None`.
    fn mark_failed(
        &self,
        id: MailId,
        failures: u32,
        retry_at: Option<Timestamp>,
        at: Timestamp,
    ) -> Result<(), RepositoryError>;

    /// Messages neither delivered nor given up.
    fn pending(&self) -> Result<u64, RepositoryError>;

    /// Deletes the messages already sent or given up (their bodies are gone
    /// already); returns how many.
    fn delete_finished(&self) -> Result<usize, RepositoryError>;
}
