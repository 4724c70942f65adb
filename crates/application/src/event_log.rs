//! Reading the security event log: a user's own events, every event for
//! staff, and the retention that prunes old ones.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use tokenauth_domain::{Timestamp, UserId};

use crate::Authenticated;
use crate::admin_users::{AdminError, PageRequest};
use crate::ports::{Clock, EventPage, EventQuery, RepositoryError, SecurityEvents};
use crate::validation::{FieldError, ValidationErrors};

/// The staff list's filters, as the query string gave them.
#[derive(Debug, Clone, Default)]
pub struct EventFilters {
    /// `user_id`: a UUID.
    pub user_id: Option<String>,
    /// `type`: any text; an unknown type matches nothing.
    pub kind: Option<String>,
    /// `since` (inclusive): RFC 3339.
    pub since: Option<String>,
    /// `until` (exclusive): RFC 3339.
    pub until: Option<String>,
}

/// The event log use cases.
pub struct EventLog {
    events: Arc<dyn SecurityEvents>,
    clock: Arc<dyn Clock>,
    retention: Option<TimeDelta>,
}

impl std::fmt::Debug for EventLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLog")
            .field("retention", &self.retention)
            .finish_non_exhaustive()
    }
}

impl EventLog {
    /// Builds the use case over its ports; events older than `retention`
    /// are pruned (`None`: kept for ever).
    pub fn new(
        events: Arc<dyn SecurityEvents>,
        clock: Arc<dyn Clock>,
        retention: Option<TimeDelta>,
    ) -> Self {
        Self {
            events,
            clock,
            retention,
        }
    }

    /// The authenticated user's own events, newest first, of one type when
    /// `kind` is given.
    pub fn own(
        &self,
        session: &Authenticated,
        kind: Option<&str>,
        page: PageRequest,
    ) -> Result<EventPage, RepositoryError> {
        self.events.list(&EventQuery {
            user_id: Some(session.user.id),
            kind: kind.map(str::to_owned),
            limit: page.limit,
            offset: page.offset,
            ..EventQuery::default()
        })
    }

    /// Every event matching `filters`, newest first (staff only). Malformed
    /// filters are reported together, each under its name.
    pub fn all(
        &self,
        actor: &Authenticated,
        filters: &EventFilters,
        page: PageRequest,
    ) -> Result<EventPage, AdminError> {
        if !actor.user.is_staff {
            return Err(AdminError::Forbidden);
        }
        let mut errors = ValidationErrors::default();
        let user_id = filters.user_id.as_deref().and_then(|text| {
            let id = UserId::parse(text.trim());
            if id.is_none() {
                errors.add("user_id", vec![FieldError::InvalidUuid]);
            }
            id
        });
        let since = date_time(&mut errors, "since", filters.since.as_deref());
        let until = date_time(&mut errors, "until", filters.until.as_deref());
        if !errors.is_empty() {
            return Err(AdminError::Invalid(errors));
        }
        Ok(self.events.list(&EventQuery {
            user_id,
            kind: filters.kind.clone(),
            since,
            until,
            limit: page.limit,
            offset: page.offset,
        })?)
    }

    /// Deletes the events older than the retention; returns how many.
    pub fn prune(&self) -> Result<usize, RepositoryError> {
        match self.retention {
            Some(retention) => self.events.delete_older_than(self.clock.now() - retention),
            None => Ok(0),
        }
    }
}

/// An RFC 3339 date and time, recording why not under `field`.
fn date_time(
    errors: &mut ValidationErrors,
    field: &'static str,
    text: Option<&str>,
) -> Option<Timestamp> {
    let text = text?;
    match DateTime::parse_from_rfc3339(text.trim()) {
        Ok(at) => Some(at.with_timezone(&Utc)),
        Err(_) => {
            errors.add(field, vec![FieldError::InvalidDateTime]);
            None
        }
    }
}
