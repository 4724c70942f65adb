//! PostgreSQL for the request path: a few async connections per worker,
//! shared by its requests, which pipeline their queries on them.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::ThreadId;
use std::time::Duration;

use diesel_async::AsyncPgConnection;
use tokenauth_application::{PoolState, RepositoryError};

use crate::outage::Outage;
use crate::postgres_tls::PgConnector;

/// The request path's connections: a few per worker thread, each shared by
/// every request of that worker at once.
///
/// Written here rather than taken from a pool crate because of two things
/// the hot path needs and pools do not give. An async connection is driven
/// by a task on the runtime that opened it, so a connection opened by one
/// actix worker and used by another would hand every query across threads
/// twice; each worker therefore opens and uses its own. And a pool lends a
/// connection to one request at a time, where PostgreSQL's protocol lets
/// many requests' queries travel together on one socket (diesel-async
/// pipelines queries made through a shared `&AsyncPgConnection`): fewer
/// sends, fewer wake-ups of the server, as many queries in flight as there
/// are requests.
pub(crate) struct WorkerConnections {
    connector: PgConnector,
    per_worker: usize,
    workers: u32,
    connect_timeout: Duration,
    lanes: Mutex<HashMap<ThreadId, Arc<Lanes>>>,
    outage: Arc<Outage>,
}

impl std::fmt::Debug for WorkerConnections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerConnections")
            .field("per_worker", &self.per_worker)
            .finish_non_exhaustive()
    }
}

/// Connections per worker at most. Each is one PostgreSQL backend running
/// its queries in order, and every query of the worker's requests travels
/// on one of them; fewer connections carry more queries per send and wake
/// the server less. Measured with `make bench` on 2 cores, /api/me at 32
/// connections: the rate against bench/floor fell with every connection
/// added per worker beyond two (BENCHMARKS.md has the figures).
const MOST_PER_WORKER: u32 = 2;

/// One worker's connections, taken in turn.
struct Lanes {
    lanes: Box<[Lane]>,
    next: AtomicUsize,
}

/// A connection slot: empty until first used, and again after its
/// connection is seen to fail, so the next request opens a new one.
#[derive(Default)]
struct Lane {
    open: tokio::sync::Mutex<Option<Open>>,
    in_flight: AtomicU32,
}

#[derive(Clone)]
struct Open {
    conn: Arc<AsyncPgConnection>,
    /// Set when the task driving the socket ends: the server closed it.
    closed: Arc<AtomicBool>,
}

/// A request's use of a shared connection; ends when dropped.
pub(crate) struct Lease {
    open: Open,
    lanes: Arc<Lanes>,
    index: usize,
}

impl Deref for Lease {
    type Target = AsyncPgConnection;

    fn deref(&self) -> &AsyncPgConnection {
        &self.open.conn
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.lanes.lanes[self.index]
            .in_flight
            .fetch_sub(1, Ordering::Relaxed);
    }
}

impl WorkerConnections {
    /// Connections through `connector` (see [`async_connector`]): `connections`
    /// in all split across `workers`, at least one and at most
    /// [`MOST_PER_WORKER`] each, opened on first use.
    pub(crate) fn new(
        connector: PgConnector,
        connections: u32,
        workers: usize,
        connect_timeout: Duration,
        outage: Arc<Outage>,
    ) -> Self {
        let workers = u32::try_from(workers.max(1)).unwrap_or(u32::MAX);
        Self {
            connector,
            per_worker: usize::try_from(connections.div_ceil(workers).clamp(1, MOST_PER_WORKER))
                .unwrap_or(1),
            workers,
            connect_timeout,
            lanes: Mutex::default(),
            outage,
        }
    }

    /// A connection of this worker, opened if its slot is empty, under the
    /// blocking pool's outage rule: while an outage is suspected, a request
    /// that would have to open one answers at once unless it is the probe.
    pub(crate) async fn checkout(&self) -> Result<Lease, RepositoryError> {
        let lanes = self.of_this_thread();
        let index = lanes.next.fetch_add(1, Ordering::Relaxed) % lanes.lanes.len();
        let lane = &lanes.lanes[index];
        let open = {
            let mut slot = lane.open.lock().await;
            match slot.as_ref() {
                Some(open) if !open.closed.load(Ordering::Acquire) => open.clone(),
                _ => {
                    *slot = None;
                    let open = self.open().await?;
                    *slot = Some(open.clone());
                    open
                }
            }
        };
        lane.in_flight.fetch_add(1, Ordering::Relaxed);
        Ok(Lease { open, lanes, index })
    }

    async fn open(&self) -> Result<Open, RepositoryError> {
        let _probe = self.outage.admit()?;
        let opened = tokio::time::timeout(self.connect_timeout, self.connect())
            .await
            .unwrap_or_else(|_| Err("timed out connecting to the database".into()));
        match opened {
            Ok(open) => {
                self.outage.clear();
                Ok(open)
            }
            Err(message) => {
                self.outage.suspect();
                Err(RepositoryError::Unavailable(message))
            }
        }
    }

