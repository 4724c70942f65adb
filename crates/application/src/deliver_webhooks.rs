//! Webhook delivery through the outbox: every recorded event the settings
//! select is queued in its own transaction; a worker in every process
//! delivers what is due, with retries and backoff, until the receiver
//! acknowledges it.

use std::sync::Arc;

use chrono::TimeDelta;
use tokenauth_domain::DeliveryPolicy;

use crate::ports::{Clock, QueuedWebhook, RepositoryError, WebhookOutbox, WebhookSender};

/// What one pass of the worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookPass {
    /// Deliveries the receiver acknowledged.
    pub sent: u32,
    /// Deliveries that failed (to be retried, or given up).
    pub failed: u32,
}

/// The webhook delivery use case.
pub struct DeliverWebhooks {
    outbox: Arc<dyn WebhookOutbox>,
    sender: Arc<dyn WebhookSender>,
    clock: Arc<dyn Clock>,
    policy: DeliveryPolicy,
}

impl std::fmt::Debug for DeliverWebhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliverWebhooks")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl DeliverWebhooks {
    /// How long a claimed delivery stays hidden from other workers: longer
    /// than a try can take (10 s of timeout), so it is never sent twice at once.
    pub const LEASE: TimeDelta = TimeDelta::seconds(60);

    /// Builds the use case over its ports.
    pub fn new(
        outbox: Arc<dyn WebhookOutbox>,
        sender: Arc<dyn WebhookSender>,
        clock: Arc<dyn Clock>,
        policy: DeliveryPolicy,
    ) -> Self {
        Self {
            outbox,
            sender,
            clock,
            policy,
        }
    }

    /// Delivers up to `limit` due deliveries, each once.
    pub fn deliver_due(&self, limit: u32) -> Result<WebhookPass, RepositoryError> {
        let now = self.clock.now();
        let mut pass = WebhookPass::default();
        for queued in self.outbox.claim_due(now, now + Self::LEASE, limit)? {
            if self.attempt(&queued)? {
                pass.sent += 1;
            } else {
                pass.failed += 1;
            }
        }
        Ok(pass)
    }

    /// Deletes the deliveries already done.
    pub fn prune(&self) -> Result<usize, RepositoryError> {
        self.outbox.delete_finished()
    }

    fn attempt(&self, queued: &QueuedWebhook) -> Result<bool, RepositoryError> {
        match self.sender.send(queued) {
            Ok(()) => {
                self.outbox.mark_sent(queued.event_id, self.clock.now())?;
                Ok(true)
            }
            Err(error) => {
                let failures = queued.failures.saturating_add(1);
                let now = self.clock.now();
                let retry_at = self.policy.retry_after(failures).map(|wait| now + wait);
                self.outbox
                    .mark_failed(queued.event_id, failures, retry_at, now)?;
                match retry_at {
                    Some(at) => {
                        tracing::warn!(event = %queued.event_id, kind = %queued.kind, failures, %error, retry_at = %at, "webhook delivery failed; will retry")
                    }
                    None => {
                        tracing::error!(event = %queued.event_id, kind = %queued.kind, failures, %error, "webhook delivery failed for the last time; given up")
                    }
                }
                Ok(false)
            }
        }
    }
}
