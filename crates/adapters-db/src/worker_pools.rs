//! PostgreSQL for the request path: async connections, a pool per worker.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::ThreadId;
use std::time::Duration;

use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::bb8::{Pool, PooledConnection, RunError};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use tokenauth_application::{PoolState, RepositoryError};

use crate::outage::Outage;

/// One pool of async connections per worker thread.
///
/// An async connection is driven by a task on the runtime that opened it. A
/// connection opened by one actix worker and used by another would hand
/// every query across threads twice, which is the cost this path exists to
/// avoid; so each worker opens and uses its own connections, and a request
/// only ever touches the pool of the thread it runs on.
pub(crate) struct WorkerPools {
    url: String,
    per_worker: u32,
    workers: u32,
    connect_timeout: Duration,
    pools: Mutex<HashMap<ThreadId, Pool<AsyncPgConnection>>>,
    outage: Arc<Outage>,
}

impl std::fmt::Debug for WorkerPools {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerPools")
            .field("per_worker", &self.per_worker)
            .finish_non_exhaustive()
    }
}

/// A connection checked out of the calling worker's pool.
pub(crate) type AsyncConnection = PooledConnection<'static, AsyncPgConnection>;

impl WorkerPools {
    /// Pools for `url` (already accepted by [`async_url`]) that together
    /// hold at most `connections` (rounded up to a multiple of `workers`),
    /// opened on first use.
    pub(crate) fn new(
        url: String,
        connections: u32,
        workers: usize,
        connect_timeout: Duration,
        outage: Arc<Outage>,
    ) -> Self {
        let workers = u32::try_from(workers.max(1)).unwrap_or(u32::MAX);
        Self {
            url,
            per_worker: connections.div_ceil(workers).max(1),
            workers,
            connect_timeout,
            pools: Mutex::default(),
            outage,
        }
    }

    /// A connection of this worker's pool, under the same outage rule as
    /// the blocking pool: while an outage is suspected, a request that finds
    /// no idle connection answers at once unless it is the one probe.
    pub(crate) async fn checkout(&self) -> Result<AsyncConnection, RepositoryError> {
        let pool = self.of_this_thread();
        if self.outage.is_suspected() && pool.state().idle_connections == 0 {
            let Some(_probe) = self.outage.probe() else {
                return Err(RepositoryError::Unavailable(
                    "the database did not answer; another request is trying it again".into(),
                ));
            };
            return self.wait(&pool).await;
        }
        self.wait(&pool).await
    }

    async fn wait(
        &self,
        pool: &Pool<AsyncPgConnection>,
    ) -> Result<AsyncConnection, RepositoryError> {
        pool.get_owned().await.map_err(|error| {
            self.outage.suspect();
            RepositoryError::Unavailable(match error {
                RunError::User(error) => error.to_string(),
                RunError::TimedOut => "timed out waiting for a database connection".into(),
            })
        })
    }

    /// Whether a query's outcome ends a suspected outage.
    pub(crate) fn settle<T>(&self, result: &Result<T, RepositoryError>) {
        if !matches!(result, Err(RepositoryError::Unavailable(_))) {
            self.outage.clear();
        }
    }

    fn of_this_thread(&self) -> Pool<AsyncPgConnection> {
        let thread = std::thread::current().id();
        let mut pools = self.pools.lock().unwrap_or_else(PoisonError::into_inner);
        pools
            .entry(thread)
            .or_insert_with(|| {
                let mut config = ManagerConfig::default();
                // A dead connection is seen as closed and dropped on return;
                // a test query per checkout would double the round trips.
                config.recycling_method = RecyclingMethod::Fast;
                let manager =
                    AsyncDieselConnectionManager::new_with_config(self.url.clone(), config);
                Pool::builder()
                    .max_size(self.per_worker)
                    .min_idle(None)
                    .test_on_check_out(false)
                    .connection_timeout(self.connect_timeout)
                    .build_unchecked(manager)
            })
            .clone()
    }

    /// Connections open and idle across the workers' pools, and the most
    /// they may hold together.
    pub(crate) fn state(&self) -> PoolState {
        let pools = self.pools.lock().unwrap_or_else(PoisonError::into_inner);
        let empty = PoolState {
            connections: 0,
            idle: 0,
            max: self.per_worker.saturating_mul(self.workers),
        };
        pools.values().fold(empty, |sum, pool| {
            let state = pool.state();
            PoolState {
                connections: sum.connections + state.connections,
                idle: sum.idle + state.idle_connections,
                ..sum
            }
        })
    }
}

