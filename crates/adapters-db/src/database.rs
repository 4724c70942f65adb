use std::sync::Arc;
use std::time::Duration;

use diesel::QueryResult;
use secrecy::{ExposeSecret, SecretString};
use tokenauth_application::RepositoryError;
use tokenauth_domain::{Timestamp, TokenId};

use crate::connection::write_transaction;
use crate::error::from_diesel;
use crate::manager::{ConnectionManager, DatabaseUrl};
use crate::outage::Outage;
use crate::pending_uses::{PendingUses, Writing, write_uses};
use crate::postgres_tls::PgConnector;
use crate::security_events::WebhookSelection;
use crate::token_notices::{Listening, TokenNotices};
use crate::verified_tokens::VerifiedTokens;
use crate::worker_connections::{WorkerConnections, async_connector};
use crate::{Backend, DbConnection, migrations};

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// `postgres://…` or `sqlite://<path>`; it may hold a password, so it
    /// never shows in `Debug`.
    pub url: SecretString,
    /// The most connections the pool holds. On PostgreSQL the request
    /// path's async connections are a second pool, split across the workers.
    pub pool_size: u32,
    /// The server's workers, each of which keeps its own async connections.
    pub workers: usize,
    /// How long a request waits for a connection before it gets 503.
    pub connect_timeout: Duration,
}

/// Why the database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The URL is not one tokenauth can use.
    #[error("{0}")]
    InvalidUrl(String),
    /// The driver could not connect; its own message follows.
    #[error("cannot connect to {url:?}: {message}")]
    Connect {
        /// The URL, with any password hidden.
        url: DatabaseUrl,
        /// The driver's message (libpq's or SQLite's).
        message: String,
    },
    /// A migration failed.
    #[error("migrations failed: {0}")]
    Migrate(String),
}

type Pool = r2d2::Pool<ConnectionManager>;
type Pooled = r2d2::PooledConnection<ConnectionManager>;