    async fn connect(&self) -> Result<Open, String> {
        let (client, connection) = self.connector.connect().await?;
        let closed = Arc::new(AtomicBool::new(false));
        let ended = closed.clone();
        // On this worker's runtime: the socket is read and written by the
        // thread whose requests use it.
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::warn!(%error, "a request-path database connection failed");
            }
            ended.store(true, Ordering::Release);
        });
        // These connections write only a token's sliding expiry, which may be
        // lost in a crash (the next use slides it again). Without waiting for
        // the WAL flush of that commit, the lookups pipelined behind it on the
        // same connection do not wait for the disk either.
        client
            .batch_execute("SET synchronous_commit TO off")
            .await
            .map_err(|error| error.to_string())?;
        let conn = AsyncPgConnection::try_from(client)
            .await
            .map_err(|error| error.to_string())?;
        Ok(Open {
            conn: Arc::new(conn),
            closed,
        })
    }

    /// Ends a suspected outage on success; on a failure for want of the
    /// database, empties the lease's slot so the next request reconnects.
    pub(crate) async fn settle<T>(&self, lease: Lease, result: &Result<T, RepositoryError>) {
        if !matches!(result, Err(RepositoryError::Unavailable(_))) {
            self.outage.clear();
            return;
        }
        let mut slot = lease.lanes.lanes[lease.index].open.lock().await;
        if slot
            .as_ref()
            .is_some_and(|open| Arc::ptr_eq(&open.conn, &lease.open.conn))
        {
            *slot = None;
        }
    }

    fn of_this_thread(&self) -> Arc<Lanes> {
        let thread = std::thread::current().id();
        let mut lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
        lanes
            .entry(thread)
            .or_insert_with(|| {
                Arc::new(Lanes {
                    lanes: (0..self.per_worker).map(|_| Lane::default()).collect(),
                    next: AtomicUsize::new(0),
                })
            })
            .clone()
    }

    /// Connections open across the workers, those with no query in flight,
    /// and the most the workers may open together.
    pub(crate) fn state(&self) -> PoolState {
        let lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
        let mut state = PoolState {
            connections: 0,
            idle: 0,
            max: u32::try_from(self.per_worker)
                .unwrap_or(u32::MAX)
                .saturating_mul(self.workers),
        };
        for lane in lanes.values().flat_map(|worker| worker.lanes.iter()) {
            // A lane being opened holds its lock: it is not open yet.
            let open = lane.open.try_lock().is_ok_and(|slot| {
                slot.as_ref()
                    .is_some_and(|o| !o.closed.load(Ordering::Acquire))
            });
            if open {
                state.connections += 1;
                if lane.in_flight.load(Ordering::Relaxed) == 0 {
                    state.idle += 1;
                }
            }
        }
        state
    }
}

/// libpq options that change nothing for the async client: it never
/// negotiates GSSAPI encryption, which is what `gssencmode=disable` asks.
const IGNORED_OPTIONS: [&str; 1] = ["gssencmode"];

/// The options the async client (tokio-postgres, with `sslrootcert` read by
/// [`PgConnector`]) understands.
const KNOWN_OPTIONS: [&str; 20] = [
    "user",
    "password",
    "dbname",
    "options",
    "application_name",
    "sslmode",
    "sslrootcert",
    "sslnegotiation",
    "host",
    "hostaddr",
    "port",
    "connect_timeout",
    "tcp_user_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_retries",
    "target_session_attrs",
    "channel_binding",
    "load_balance_hosts",
];

/// How the async client connects for a `postgres://` URL, with TLS as
/// libpq would use it, or why the request path must keep libpq (on the
/// blocking pool) for it: an option only libpq knows (a client certificate,
/// a CRL), or hosts the async client cannot treat as libpq does.
pub(crate) fn async_connector(url: &str) -> Result<PgConnector, String> {
    let mut parsed = url::Url::parse(url).map_err(|error| error.to_string())?;
    for (key, _) in parsed.query_pairs() {
        if !IGNORED_OPTIONS.contains(&key.as_ref()) && !KNOWN_OPTIONS.contains(&key.as_ref()) {
            return Err(format!("the async client does not know the option {key}"));
        }
    }
    // The kept options as they were written: re-encoding them would turn a
    // space into `+`, which the async client reads as a plus sign.
    let raw: Vec<&str> = parsed
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|option| {
            let key = option.split('=').next().unwrap_or_default();
            !option.is_empty() && !IGNORED_OPTIONS.contains(&key)
        })
        .collect();
    let query = raw.join("&");
    parsed.set_query((!query.is_empty()).then_some(query.as_str()));
    PgConnector::from_url(parsed.as_str())
}

#[cfg(test)]
mod tests {
    use super::async_connector;

    #[test]
    fn a_loopback_url_is_taken() {
        assert!(async_connector("postgres://postgres@127.0.0.1:5432/app").is_ok());
        assert!(async_connector("postgres://u:p@localhost/app").is_ok());
        assert!(async_connector("postgres://u@[::1]:5432/app").is_ok());
    }

    #[test]
    fn gssencmode_is_dropped() {
        assert!(
            async_connector("postgres://postgres@127.0.0.1/app?sslmode=disable&gssencmode=disable")
                .is_ok()
        );
    }

    #[test]
    fn tls_urls_are_taken() {
        for url in [
            "postgres://u@db.example/app?sslmode=require",
            "postgres://u@db.example/app",
            "postgres://u@db.example/app?sslmode=disable",
        ] {
            assert!(async_connector(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn options_only_libpq_knows_keep_libpq() {
        let reason = async_connector("postgres://u@127.0.0.1/app?sslcert=/client.pem").unwrap_err();
        assert!(reason.contains("sslcert"), "{reason}");
    }

    #[test]
    fn socket_hosts_are_taken_without_tls() {
        assert!(async_connector("postgres://u@%2Fvar%2Frun%2Fpostgresql/app").is_ok());
        assert!(async_connector("postgres:///app?host=/var/run/postgresql").is_ok());
        assert!(async_connector("postgres:///app?sslmode=disable").is_err());
    }
}