/// libpq options that change nothing for the async client: it never
/// negotiates GSSAPI encryption, which is what `gssencmode=disable` asks.
const IGNORED_OPTIONS: [&str; 1] = ["gssencmode"];

/// The options the async client (tokio-postgres) understands.
const KNOWN_OPTIONS: [&str; 19] = [
    "user",
    "password",
    "dbname",
    "options",
    "application_name",
    "sslmode",
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

/// The URL the async client can use for a `postgres://` URL, or why the
/// request path must keep libpq (on the blocking pool) for it.
///
/// The async client speaks no TLS here, so it takes only URLs on which libpq
/// would not use TLS either: `sslmode=disable`, or a loopback or socket host.
/// Anything else keeps libpq's behaviour exactly, at libpq's speed.
pub(crate) fn async_url(url: &str) -> Result<String, String> {
    let mut parsed = url::Url::parse(url).map_err(|error| error.to_string())?;
    let mut kept = Vec::new();
    let mut sslmode = None;
    let mut host_option = None;
    for (key, value) in parsed.query_pairs() {
        if IGNORED_OPTIONS.contains(&key.as_ref()) {
            continue;
        }
        if !KNOWN_OPTIONS.contains(&key.as_ref()) {
            return Err(format!("the async client does not know the option {key}"));
        }
        match key.as_ref() {
            "sslmode" => sslmode = Some(value.to_string()),
            "host" | "hostaddr" => host_option = Some(value.to_string()),
            _ => {}
        }
        kept.push((key.into_owned(), value.into_owned()));
    }
    let host = host_option.or_else(|| parsed.host_str().map(str::to_owned));
    let Some(host) = host.filter(|host| !host.is_empty()) else {
        return Err("the URL names no host (libpq's default socket)".into());
    };
    match sslmode.as_deref() {
        Some("disable") => {}
        None | Some("prefer" | "allow") if is_local(&host) => {}
        None | Some("prefer" | "allow") => {
            return Err(format!(
                "{host} may offer TLS, which libpq would use; set sslmode=disable to use the async client"
            ));
        }
        Some(mode) => return Err(format!("sslmode={mode} needs TLS")),
    }
    parsed.set_query(None);
    if !kept.is_empty() {
        parsed.query_pairs_mut().extend_pairs(kept);
    }
    Ok(parsed.into())
}

fn is_local(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare == "localhost"
        || host.starts_with('/')
        || host
            .get(..3)
            .is_some_and(|start| start.eq_ignore_ascii_case("%2F"))
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::async_url;

    #[test]
    fn a_loopback_url_is_used_as_it_is() {
        assert_eq!(
            async_url("postgres://postgres@127.0.0.1:5432/app").unwrap(),
            "postgres://postgres@127.0.0.1:5432/app"
        );
        assert!(async_url("postgres://u:p@localhost/app").is_ok());
        assert!(async_url("postgres://u@[::1]:5432/app").is_ok());
    }

    #[test]
    fn gssencmode_is_dropped_and_other_options_kept() {
        assert_eq!(
            async_url("postgres://postgres@127.0.0.1/app?sslmode=disable&gssencmode=disable")
                .unwrap(),
            "postgres://postgres@127.0.0.1/app?sslmode=disable"
        );
    }

    #[test]
    fn tls_keeps_libpq() {
        assert!(async_url("postgres://u@db.example/app?sslmode=require").is_err());
        assert!(async_url("postgres://u@127.0.0.1/app?sslmode=verify-full").is_err());
        assert!(async_url("postgres://u@db.example/app").is_err());
        assert!(async_url("postgres://u@db.example/app?sslmode=disable").is_ok());
    }

    #[test]
    fn options_only_libpq_knows_keep_libpq() {
        let reason = async_url("postgres://u@127.0.0.1/app?sslrootcert=/ca.pem").unwrap_err();
        assert!(reason.contains("sslrootcert"), "{reason}");
    }

    #[test]
    fn socket_hosts_are_local() {
        assert!(async_url("postgres://u@%2Fvar%2Frun%2Fpostgresql/app").is_ok());
        assert!(async_url("postgres:///app?host=/var/run/postgresql").is_ok());
        assert!(async_url("postgres:///app").is_err());
    }
}