/// The connection pool of one database, cheap to clone.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    backend: Backend,
    outage: Arc<Outage>,
    /// PostgreSQL's request path, when its URL suits the async client.
    worker_connections: Option<Arc<WorkerConnections>>,
    /// Which recorded events get a webhook delivery.
    webhooks: Arc<WebhookSelection>,
    /// The verified tokens this process keeps (PostgreSQL, when asked).
    verified: Option<Arc<VerifiedTokens>>,
    /// The listener that keeps them true; stops with the last clone.
    listening: Option<Arc<Listening>>,
    /// Token uses gathered for one write a second (with kept tokens).
    uses: Option<Arc<PendingUses>>,
    /// The thread that writes them; stops with the last clone.
    writing: Option<Arc<Writing>>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Connects once (so a bad URL reports the driver's real error at once),
    /// applies pending migrations, then builds the pool.
    pub fn open(settings: &DatabaseSettings) -> Result<Self, DatabaseError> {
        let url =
            DatabaseUrl::parse(settings.url.expose_secret()).map_err(DatabaseError::InvalidUrl)?;
        let manager = ConnectionManager::new(url.clone());
        let mut first = manager.open().map_err(|error| DatabaseError::Connect {
            url: url.clone(),
            message: error.0,
        })?;
        let applied = migrations::run_pending(&mut first).map_err(DatabaseError::Migrate)?;
        if !applied.is_empty() {
            tracing::info!(?applied, "applied migrations");
        }
        let pool = r2d2::Pool::builder()
            .max_size(settings.pool_size.max(1))
            // Connections open on demand. Idle-filling opens them on r2d2's own
            // threads at any time, and a process that exits while libpq is
            // connecting on one of them can crash in libpq's exit handlers.
            .min_idle(Some(0))
            .connection_timeout(settings.connect_timeout)
            .test_on_check_out(false)
            .build_unchecked(manager);
        let outage = Arc::<Outage>::default();
        let worker_connections = match url.backend() {
            Backend::Postgres => match async_connector(url.as_str())
                .and_then(|connector| accepted_tls(connector, settings.connect_timeout))
            {
                Ok(connector) => Some(Arc::new(WorkerConnections::new(
                    connector,
                    settings.pool_size,
                    settings.workers,
                    settings.connect_timeout,
                    outage.clone(),
                ))),
                Err(reason) => {
                    tracing::info!(
                        %reason,
                        "the request path reads through libpq on the blocking threads"
                    );
                    None
                }
            },
            Backend::Sqlite => None,
        };
        Ok(Self {
            pool,
            backend: url.backend(),
            outage,
            worker_connections,
            webhooks: Arc::default(),
            verified: None,
            listening: None,
            uses: None,
            writing: None,
        })
    }

    /// Keeps up to `entries` verified tokens in this process (see
    /// [`VerifiedTokens`]), on PostgreSQL through the async client, which
    /// listens for the database's notices of changed tokens. Elsewhere (or
    /// with 0) every lookup reads the database: SQLite's reads are in the
    /// process already.
    pub fn with_verified_tokens(mut self, entries: u64, url: &SecretString) -> Self {
        if entries == 0 || self.worker_connections.is_none() {
            return self;
        }
        let Ok(connector) = async_connector(url.expose_secret()) else {
            return self;
        };
        let cache = Arc::new(VerifiedTokens::new(entries));
        let listening = match TokenNotices::start(connector, cache.clone()) {
            Ok(listening) => listening,
            Err(error) => {
                tracing::warn!(%error, "no listener for token changes: every lookup reads the database");
                return self;
            }
        };
        self.verified = Some(cache);
        self.listening = Some(Arc::new(listening));
        // The writer's own handle holds neither the listener nor itself,
        // so both stop with the last clone handed out.
        let uses = Arc::<PendingUses>::default();
        let writer = Database {
            uses: Some(uses.clone()),
            listening: None,
            writing: None,
            ..self.clone()
        };
        if let Ok(writing) = Writing::start(move || writer.write_pending_uses()) {
            self.uses = Some(uses);
            self.writing = Some(Arc::new(writing));
        }
        self
    }

    /// Notes a token's use for the next gathered write; `false` when uses
    /// are written one by one here (the caller writes it).
    pub(crate) fn gather_use(
        &self,
        id: TokenId,
        last_used: Timestamp,
        expires: Option<Timestamp>,
    ) -> bool {
        match &self.uses {
            Some(uses) => {
                uses.add(id, last_used, expires);
                true
            }
            None => false,
        }
    }

    /// Writes the gathered uses now, in one statement: before a read that
    /// shows them (a user's token list) or a deletion by expiry. A failed
    /// write loses them (the next use slides again).
    pub(crate) fn write_pending_uses(&self) {
        let Some(uses) = &self.uses else {
            return;
        };
        let pending = uses.take();
        if pending.is_empty() {
            return;
        }
        if let Err(error) = self.run(|conn| write_uses(conn, pending)) {
            tracing::warn!(%error, "could not record token uses");
        }
    }

    /// The verified tokens this process keeps, if it keeps any.
    pub(crate) fn verified_tokens(&self) -> Option<&VerifiedTokens> {
        self.verified.as_deref()
    }

    /// The same database, queueing a webhook delivery beside every recorded
    /// event that `selection` selects.
    pub fn with_webhooks(mut self, selection: WebhookSelection) -> Self {
        self.webhooks = Arc::new(selection);
        self
    }

    /// Which recorded events get a webhook delivery.
    pub(crate) fn webhooks(&self) -> &WebhookSelection {
        &self.webhooks
    }

    /// Applies pending migrations and returns their names (for `tokenauth migrate`).
    pub fn migrate(settings: &DatabaseSettings) -> Result<Vec<String>, DatabaseError> {
        let url =
            DatabaseUrl::parse(settings.url.expose_secret()).map_err(DatabaseError::InvalidUrl)?;
        let mut conn = ConnectionManager::new(url.clone())
            .open()
            .map_err(|error| DatabaseError::Connect {
                url,
                message: error.0,
            })?;
        migrations::run_pending(&mut conn).map_err(DatabaseError::Migrate)
    }

    /// The backend this pool talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether protected requests' lookups are async queries awaited on the
    /// worker (PostgreSQL with a URL the async client can use), rather than
    /// queries on the blocking threads.
    pub fn awaits_lookups_on_workers(&self) -> bool {
        self.worker_connections.is_some()
    }

    /// The request path's async connections (PostgreSQL with a URL they can use).
    pub(crate) fn worker_connections(&self) -> Option<&WorkerConnections> {
        self.worker_connections.as_deref()
    }

    /// [`Database::run`] on a blocking thread, awaited: for callers on an
    /// async worker (the request path's token reads and writes).
    ///
    /// Only the database work's span (made where traces want it) goes
    /// along, not the caller's: nothing on this path logs (a failure comes
    /// back as an error, which the HTTP edge logs in the request's span).
    pub(crate) async fn run_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
    ) -> Result<T, RepositoryError> {
        let db = self.clone();
        let span = self.span();
        tokio::task::spawn_blocking(move || span.in_scope(|| db.run_unspanned(work)))
            .await
            .unwrap_or_else(|error| Err(RepositoryError::Internal(error.to_string())))
    }

    /// A span for one piece of database work done for a request: a child
    /// of the request's in its trace. At the debug level, so made only for
    /// the span exporter (or `RUST_LOG=debug`); none for the background
    /// work (mail, webhooks, keys), which would otherwise become a trace of
    /// its own a few times a second.
    pub(crate) fn span(&self) -> tracing::Span {
        // The level first: off, it is decided at the call site for good.
        if !tracing::span_enabled!(tracing::Level::DEBUG) || tracing::Span::current().is_none() {
            return tracing::Span::none();
        }
        tracing::debug_span!("db", db.system.name = self.backend().system_name())
    }

    /// Runs `work` on a pooled connection. No connection free within the
    /// connect timeout is `Unavailable`; a connection whose query failed for
    /// want of the database is dropped from the pool, not reused. While an
    /// outage is suspected, see [`Outage`].
    pub(crate) fn run<T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
    ) -> Result<T, RepositoryError> {
        self.span().in_scope(|| self.run_unspanned(work))
    }

    /// [`Database::run`] for work that may change tokens or users: what it
    /// changed is heard by this process before it returns, so a logout's
    /// next request here is refused (other processes hear it within
    /// 100 ms). Work that changes neither need not wait.
    pub(crate) fn run_writing<T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
    ) -> Result<T, RepositoryError> {
        let Some(listening) = &self.listening else {
            return self.run(work);
        };
        self.run(|conn| {
            let done = work(conn);
            if let DbConnection::Postgresql(conn) = conn {
                listening.notices.fence(conn);
            }
            done
        })
    }

    fn run_unspanned<T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
    ) -> Result<T, RepositoryError> {
        let mut pooled = self.checkout()?;
        let result = work(&mut pooled.conn).map_err(from_diesel);
        match &result {
            // Lost, or busy (SQLite's lock): dropped, but not yet an outage;
            // if the database is gone, the next checkout times out and says so.
            Err(RepositoryError::Unavailable(_)) => pooled.broken = true,
            _ => self.outage.clear(),
        }
        result
    }

    fn checkout(&self) -> Result<Pooled, RepositoryError> {
        if self.outage.is_suspected()
            && let Some(idle) = self.pool.try_get()
        {
            return Ok(idle);
        }
        let _probe = self.outage.admit()?;
        self.wait_for_connection()
    }

    fn wait_for_connection(&self) -> Result<Pooled, RepositoryError> {
        self.pool.get().map_err(|error| {
            self.outage.suspect();
            RepositoryError::Unavailable(error.to_string())
        })
    }

    /// [`Database::run`] inside a write transaction (see [`write_transaction`]).
    pub(crate) fn write<T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
    ) -> Result<T, RepositoryError> {
        self.run_writing(|conn| write_transaction(conn, work))
    }

    /// Ok when the database answers a trivial query now.
    pub fn ping(&self) -> Result<(), RepositoryError> {
        use diesel::r2d2::R2D2Connection;
        self.run(|conn| conn.ping())
    }

    /// Runs `work` on a pooled connection (for code outside the repositories,
    /// such as test setup).
    pub fn with_connection<T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
    ) -> Result<T, RepositoryError> {
        self.write_pending_uses();
        self.run_writing(work)
    }
}

