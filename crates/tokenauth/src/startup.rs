//! Opening the database and starting the HTTP server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::web::Data;
use actix_web::{App, HttpServer};
use tokenauth_adapters_db::{Database, DatabaseError};
use tokenauth_adapters_http::{
    AppState, BodyLimit, Cors, Features, HashingThreads, InFlight, MailMetrics, Metrics,
    SharedThrottleStore, Traces, access_log, browsable_api, configure, cors, count_in_flight,
    request_id,
};
use tokenauth_adapters_redis::{InvalidRedisUrl, RedisThrottleStore};
use tokenauth_adapters_webauthn::RelyingPartyConfigError;
use tokenauth_adapters_webhooks::WebhookConfigError;
use tokenauth_application::{
    AccountMail, DeliverMail, DeliverWebhooks, DeliveryOutcome, EventLog, PruneMail, PruneTokens,
    PrunedMail, RepositoryError, SigningKeyError, SigningKeys,
};

use secrecy::ExposeSecret;

use crate::{Settings, wiring};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// The shared throttle store's URL is unusable.
    #[error(transparent)]
    ThrottleStore(#[from] InvalidRedisUrl),
    /// The mail backend's settings are unusable.
    #[error(transparent)]
    Mail(#[from] wiring::MailConfigError),
    /// The webhook settings are unusable.
    #[error(transparent)]
    Webhooks(#[from] WebhookConfigError),
    /// The WebAuthn relying party id does not fit `auth.public_url`.
    #[error("auth.webauthn_rp_id: {0}")]
    Passkeys(#[from] RelyingPartyConfigError),
    /// JWTs are on and no signing key could be read or made.
    #[error("cannot read or make the JWT signing key: {0}")]
    SigningKey(#[from] SigningKeyError),
    /// The hashing threads could not be started.
    #[error("cannot start the hashing threads: {0}")]
    Threads(std::io::Error),
    /// The listen address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// host:port.
        address: String,
        /// The system's reason.
        source: std::io::Error,
    },
}

/// A server bound to its port, ready to be run.
pub struct Application {
    port: u16,
    server: Server,
    database: Database,
    prune: PruneTokens,
    prune_mail: Arc<PruneMail>,
    event_log: Arc<EventLog>,
    prune_interval: Option<Duration>,
    mail: Arc<MailWork>,
    /// When `webhooks.url` is set.
    webhooks: Option<Arc<DeliverWebhooks>>,
    /// When JWTs are signed.
    signing_keys: Option<Arc<SigningKeys>>,
    mail_metrics: MailMetrics,
    in_flight: InFlight,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Opens the database (applying pending migrations), binds the listen
    /// address and builds the server. Nothing is served until [`Application::run`].
    pub fn build(settings: &Settings) -> Result<Self, StartupError> {
        let database = wiring::open_serving_database(settings)?;
        let address = format!("{}:{}", settings.server.host, settings.server.port);
        let bind_error = |source| StartupError::Bind {
            address: address.clone(),
            source,
        };
        let listener = TcpListener::bind(&address).map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();
        let hashing = HashingThreads::per_core().map_err(StartupError::Threads)?;
        let metrics = Metrics::new();
        let mail = Arc::new(MailWork {
            requests: wiring::account_mail(settings, &database),
            delivery: wiring::deliver_mail(settings, &database)?,
        });
        let webhooks = wiring::deliver_webhooks(settings, &database)?.map(Arc::new);
        let mail_metrics = metrics.mail();
        let mut throttles = settings.throttles();
        let redis_url = settings.throttle.redis_url.expose_secret();
        if !redis_url.is_empty() {
            let store = RedisThrottleStore::new(redis_url)?;
            throttles = throttles.sharing(SharedThrottleStore::new(
                Arc::new(store),
                SharedThrottleStore::DEFAULT_TIMEOUT,
                metrics.throttle_store_errors(),
            ));
        }
        // Made (or read) before serving, so the first verify can sign.
        let signing_keys = if wiring::signs_jwts(settings) {
            let keys = wiring::signing_keys(settings, &database);
            keys.refresh()?;
            Some(Arc::new(keys))
        } else {
            None
        };
        let state = AppState {
            services: Data::new(wiring::services(
                settings,
                &database,
                hashing,
                signing_keys.clone(),
            )?),
            metrics: Data::new(metrics),
            throttles: Data::new(throttles),
            in_flight: Data::new(InFlight::default()),
            body_limit: BodyLimit(settings.http.max_body_bytes),
            cors: Data::new(Cors::new(settings.http.cors_allowed_origins.clone())),
            features: Features {
                token_pairs: settings.jwt.enabled,
            },
            traces: (!settings.telemetry.otlp_endpoint.is_empty())
                .then(|| Data::new(Traces::default())),
        };
        let draining = state.in_flight.get_ref().clone();
        let mut server = HttpServer::new(move || {
            // Outermost last: every page and JSON answer carries the request
            // id, is logged and counted, and gets CORS headers.
            App::new()
                .wrap(from_fn(browsable_api))
                .wrap(from_fn(cors))
                .wrap(from_fn(access_log))
                .wrap(from_fn(count_in_flight))
                .wrap(from_fn(request_id))
                .configure(configure(state.clone()))
        })
        // Our own handler stops gracefully on SIGINT as well as SIGTERM.
        .disable_signals()
        .shutdown_timeout(30)
        .listen(listener)
        .map_err(bind_error)?;
        server = server
            .workers(settings.workers())
            .worker_max_blocking_threads(settings.blocking_threads_per_worker());
        let prune_interval = Some(settings.auth.prune_interval_seconds)
            .filter(|seconds| *seconds > 0)
            .map(Duration::from_secs);
        Ok(Self {
            port,
            server: server.run(),
            prune: wiring::prune_tokens(&database),
            prune_mail: Arc::new(wiring::prune_mail(&database)),
            event_log: Arc::new(wiring::event_log(settings, &database)),
            database,
            prune_interval,
            mail,
            webhooks,
            signing_keys,
            mail_metrics,
            in_flight: draining,
        })
    }

    /// The port bound (useful when the settings asked for 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The database the server uses.
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// Serves until SIGINT or SIGTERM; then stops accepting connections,
    /// lets in-flight requests finish (30 s at most) and returns.
    pub async fn run(self) -> std::io::Result<()> {
        tokio::spawn(stop_on_signal(self.server.handle(), self.in_flight));
        if let Some(interval) = self.prune_interval {
            let pruning = Pruning {
                tokens: self.prune,
                mail: self.prune_mail,
                events: self.event_log,
                webhooks: self.webhooks.clone(),
                signing_keys: self.signing_keys.clone(),
            };
            tokio::spawn(prune_periodically(pruning, interval));
        }
        if let Some(webhooks) = self.webhooks {
            tokio::spawn(deliver_webhooks_continually(
                webhooks,
                self.mail_metrics.clone(),
            ));
        }
        if let Some(keys) = self.signing_keys {
            tokio::spawn(refresh_signing_key_continually(keys));
        }
        tokio::spawn(deliver_mail_continually(self.mail, self.mail_metrics));
        self.server.await
    }
}

/// The longest a stopping server waits for requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

async fn stop_on_signal(server: ServerHandle, in_flight: InFlight) {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = terminate => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!(
        in_flight = in_flight.count(),
        "shutting down: no new connections, finishing requests in flight"
    );
    // Stop accepting first, then drain our own count of requests: actix's
    // graceful stop alone can drop a connection whose body is still arriving.
    server.pause().await;
    let deadline = tokio::time::Instant::now() + DRAIN_TIMEOUT;
    while in_flight.count() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.stop(true).await;
}

/// How often each process looks for mail that is due. A queued message
/// waits at most this long; the look is one indexed read.
const MAIL_POLL: Duration = Duration::from_millis(250);

/// Messages taken per look; the rest wait for the next one.
const MAIL_BATCH: u32 = 20;

/// What the mail worker does each round: turn requests into messages, then
/// deliver what is due.
struct MailWork {
    requests: AccountMail,
    delivery: DeliverMail,
}

/// Delivers due webhooks as the mail is delivered, in a loop of its own: a
/// receiver that takes its 10 s to answer holds up no mail.
async fn deliver_webhooks_continually(webhooks: Arc<DeliverWebhooks>, metrics: MailMetrics) {
    let mut ticks = tokio::time::interval(MAIL_POLL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let webhooks = webhooks.clone();
        let round = tokio::task::spawn_blocking(move || webhooks.deliver_due(MAIL_BATCH)).await;
        match round {
            Ok(Ok(pass)) => {
                metrics.webhooks_sent.inc_by(u64::from(pass.sent));
                metrics.webhooks_failures.inc_by(u64::from(pass.failed));
            }
            Ok(Err(error)) => tracing::warn!(%error, "could not read the webhook outbox"),
            Err(error) => tracing::warn!(%error, "webhook delivery failed"),
        }
    }
}

async fn deliver_mail_continually(work: Arc<MailWork>, metrics: MailMetrics) {
    let mut ticks = tokio::time::interval(MAIL_POLL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let work = work.clone();
        let round = tokio::task::spawn_blocking(move || {
            work.requests.process_requests(MAIL_BATCH)?;
            let outcomes = work.delivery.deliver_due(MAIL_BATCH)?;
            Ok::<_, RepositoryError>((outcomes, work.delivery.pending()?))
        })
        .await;
        match round {
            Ok(Ok((outcomes, pending))) => {
                for (_, outcome) in &outcomes {
                    match outcome {
                        DeliveryOutcome::Sent => metrics.sent.inc(),
                        DeliveryOutcome::WillRetry(..) | DeliveryOutcome::GivenUp(_) => {
                            metrics.failures.inc();
                        }
                    }
                }
                metrics
                    .pending
                    .set(i64::try_from(pending).unwrap_or(i64::MAX));
            }
            Ok(Err(error)) => tracing::warn!(%error, "could not read the mail outbox"),
            Err(error) => tracing::warn!(%error, "mail delivery failed"),
        }
    }
}

/// What the server deletes now and then.
struct Pruning {
    tokens: PruneTokens,
    mail: Arc<PruneMail>,
    events: Arc<EventLog>,
    /// When webhooks are on: the deliveries already done.
    webhooks: Option<Arc<DeliverWebhooks>>,
    /// When JWTs are signed: keys retired long enough ago.
    signing_keys: Option<Arc<SigningKeys>>,
}

/// Re-reads the signing key, so a rotation made by another process (or
/// `tokenauth rotatekeys`) is signed with here too.
async fn refresh_signing_key_continually(keys: Arc<SigningKeys>) {
    let mut ticks = tokio::time::interval(SigningKeys::REFRESH_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let keys = keys.clone();
        match tokio::task::spawn_blocking(move || keys.refresh()).await {
            Ok(Ok(_)) => {}
            // The keys in hand serve until the next refresh succeeds, or
            // until they are stale (`SigningKeys::STALE_AFTER`).
            Ok(Err(error)) => tracing::warn!(%error, "could not re-read the JWT signing key"),
            Err(error) => tracing::warn!(%error, "the JWT signing key refresh failed"),
        }
    }
}

async fn prune_periodically(pruning: Pruning, interval: Duration) {
    let Pruning {
        tokens: prune,
        mail: prune_mail,
        events,
        webhooks,
        signing_keys,
    } = pruning;
    let mut ticks = tokio::time::interval(interval);
    loop {
        ticks.tick().await;
        let done = webhooks.clone();
        prune_one("finished webhook deliveries", move || {
            done.as_deref().map_or(Ok(0), DeliverWebhooks::prune)
        })
        .await;
        let keys = signing_keys.clone();
        prune_one("retired signing keys", move || {
            keys.as_deref().map_or(Ok(0), SigningKeys::prune)
        })
        .await;
        let log = events.clone();
        prune_one("security events past retention", move || log.prune()).await;
        let mail = prune_mail.clone();
        match tokio::task::spawn_blocking(move || mail.execute()).await {
            Ok(Ok(PrunedMail {
                keys: 0,
                messages: 0,
            })) => {}
            Ok(Ok(pruned)) => tracing::info!(
                keys = pruned.keys,
                messages = pruned.messages,
                "pruned spent account keys and finished mail"
            ),
            Ok(Err(error)) => tracing::warn!(%error, "could not prune account mail"),
            Err(error) => tracing::warn!(%error, "account mail pruning failed"),
        }
        let prune = prune.clone();
        prune_one("expired tokens", move || prune.execute()).await;
    }
}

/// Runs one pruning off the workers and logs what it deleted, or why not.
async fn prune_one(
    what: &'static str,
    prune: impl FnOnce() -> Result<usize, RepositoryError> + Send + 'static,
) {
    match tokio::task::spawn_blocking(prune).await {
        Ok(Ok(0)) => {}
        Ok(Ok(deleted)) => tracing::info!(deleted, "pruned {what}"),
        Ok(Err(error)) => tracing::warn!(%error, "could not prune {what}"),
        Err(error) => tracing::warn!(%error, "pruning {what} failed"),
    }
}
