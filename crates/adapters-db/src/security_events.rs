//! The security event log in the database: events written in the
//! transaction of the change they record (with their webhook deliveries),
//! and the lists that read them.

use chrono::SubsecRound;
use diesel::prelude::*;
use serde_json::{Map, Value, json};
use tokenauth_application::{EventPage, EventQuery, RepositoryError, SecurityEvents};
use tokenauth_domain::{DetailValue, SecurityEvent, Timestamp};

use crate::Database;
use crate::connection::DbConnection;
use crate::models::naive;
use crate::schema::{security_events, webhook_deliveries};

/// Which events get a webhook delivery: none (webhooks off), every type, or
/// the types named.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum WebhookSelection {
    /// Webhooks off.
    #[default]
    None,
    /// Every event (`webhooks.events = ["*"]`).
    All,
    /// Only these types.
    Types(Vec<String>),
}

impl WebhookSelection {
    fn selects(&self, kind: &str) -> bool {
        match self {
            Self::None => false,
            Self::All => true,
            Self::Types(types) => types.iter().any(|t| t == kind),
        }
    }
}

/// Writes `events` on `conn`, inside the caller's transaction, each with its
/// webhook delivery when `webhooks` selects it.
pub(crate) fn insert_events(
    conn: &mut DbConnection,
    events: &[SecurityEvent],
    webhooks: &WebhookSelection,
) -> QueryResult<()> {
    for event in events {
        let created = stored_time(event.created);
        let kind = event.kind.type_name();
        diesel::insert_into(security_events::table)
            .values((
                security_events::id.eq(event.id.to_string()),
                security_events::kind.eq(kind),
                security_events::created.eq(naive(created)),
                security_events::user_id.eq(event.user_id.map(|id| id.to_string())),
                security_events::data.eq(event_json(event, created).to_string()),
            ))
            .execute(conn)?;
        if webhooks.selects(kind) {
            diesel::insert_into(webhook_deliveries::table)
                .values((
                    webhook_deliveries::event_id.eq(event.id.to_string()),
                    webhook_deliveries::next_attempt.eq(naive(created)),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// What the database keeps of a time: microseconds, PostgreSQL's precision,
/// so the JSON and the column read the same.
fn stored_time(at: Timestamp) -> Timestamp {
    at.trunc_subsecs(6)
}

/// The event as clients and receivers see it, keys in the contract's order.
fn event_json(event: &SecurityEvent, created: Timestamp) -> Value {
    let detail: Map<String, Value> = event
        .kind
        .detail()
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                DetailValue::Text(text) => Value::String(text),
                DetailValue::List(items) => json!(items),
            };
            (key.to_owned(), value)
        })
        .collect();
    json!({
        "id": event.id.to_string(),
        "type": event.kind.type_name(),
        "created": created.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        "user_id": event.user_id.map(|id| id.to_string()),
        "actor_id": event.actor_id.map(|id| id.to_string()),
        "ip": event.origin.ip,
        "user_agent": event.origin.user_agent,
        "token_id": event.token_id.map(|id| id.to_string()),
        "detail": detail,
    })
}

/// The event log over the service's database.
#[derive(Debug, Clone)]
pub struct DieselSecurityEvents {
    db: Database,
}

impl DieselSecurityEvents {
    /// The log over `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// The filters of a list query, once for the page and once for its count.
macro_rules! filtered {
    ($query:expr) => {{
        let mut select = security_events::table.into_boxed();
        if let Some(user) = $query.user_id {
            select = select.filter(security_events::user_id.eq(user.to_string()));
        }
        if let Some(kind) = &$query.kind {
            select = select.filter(security_events::kind.eq(kind.clone()));
        }
        if let Some(since) = $query.since {
            select = select.filter(security_events::created.ge(naive(since)));
        }
        if let Some(until) = $query.until {
            select = select.filter(security_events::created.lt(naive(until)));
        }
        select
    }};
}

impl SecurityEvents for DieselSecurityEvents {
    fn record(&self, event: &SecurityEvent) -> Result<(), RepositoryError> {
        self.db
            .write(|conn| insert_events(conn, std::slice::from_ref(event), self.db.webhooks()))
    }

    fn list(&self, query: &EventQuery) -> Result<EventPage, RepositoryError> {
        let (count, events) = self.db.run(|conn| {
            let count: i64 = filtered!(query).count().get_result(conn)?;
            let events: Vec<String> = filtered!(query)
                .order((security_events::created.desc(), security_events::id.desc()))
                .limit(i64::from(query.limit))
                .offset(i64::try_from(query.offset).unwrap_or(i64::MAX))
                .select(security_events::data)
                .load(conn)?;
            Ok((count, events))
        })?;
        Ok(EventPage {
            count: u64::try_from(count).unwrap_or_default(),
            events,
        })
    }

    fn delete_older_than(&self, cutoff: Timestamp) -> Result<usize, RepositoryError> {
        self.db.run(|conn| {
            diesel::delete(
                security_events::table.filter(security_events::created.lt(naive(cutoff))),
            )
            .execute(conn)
        })
    }
}