impl tokenauth_application::DatabaseHealth for Database {
    fn ping(&self) -> Result<(), RepositoryError> {
        Database::ping(self)
    }

    fn pool_state(&self) -> tokenauth_application::PoolState {
        let state = self.pool.state();
        let blocking = tokenauth_application::PoolState {
            connections: state.connections,
            idle: state.idle_connections,
            max: self.pool.max_size(),
        };
        match &self.worker_connections {
            Some(connections) => {
                let workers = connections.state();
                tokenauth_application::PoolState {
                    connections: blocking.connections + workers.connections,
                    idle: blocking.idle + workers.idle,
                    max: blocking.max + workers.max,
                }
            }
            None => blocking,
        }
    }
}

/// `connector`, unless the server's TLS is one rustls refuses where libpq
/// (OpenSSL) accepts it: then the reason, and libpq keeps the request path,
/// so a URL that works with libpq keeps working. Judged once at start, on a
/// thread of its own, as the caller may or may not be inside a runtime.
fn accepted_tls(connector: PgConnector, timeout: Duration) -> Result<PgConnector, String> {
    let refused = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                runtime
                    .block_on(async {
                        tokio::time::timeout(timeout, connector.refused_tls()).await
                    })
                    .ok()
                    .flatten()
            })
            .join()
            .ok()
            .flatten()
    });
    match refused {
        Some(reason) => Err(format!("the async client's TLS was refused: {reason}")),
        None => Ok(connector),
    }
}
