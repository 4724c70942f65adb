//! Mail delivery through the outbox: requests queue messages; a worker in
//! every process delivers what is due, with retries and backoff.

use std::sync::Arc;

use chrono::TimeDelta;
use tokenauth_domain::{DeliveryPolicy, Mail, MailId, Timestamp};

use crate::ports::{Clock, MailError, Mailer, Outbox, QueuedMail, RepositoryError};

/// What became of one delivery attempt.
#[derive(Debug)]
pub enum DeliveryOutcome {
    /// The server accepted the message.
    Sent,
    /// It failed; the message is due again at this instant.
    WillRetry(MailError, Timestamp),
    /// It failed for the last allowed time; the message is dropped.
    GivenUp(MailError),
}

/// Queues and delivers messages.
pub struct DeliverMail {
    outbox: Arc<dyn Outbox>,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
    policy: DeliveryPolicy,
}

impl std::fmt::Debug for DeliverMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliverMail")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl DeliverMail {
    /// How long a claimed message stays hidden from other processes: longer
    /// than any one SMTP exchange, so two processes never send it together,
    /// and short enough that a process that died mid-send delays it little.
    pub const LEASE: TimeDelta = TimeDelta::seconds(120);

    /// Builds the use case over its ports.
    pub fn new(
        outbox: Arc<dyn Outbox>,
        mailer: Arc<dyn Mailer>,
        clock: Arc<dyn Clock>,
        policy: DeliveryPolicy,
    ) -> Self {
        Self {
            outbox,
            mailer,
            clock,
            policy,
        }
    }

    /// Puts a message in the outbox, due at once.
    pub fn queue(&self, mail: &Mail) -> Result<MailId, RepositoryError> {
        let id = MailId::new_random();
        self.outbox.enqueue(id, mail, self.clock.now())?;
        Ok(id)
    }

    /// Delivers up to `limit` messages that are due, one after another.
    pub fn deliver_due(
        &self,
        limit: u32,
    ) -> Result<Vec<(MailId, DeliveryOutcome)>, RepositoryError> {
        let now = self.clock.now();
        let claimed = self.outbox.claim_due(now, now + Self::LEASE, limit, None)?;
        claimed
            .into_iter()
            .map(|queued| Ok((queued.id, self.attempt(queued)?)))
            .collect()
    }

    /// Delivers one message now, if it is still due; `None` when it is not
    /// (already delivered, or held by another process).
    pub fn deliver_now(&self, id: MailId) -> Result<Option<DeliveryOutcome>, RepositoryError> {
        let now = self.clock.now();
        let claimed = self.outbox.claim_due(now, now + Self::LEASE, 1, Some(id))?;
        claimed
            .into_iter()
            .next()
            .map(|q| self.attempt(q))
            .transpose()
    }

    /// Messages neither delivered nor given up.
    pub fn pending(&self) -> Result<u64, RepositoryError> {
        self.outbox.pending()
    }

    fn attempt(&self, queued: QueuedMail) -> Result<DeliveryOutcome, RepositoryError> {
        match self.mailer.send(&queued.mail) {
            Ok(()) => {
                self.outbox.mark_sent(queued.id, self.clock.now())?;
                Ok(DeliveryOutcome::Sent)
            }
            Err(error) => {
                let failures = queued.failures.saturating_add(1);
                let now = self.clock.now();
                let retry_at = self.policy.retry_after(failures).map(|wait| now + wait);
                self.outbox
                    .mark_failed(queued.id, failures, retry_at, now)?;
                // Never the body: it may hold a key.
                match retry_at {
                    Some(at) => {
                        tracing::warn!(mail = %queued.id, to = %queued.mail.to, failures, %error, retry_at = %at, "mail delivery failed; will retry");
                        Ok(DeliveryOutcome::WillRetry(error, at))
                    }
                    None => {
                        tracing::error!(mail = %queued.id, to = %queued.mail.to, failures, %error, "mail delivery failed for the last time; message given up");
                        Ok(DeliveryOutcome::GivenUp(error))
                    }
                }
            }
        }
    }
}
