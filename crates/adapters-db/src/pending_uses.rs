//! Token uses gathered and written together, once a second at most, rather
//! than one single-row UPDATE per sliding use: the write load of sliding
//! expiry then grows with the number of processes, not with request rate.
//! A crash loses at most that second of `last_used` (the next use slides
//! the token again), never a revocation.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use diesel::sql_types::{Array, Nullable, Text, Timestamp as SqlTimestamp};
use diesel::{Connection, QueryResult, RunQueryDsl};
use tokenauth_domain::{Timestamp, TokenId};

use crate::DbConnection;
use crate::models::naive;

/// How often the gathered uses are written.
pub(crate) const EVERY: Duration = Duration::from_secs(1);

/// How long the gathered write waits for a row lock: less than
/// PostgreSQL's `deadlock_timeout` (1 s), so in a cycle with a request's
/// transaction the write is the one that ends.
const LOCK_WAIT: &str = "SET LOCAL lock_timeout = '500ms'";

/// Uses not yet written: a token's id → its latest `last_used` and expiry.
pub(crate) type Uses = HashMap<TokenId, (Timestamp, Option<Timestamp>)>;

/// The uses this process noted since its last write.
#[derive(Debug, Default)]
pub(crate) struct PendingUses(Mutex<Uses>);

impl PendingUses {
    /// Notes a use; a later one of the same token replaces it.
    pub(crate) fn add(&self, id: TokenId, last_used: Timestamp, expires: Option<Timestamp>) {
        self.lock().insert(id, (last_used, expires));
    }

    /// Everything noted so far, leaving nothing.
    pub(crate) fn take(&self) -> Uses {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Uses> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Writes `uses` in one statement (PostgreSQL). A token deleted meanwhile
/// is skipped; a use older than the one stored changes nothing.
///
/// Every process writes the uses of the tokens it saw, so two processes'
/// writes often name the same rows; the statement locks them in whatever
/// order its plan visits them, and two orders deadlock (PostgreSQL aborts
/// one after a second, and its uses are lost). The rows are therefore
/// locked first, in the order of their ids, in the same transaction. A
/// request's own change of those rows (a logout deleting a user's tokens)
/// may still lock them in another order: the write waits half a second at
/// most for a lock ([`LOCK_WAIT`]) and then gives up its uses, so such a
/// cycle costs a second of `last_used`, never the request.
pub(crate) fn write_uses(conn: &mut DbConnection, uses: Uses) -> QueryResult<usize> {
    let DbConnection::Postgresql(conn) = conn else {
        return Ok(0);
    };
    let mut ids = Vec::with_capacity(uses.len());
    let mut used = Vec::with_capacity(uses.len());
    let mut expires = Vec::with_capacity(uses.len());
    for (id, (last_used, expiry)) in uses {
        ids.push(id.to_string());
        used.push(naive(last_used));
        expires.push(expiry.map(naive));
    }
    conn.transaction(|conn| {
        diesel::sql_query(LOCK_WAIT).execute(conn)?;
        diesel::sql_query("SELECT id FROM auth_tokens WHERE id = ANY($1) ORDER BY id FOR UPDATE")
            .bind::<Array<Text>, _>(&ids)
            .execute(conn)?;
        diesel::sql_query(
            "UPDATE auth_tokens AS t SET last_used = u.last_used, expires = u.expires \
             FROM unnest($1, $2, $3) AS u(id, last_used, expires) \
             WHERE t.id = u.id AND (t.last_used IS NULL OR t.last_used < u.last_used)",
        )
        .bind::<Array<Text>, _>(&ids)
        .bind::<Array<SqlTimestamp>, _>(used)
        .bind::<Array<Nullable<SqlTimestamp>>, _>(expires)
        .execute(conn)
    })
}

/// Stops the writer's thread when dropped (with the last database clone).
#[derive(Debug)]
pub(crate) struct Writing {
    stopped: Arc<AtomicBool>,
}

impl Writing {
    /// Calls `flush` every [`EVERY`] on a thread of its own until dropped,
    /// and once more then.
    pub(crate) fn start(flush: impl Fn() + Send + 'static) -> std::io::Result<Self> {
        let stopped = Arc::new(AtomicBool::new(false));
        let stop = stopped.clone();
        std::thread::Builder::new()
            .name("tokenauth-uses".to_owned())
            .spawn(move || {
                while !stop.load(Ordering::Acquire) {
                    std::thread::sleep(EVERY);
                    flush();
                }
            })?;
        Ok(Self { stopped })
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::Release);
    }
}
