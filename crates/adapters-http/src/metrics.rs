//! Prometheus metrics: requests by route and status, latency, logins,
//! signups, the database pool, the shared throttle store's failures and the
//! mail outbox.

use actix_web::http::StatusCode;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use tokenauth_application::PoolState;

/// Every metric tokenauth exports, in one registry shared by all workers.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    logins: IntCounterVec,
    signups: IntCounter,
    pool: IntGaugeVec,
    throttle_store_errors: IntCounter,
    mail: MailMetrics,
}

/// The outbox's metrics, for the delivery worker.
#[derive(Debug, Clone)]
pub struct MailMetrics {
    /// `tokenauth_mail_sent_total`.
    pub sent: IntCounter,
    /// `tokenauth_mail_failures_total`: failed tries, retried or given up.
    pub failures: IntCounter,
    /// `tokenauth_mail_outbox_pending`.
    pub pending: IntGauge,
    /// `tokenauth_webhooks_sent_total`: deliveries a receiver acknowledged.
    pub webhooks_sent: IntCounter,
    /// `tokenauth_webhooks_failures_total`: failed delivery tries.
    pub webhooks_failures: IntCounter,
}

/// How a login ended, for the `tokenauth_logins_total` counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    /// A token was issued.
    Success,
    /// Refused (blank field or bad credentials).
    Failure,
}

impl Metrics {
    /// Registers every metric.
    ///
    /// # Panics
    /// Never in practice: the names and labels are constant and valid.
    #[allow(clippy::expect_used)]
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "tokenauth_http_requests_total",
                "HTTP requests by route, method and status.",
            ),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "tokenauth_http_request_duration_seconds",
                "HTTP request latency by route.",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["route"],
        )
        .expect("valid metric");
        let logins = IntCounterVec::new(
            Opts::new("tokenauth_logins_total", "Login attempts by outcome."),
            &["outcome"],
        )
        .expect("valid metric");
        let signups = IntCounter::new("tokenauth_signups_total", "Accounts created by signup.")
            .expect("valid metric");
        let pool = IntGaugeVec::new(
            Opts::new(
                "tokenauth_db_pool_connections",
                "Database pool connections by state.",
            ),
            &["state"],
        )
        .expect("valid metric");
        let throttle_store_errors = IntCounter::new(
            "tokenauth_throttle_store_errors_total",
            "Throttle checks the shared store failed or was too slow to answer.",
        )
        .expect("valid metric");
        let mail = MailMetrics {
            sent: IntCounter::new(
                "tokenauth_mail_sent_total",
                "Messages the mail server accepted.",
            )
            .expect("valid metric"),
            failures: IntCounter::new(
                "tokenauth_mail_failures_total",
                "Failed delivery tries (each retried, or the message given up).",
            )
            .expect("valid metric"),
            pending: IntGauge::new(
                "tokenauth_mail_outbox_pending",
                "Messages in the outbox neither delivered nor given up.",
            )
            .expect("valid metric"),
            webhooks_sent: IntCounter::new(
                "tokenauth_webhooks_sent_total",
                "Webhook deliveries the receiver acknowledged (2xx).",
            )
            .expect("valid metric"),
            webhooks_failures: IntCounter::new(
                "tokenauth_webhooks_failures_total",
                "Failed webhook delivery tries (each retried, or the event given up).",
            )
            .expect("valid metric"),
        };
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(logins.clone()),
            Box::new(signups.clone()),
            Box::new(pool.clone()),
            Box::new(throttle_store_errors.clone()),
            Box::new(mail.sent.clone()),
            Box::new(mail.failures.clone()),
            Box::new(mail.pending.clone()),
            Box::new(mail.webhooks_sent.clone()),
            Box::new(mail.webhooks_failures.clone()),
        ] {
            registry.register(collector).expect("unique metric names");
        }
        Self {
            registry,
            requests,
            latency,
            logins,
            signups,
            pool,
            throttle_store_errors,
            mail,
        }
    }

    /// The outbox's metrics, for the delivery worker.
    pub fn mail(&self) -> MailMetrics {
        self.mail.clone()
    }

    /// The counter of the shared throttle store's failures, for the store's wrapper.
    pub fn throttle_store_errors(&self) -> IntCounter {
        self.throttle_store_errors.clone()
    }

    /// Counts one finished request.
    pub fn observe_request(&self, route: &str, method: &str, status: StatusCode, seconds: f64) {
        self.requests
            .with_label_values(&[route, method, status.as_str()])
            .inc();
        self.latency.with_label_values(&[route]).observe(seconds);
    }

    /// Counts one login.
    pub fn observe_login(&self, outcome: LoginOutcome) {
        let label = match outcome {
            LoginOutcome::Success => "success",
            LoginOutcome::Failure => "failure",
        };
        self.logins.with_label_values(&[label]).inc();
    }

    /// Counts one signup.
    pub fn observe_signup(&self) {
        self.signups.inc();
    }

    /// The text exposition, with the pool's state as of now.
    pub fn render(&self, pool: PoolState) -> String {
        let in_use = pool.connections.saturating_sub(pool.idle);
        self.pool
            .with_label_values(&["in_use"])
            .set(i64::from(in_use));
        self.pool
            .with_label_values(&["idle"])
            .set(i64::from(pool.idle));
        self.pool
            .with_label_values(&["max"])
            .set(i64::from(pool.max));
        let mut buffer = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(%error, "metrics encoding failed");
        }
        String::from_utf8_lossy(&buffer).into_owned()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
