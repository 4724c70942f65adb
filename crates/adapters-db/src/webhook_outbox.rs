//! Webhook deliveries in the database, queued beside their events.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text, Timestamp as SqlTimestamp};
use tokenauth_application::{QueuedWebhook, RepositoryError, WebhookOutbox};
use tokenauth_domain::{EventId, Timestamp};

use crate::Database;
use crate::connection::DbConnection;
use crate::models::{aware, naive};
use crate::schema::{security_events, webhook_deliveries};

/// The webhook outbox over the service's database.
#[derive(Debug, Clone)]
pub struct DieselWebhookOutbox {
    db: Database,
}

impl DieselWebhookOutbox {
    /// The outbox over `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[derive(QueryableByName)]
struct ClaimedRow {
    #[diesel(sql_type = Text)]
    event_id: String,
    #[diesel(sql_type = Integer)]
    failures: i32,
}

/// Moves the lease of what is due and returns it, in one statement; on
/// PostgreSQL rows another process holds are skipped (as the mail outbox).
fn claim_statement(conn: &DbConnection) -> &'static str {
    match conn {
        DbConnection::Postgresql(_) => {
            "UPDATE webhook_deliveries SET next_attempt = $1 WHERE event_id IN (\
             SELECT event_id FROM webhook_deliveries WHERE next_attempt <= $2 \
             ORDER BY next_attempt LIMIT $3 FOR UPDATE SKIP LOCKED) \
             RETURNING event_id, failures"
        }
        DbConnection::Sqlite(_) => {
            "UPDATE webhook_deliveries SET next_attempt = ?1 WHERE event_id IN (\
             SELECT event_id FROM webhook_deliveries WHERE next_attempt <= ?2 \
             ORDER BY next_attempt LIMIT ?3) \
             RETURNING event_id, failures"
        }
    }
}

impl WebhookOutbox for DieselWebhookOutbox {
    fn claim_due(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<QueuedWebhook>, RepositoryError> {
        let (claimed, events) = self.db.write(|conn| {
            let claimed: Vec<ClaimedRow> = diesel::sql_query(claim_statement(conn))
                .bind::<SqlTimestamp, _>(naive(lease_until))
                .bind::<SqlTimestamp, _>(naive(now))
                .bind::<BigInt, _>(i64::from(limit))
                .load(conn)?;
            let ids: Vec<&str> = claimed.iter().map(|row| row.event_id.as_str()).collect();
            let events: Vec<(String, String, NaiveDateTime, String)> = security_events::table
                .filter(security_events::id.eq_any(&ids))
                .select((
                    security_events::id,
                    security_events::kind,
                    security_events::created,
                    security_events::data,
                ))
                .load(conn)?;
            Ok((claimed, events))
        })?;
        let mut queued = Vec::with_capacity(claimed.len());
        for row in claimed {
            let Some(event_id) = EventId::parse(&row.event_id) else {
                continue;
            };
            let event = events.iter().find(|(id, ..)| *id == row.event_id);
            let Some((_, kind, created, data)) = event else {
                // Pruned before it could be delivered: nothing left to send.
                self.mark_failed(event_id, u32::MAX, None, now)?;
                continue;
            };
            queued.push(QueuedWebhook {
                event_id,
                kind: kind.clone(),
                created: aware(*created),
                event: data.clone(),
                failures: u32::try_from(row.failures).unwrap_or(0),
            });
        }
        Ok(queued)
    }

    fn mark_sent(&self, id: EventId, at: Timestamp) -> Result<(), RepositoryError> {
        self.finish(id, None, "sent", at)
    }

    fn mark_failed(
        &self,
        id: EventId,
        failures: u32,
        retry_at: Option<Timestamp>,
        at: Timestamp,
    ) -> Result<(), RepositoryError> {
        let failures = i32::try_from(failures).unwrap_or(i32::MAX);
        match retry_at {
            Some(retry_at) => self
                .db
                .run(|conn| {
                    diesel::update(webhook_deliveries::table.find(id.to_string()))
                        .set((
                            webhook_deliveries::failures.eq(failures),
                            webhook_deliveries::next_attempt.eq(naive(retry_at)),
                        ))
                        .execute(conn)
                })
                .map(drop),
            None => self.finish(id, Some(failures), "given_up", at),
        }
    }

    fn delete_finished(&self) -> Result<usize, RepositoryError> {
        self.db.run(|conn| {
            diesel::delete(
                webhook_deliveries::table.filter(webhook_deliveries::next_attempt.is_null()),
            )
            .execute(conn)
        })
    }
}

impl DieselWebhookOutbox {
    /// Ends a delivery: no longer due.
    fn finish(
        &self,
        id: EventId,
        failures: Option<i32>,
        outcome: &str,
        at: Timestamp,
    ) -> Result<(), RepositoryError> {
        self.db
            .run(|conn| {
                let done = (
                    webhook_deliveries::next_attempt.eq(None::<NaiveDateTime>),
                    webhook_deliveries::finished.eq(naive(at)),
                    webhook_deliveries::outcome.eq(outcome),
                );
                let target = webhook_deliveries::table.find(id.to_string());
                match failures {
                    Some(failures) => diesel::update(target)
                        .set((done, webhook_deliveries::failures.eq(failures)))
                        .execute(conn),
                    None => diesel::update(target).set(done).execute(conn),
                }
            })
            .map(drop)
    }
}
