//! Layered configuration: `config/default.toml` → `config/<TOKENAUTH_ENV>.toml`
//! → `TOKENAUTH__<SECTION>__<KEY>` → `DATABASE_URL`.
//!
//! `config/default.toml` is the one place defaults are written: it is built
//! into the binary as the first layer, so the binary runs from anywhere with
//! no files at all. Every section refuses keys it does not know, so a typo
//! in a file or a `TOKENAUTH__` variable stops the start with its name.

use std::collections::HashMap;
use std::time::Duration;

use config::{Config, Environment, File, FileFormat};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokenauth_adapters_http::Throttles;
use tokenauth_domain::{Rate, VerificationMode};

use crate::value_shapes;

/// All of tokenauth's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `[server]`.
    pub server: ServerSettings,
    /// `[database]`.
    pub database: DatabaseSection,
    /// `[auth]`.
    pub auth: AuthSettings,
    /// `[throttle]`.
    pub throttle: ThrottleSettings,
    /// `[mail]`.
    pub mail: MailSettings,
    /// `[http]`.
    pub http: HttpSettings,
    /// `[log]`.
    pub log: LogSettings,
    /// `[telemetry]`.
    pub telemetry: TelemetrySettings,
    /// `[audit]`.
    pub audit: AuditSettings,
    /// `[webhooks]`.
    pub webhooks: WebhookSettings,
    /// `[gateway]`.
    pub gateway: GatewaySettings,
    /// `[jwt]`.
    pub jwt: JwtSettings,
}

/// Access and refresh JWTs for clients written for SimpleJWT.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtSettings {
    /// `/api/token/` and its siblings, and `Authorization: Bearer` JWTs.
    pub enabled: bool,
    /// From an access JWT's `iat` to its `exp`.
    pub access_ttl_seconds: u64,
    /// From a refresh JWT's `iat` to its `exp`.
    pub refresh_ttl_seconds: u64,
}

/// What `/api/auth/verify` gives the services behind a gateway.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewaySettings {
    /// A signed JWT (`X-Auth-Jwt`) on every 200, keys at `/.well-known/jwks.json`.
    pub jwt: bool,
    /// From a JWT's `iat` to its `exp`.
    pub jwt_ttl_seconds: u64,
    /// The `aud` claim; empty: none.
    pub jwt_audience: String,
}

/// The security event log.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    /// Days an event is kept; 0 = for ever.
    pub retention_days: u64,
}

/// Where security events are pushed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// The receiver; empty: webhooks off.
    pub url: String,
    /// `whsec_<base64>`: the key that signs each delivery.
    pub secret: SecretString,
    /// Event types sent; `*` for every one.
    pub events: Vec<String>,
    /// Delivery attempts per event before it is given up.
    pub max_attempts: u32,
}

/// Where to listen.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Listen address.
    pub host: String,
    /// Listen port; 0 picks a free one.
    pub port: u16,
    /// actix workers; the number of cores when absent.
    pub workers: Option<usize>,
    /// Threads per worker that run requests' database work. Few is fast: a
    /// queued request is taken by a thread that is already awake, where each
    /// extra thread adds wake-ups and context switches (measured in
    /// BENCHMARKS.md). Raise it for a distant database, where each thread
    /// spends its time waiting for the network.
    pub blocking_threads: usize,
    /// Proxies in front of the service that append to `X-Forwarded-For`
    /// (DRF's NUM_PROXIES); 0 = the peer address is the client.
    pub trusted_proxies: usize,
}

/// The database.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSection {
    /// `sqlite://<path>` or `postgres://…`; it may hold a password, so it
    /// never shows in `Debug`.
    pub url: SecretString,
    /// Pool size.
    pub pool_size: u32,
    /// How long a request waits for a connection before 503.
    pub connect_timeout_seconds: u64,
    /// Verified tokens each process keeps (PostgreSQL); 0: every request
    /// reads the database.
    pub verified_tokens: u64,
}

/// Password hashing and tokens.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// bcrypt work factor.
    pub bcrypt_cost: u32,
    /// Token lifetime in seconds; 0 = never expires.
    pub token_ttl_seconds: u64,
    /// Tokens a user may hold.
    pub tokens_per_user: u32,
    /// How often the server deletes expired tokens; 0 = never (use `tokenauth prunetokens`).
    pub prune_interval_seconds: u64,
    /// Base of the links in mail; empty: `http://<server.host>:<server.port>`.
    pub public_url: String,
    /// Whether signup asks users to verify their address.
    pub email_verification: EmailVerification,
    /// Lifetime of a verification key.
    pub email_verification_ttl_seconds: u64,
    /// Lifetime of a password reset key.
    pub password_reset_ttl_seconds: u64,
    /// The issuer authenticator apps show next to a TOTP code.
    pub mfa_issuer: String,
    /// Lifetime of a login's `mfa_token`.
    pub mfa_login_ttl_seconds: u64,
    /// The WebAuthn relying party id; empty: the host of `public_url`.
    pub webauthn_rp_id: String,
}

/// allauth's three modes of email verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailVerification {
    /// No verification mail.
    None,
    /// Signup sends one; login works either way.
    Optional,
    /// Signup sends one; an unverified address cannot log in.
    Mandatory,
}

/// DRF rate strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThrottleSettings {
    /// Login attempts per IP and per email.
    pub login: String,
    /// Signups per IP.
    pub signup: String,
    /// Password reset and verification resend requests, per IP and per email.
    pub mail: String,
    /// `POST /api/oauth/revoke`, per IP.
    pub revoke: String,
    /// Redis holding every throttle's windows, shared by all processes that
    /// point at it; empty: each process keeps its own. May hold a password.
    pub redis_url: SecretString,
}

/// How messages are delivered.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// Where messages go.
    pub backend: MailBackend,
    /// The SMTP server, for `smtp`. May hold a password.
    pub smtp_url: SecretString,
    /// The sender, `Name <address>` or an address.
    pub from: String,
    /// Delivery tries before a message is given up.
    pub max_attempts: u32,
}

/// Where messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailBackend {
    /// Written to the log, for development.
    Console,
    /// Sent to `mail.smtp_url`.
    Smtp,
}

/// HTTP limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    /// Larger bodies get 413.
    pub max_body_bytes: usize,
    /// Origins allowed by CORS; `*` for any.
    pub cors_allowed_origins: Vec<String>,
}

/// Log output.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `pretty` or `json`.
    pub format: LogFormat,
}

/// Traces sent elsewhere.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetrySettings {
    /// Where spans go, by OTLP over plain HTTP (a collector beside the
    /// process, e.g. `http://127.0.0.1:4318`); empty: no traces.
    pub otlp_endpoint: String,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// For people.
    Pretty,
    /// One JSON object a line, for machines.
    Json,
}

/// The shipped defaults: every key, at its default.
const DEFAULTS: &str = include_str!("../../../config/default.toml");

impl Default for Settings {
    /// The shipped defaults alone, as `make run` with no file or variable sees them.
    fn default() -> Self {
        let defaults = Config::builder()
            .add_source(File::from_str(DEFAULTS, FileFormat::Toml))
            .build()
            .and_then(Config::try_deserialize);
        match defaults {
            Ok(settings) => settings,
            // A test holds the shipped file to parsing; nothing to recover.
            Err(error) => panic!("config/default.toml, built in, is broken: {error}"),
        }
    }
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A file or variable could not be read or has the wrong type.
    #[error(transparent)]
    Load(#[from] config::ConfigError),
    /// A value is out of range.
    #[error("{key} = {value}: {reason}")]
    Invalid {
        /// The key, dotted.
        key: &'static str,
        /// The value given.
        value: String,
        /// What is allowed.
        reason: String,
    },
}

impl Settings {
    /// Loads the layers from the current directory and the process's environment.
    pub fn load() -> Result<Self, SettingsError> {
        Self::load_from(std::env::vars().collect())
    }

    /// Loads the layers from the current directory and `environment` (the
    /// process's variables, or a test's).
    pub fn load_from(environment: HashMap<String, String>) -> Result<Self, SettingsError> {
        let mut builder = Config::builder()
            .add_source(File::from_str(DEFAULTS, FileFormat::Toml))
            .add_source(File::with_name("config/default").required(false));
        if let Some(env) = environment.get("TOKENAUTH_ENV").filter(|e| !e.is_empty()) {
            builder = builder.add_source(File::with_name(&format!("config/{env}")).required(false));
        }
        let database_url = environment
            .get("DATABASE_URL")
            .filter(|url| !url.is_empty())
            .cloned();
        let config = builder
            .add_source(
                Environment::with_prefix("TOKENAUTH")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("http.cors_allowed_origins")
                    .with_list_parse_key("webhooks.events")
                    .source(Some(environment.into_iter().collect())),
            )
            .build()?;
        let mut settings: Settings = config.try_deserialize()?;
        if let Some(url) = database_url {
            settings.database.url = url.into();
        }
        settings.validate()?;
        Ok(settings)
    }

    /// Checks ranges the types cannot express.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let invalid = |key, value: &dyn ToString, reason: &str| {
            Err(SettingsError::Invalid {
                key,
                value: value.to_string(),
                reason: reason.to_owned(),
            })
        };
        if !(4..=31).contains(&self.auth.bcrypt_cost) {
            return invalid(
                "auth.bcrypt_cost",
                &self.auth.bcrypt_cost,
                "must be 4 to 31",
            );
        }
        if self.auth.tokens_per_user == 0 {
            return invalid("auth.tokens_per_user", &0, "must be at least 1");
        }
        if self.database.pool_size == 0 {
            return invalid("database.pool_size", &0, "must be at least 1");
        }
        if self.http.max_body_bytes == 0 {
            return invalid("http.max_body_bytes", &0, "must be at least 1");
        }
        for (key, rate) in [
            ("throttle.login", &self.throttle.login),
            ("throttle.signup", &self.throttle.signup),
            ("throttle.mail", &self.throttle.mail),
            ("throttle.revoke", &self.throttle.revoke),
        ] {
            if Rate::parse(rate).is_err() {
                return invalid(
                    key,
                    rate,
                    "must be N/second, N/minute, N/hour, N/day or off",
                );
            }
        }
        let public_url = self.auth.public_url.trim();
        if !public_url.is_empty()
            && url::Url::parse(public_url)
                .map_or(true, |url| !matches!(url.scheme(), "http" | "https"))
        {
            return invalid(
                "auth.public_url",
                &public_url,
                "must be an http:// or https:// URL",
            );
        }
        if self.mail.max_attempts == 0 {
            return invalid("mail.max_attempts", &0, "must be at least 1");
        }
        if self.mail.backend == MailBackend::Smtp && self.mail.smtp_url.expose_secret().is_empty() {
            return invalid(
                "mail.smtp_url",
                &"",
                "must be set when mail.backend is smtp",
            );
        }
        if self.server.workers == Some(0) {
            return invalid("server.workers", &0, "must be at least 1");
        }
        if self.server.blocking_threads == 0 {
            return invalid("server.blocking_threads", &0, "must be at least 1");
        }
        self.validate_shapes()
    }

    /// Values whose text has a shape: origins, URLs, durations, addresses.
    fn validate_shapes(&self) -> Result<(), SettingsError> {
        let invalid =
            |key, value: String, reason: String| Err(SettingsError::Invalid { key, value, reason });
        for origin in &self.http.cors_allowed_origins {
            if let Err(reason) = value_shapes::cors_origin(origin) {
                return invalid(
                    "http.cors_allowed_origins",
                    format!("{origin:?}"),
                    reason.to_owned(),
                );
            }
        }
        for (key, url, schemes) in [
            (
                "throttle.redis_url",
                self.throttle.redis_url.expose_secret(),
                &["redis", "rediss"][..],
            ),
            (
                "mail.smtp_url",
                self.mail.smtp_url.expose_secret(),
                &["smtp", "smtps"][..],
            ),
            (
                "telemetry.otlp_endpoint",
                &self.telemetry.otlp_endpoint,
                &["http"][..],
            ),
        ] {
            if !url.is_empty()
                && let Err(reason) = value_shapes::url_of(url, schemes)
            {
                return invalid(key, value_shapes::without_password(url), reason);
            }
        }
        for (key, seconds) in [
            (
                "auth.email_verification_ttl_seconds",
                self.auth.email_verification_ttl_seconds,
            ),
            (
                "auth.password_reset_ttl_seconds",
                self.auth.password_reset_ttl_seconds,
            ),
            (
                "database.connect_timeout_seconds",
                self.database.connect_timeout_seconds,
            ),
            (
                "auth.mfa_login_ttl_seconds",
                self.auth.mfa_login_ttl_seconds,
            ),
        ] {
            if seconds == 0 {
                return invalid(key, "0".to_owned(), "must be at least 1".to_owned());
            }
        }
        // A gateway JWT is meant to be short-lived; a day also keeps every
        // sum of times far from overflowing.
        if !(1..=86_400).contains(&self.gateway.jwt_ttl_seconds) {
            return invalid(
                "gateway.jwt_ttl_seconds",
                self.gateway.jwt_ttl_seconds.to_string(),
                "must be 1 to 86400 (a day)".to_owned(),
            );
        }
        for (key, seconds, most, phrase) in [
            (
                "jwt.access_ttl_seconds",
                self.jwt.access_ttl_seconds,
                86_400,
                "a day",
            ),
            (
                "jwt.refresh_ttl_seconds",
                self.jwt.refresh_ttl_seconds,
                31_536_000,
                "a year",
            ),
        ] {
            if !(1..=most).contains(&seconds) {
                return invalid(
                    key,
                    seconds.to_string(),
                    format!("must be 1 to {most} ({phrase})"),
                );
            }
        }
        if self.auth.mfa_issuer.trim().is_empty() || self.auth.mfa_issuer.contains(':') {
            return invalid(
                "auth.mfa_issuer",
                format!("{:?}", self.auth.mfa_issuer),
                "must be a name without a colon (authenticator apps split the label at it)"
                    .to_owned(),
            );
        }
        // The relying party's own rule (the RP id is the public URL's host
        // or a parent of it, as browsers require), asked before anything starts.
        let rp_id = self.webauthn_rp_id();
        if let Err(error) =
            tokenauth_adapters_webauthn::WebauthnRelyingParty::new(&rp_id, &self.public_url())
        {
            return invalid(
                "auth.webauthn_rp_id",
                format!("{rp_id:?}"),
                error.to_string(),
            );
        }
        let webhook_url = self.webhooks.url.trim();
        if !webhook_url.is_empty() {
            if let Err(reason) = value_shapes::url_of(webhook_url, &["http", "https"]) {
                return invalid(
                    "webhooks.url",
                    value_shapes::without_password(webhook_url),
                    reason,
                );
            }
            let secret = self.webhooks.secret.expose_secret();
            if let Err(error) = tokenauth_adapters_webhooks::WebhookClient::check_secret(secret) {
                return invalid("webhooks.secret", "(hidden)".to_owned(), error.to_string());
            }
        }
        if self.webhooks.max_attempts == 0 {
            return invalid(
                "webhooks.max_attempts",
                "0".to_owned(),
                "must be at least 1".to_owned(),
            );
        }
        if let Err(error) = tokenauth_adapters_mail::sender(&self.mail.from) {
            return invalid(
                "mail.from",
                format!("{:?}", self.mail.from),
                format!("must be `Name <address>` or an address ({error})"),
            );
        }
        Ok(())
    }

    /// actix workers: `server.workers`, else one per core.
    pub fn workers(&self) -> usize {
        self.server.workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        })
    }

    /// Blocking threads per worker: `server.blocking_threads`, but never more
    /// in all than the pool has connections, so a thread never waits for one.
    pub fn blocking_threads_per_worker(&self) -> usize {
        let share = self.database.pool_size as usize / self.workers();
        self.server.blocking_threads.min(share).max(1)
    }

    /// The throttles these settings ask for (rates were checked by `validate`).
    pub fn throttles(&self) -> Throttles {
        let rate = |text: &str| Rate::parse(text).ok().flatten();
        Throttles::new(
            rate(&self.throttle.login),
            rate(&self.throttle.signup),
            self.server.trusted_proxies,
        )
        .with_mail(rate(&self.throttle.mail))
        .with_revoke(rate(&self.throttle.revoke))
    }

    /// Which events get a webhook delivery.
    pub fn webhook_selection(&self) -> tokenauth_adapters_db::WebhookSelection {
        use tokenauth_adapters_db::WebhookSelection;
        if self.webhooks.url.trim().is_empty() {
            WebhookSelection::None
        } else if self.webhooks.events.iter().any(|kind| kind == "*") {
            WebhookSelection::All
        } else {
            WebhookSelection::Types(self.webhooks.events.clone())
        }
    }

    /// `auth.email_verification` as the use cases take it.
    pub fn verification_mode(&self) -> VerificationMode {
        match self.auth.email_verification {
            EmailVerification::None => VerificationMode::None,
            EmailVerification::Optional => VerificationMode::Optional,
            EmailVerification::Mandatory => VerificationMode::Mandatory,
        }
    }

    /// The base of links in mail: `auth.public_url`, else this server's own
    /// address (`127.0.0.1` for a host that means every interface).
    pub fn public_url(&self) -> String {
        let configured = self.auth.public_url.trim().trim_end_matches('/');
        if !configured.is_empty() {
            return configured.to_owned();
        }
        let host = match self.server.host.as_str() {
            "0.0.0.0" | "::" | "[::]" | "" => "127.0.0.1",
            host => host,
        };
        format!("http://{host}:{}", self.server.port)
    }

    /// The WebAuthn relying party id: `auth.webauthn_rp_id`, else the host
    /// of the public URL.
    pub fn webauthn_rp_id(&self) -> String {
        let configured = self.auth.webauthn_rp_id.trim();
        if !configured.is_empty() {
            return configured.to_owned();
        }
        url::Url::parse(&self.public_url())
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The database settings as the storage adapter takes them.
    pub fn database_settings(&self) -> tokenauth_adapters_db::DatabaseSettings {
        tokenauth_adapters_db::DatabaseSettings {
            url: self.database.url.clone(),
            pool_size: self.database.pool_size,
            workers: self.workers(),
            connect_timeout: Duration::from_secs(self.database.connect_timeout_seconds.max(1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn defaults_match_the_contract() {
        let s = Settings::default();
        assert_eq!((s.server.host.as_str(), s.server.port), ("127.0.0.1", 8000));
        assert_eq!(
            s.database.url.expose_secret(),
            "sqlite://data/tokenauth.sqlite3"
        );
        assert_eq!(s.database.pool_size, 16);
        assert_eq!(
            (
                s.auth.bcrypt_cost,
                s.auth.token_ttl_seconds,
                s.auth.tokens_per_user
            ),
            (12, 36_000, 1)
        );
        assert_eq!(
            (s.throttle.login.as_str(), s.throttle.signup.as_str()),
            ("10/minute", "20/hour")
        );
        assert_eq!(s.http.max_body_bytes, 65_536);
        assert_eq!(s.log.format, LogFormat::Pretty);
        assert_eq!(
            (s.mail.backend, s.mail.from.as_str(), s.mail.max_attempts),
            (MailBackend::Console, "tokenauth <noreply@localhost>", 10)
        );
        assert_eq!(s.auth.email_verification, EmailVerification::None);
        assert_eq!(
            (
                s.auth.email_verification_ttl_seconds,
                s.auth.password_reset_ttl_seconds,
                s.throttle.mail.as_str()
            ),
            (259_200, 3600, "5/hour")
        );
        assert_eq!(s.public_url(), "http://127.0.0.1:8000");
        assert!(s.validate().is_ok());
    }

    fn load(variables: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        Settings::load_from(
            variables
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn environment_variables_override_the_defaults() {
        let s = load(&[("TOKENAUTH__AUTH__TOKENS_PER_USER", "3")]).unwrap();
        assert_eq!(s.auth.tokens_per_user, 3);
    }

    #[test]
    fn an_unknown_key_is_refused_with_its_name() {
        let error = load(&[("TOKENAUTH__AUTH__TOKENS_PER_USR", "3")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("tokens_per_usr"), "{error}");
        let error = load(&[("TOKENAUTH__SERVR__PORT", "9000")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("servr"), "{error}");
    }

    #[test]
    fn variables_of_other_programs_are_left_alone() {
        assert!(load(&[("TOKENAUTH_SUPERUSER_PASSWORD", "x"), ("PATH", "/bin")]).is_ok());
    }

    #[test]
    fn cors_origins_are_a_comma_separated_list() {
        let s = load(&[(
            "TOKENAUTH__HTTP__CORS_ALLOWED_ORIGINS",
            "https://a.example,https://b.example",
        )])
        .unwrap();
        assert_eq!(
            s.http.cors_allowed_origins,
            ["https://a.example", "https://b.example"]
        );
    }

    #[test]
    fn the_database_url_never_shows_in_debug_output() {
        let s = load(&[("DATABASE_URL", "postgres://ada:s3cret@db/app")]).unwrap();
        assert_eq!(
            s.database.url.expose_secret(),
            "postgres://ada:s3cret@db/app"
        );
        assert!(!format!("{s:?}").contains("s3cret"));
        assert!(!format!("{:?}", s.database_settings()).contains("s3cret"));
    }

    #[test]
    fn a_nonsense_throttle_rate_is_refused() {
        let mut s = Settings::default();
        s.throttle.login = "10/fortnight".into();
        assert!(s.validate().is_err());
        s.throttle.login = "off".into();
        assert!(s.validate().is_ok());
    }

    #[test]
    fn blocking_threads_never_outnumber_the_pool_connections() {
        let mut s = Settings::default();
        s.server.workers = Some(4);
        s.database.pool_size = 4;
        s.server.blocking_threads = 8;
        assert_eq!(s.blocking_threads_per_worker(), 1);
        s.database.pool_size = 64;
        assert_eq!(s.blocking_threads_per_worker(), 8);
    }

    #[test]
    fn zero_blocking_threads_is_refused() {
        let mut s = Settings::default();
        s.server.blocking_threads = 0;
        assert!(s.validate().is_err());
    }

    fn refusal(variables: &[(&str, &str)]) -> String {
        load(variables).unwrap_err().to_string()
    }

    #[test]
    fn a_cors_origin_with_a_path_is_refused_with_its_key() {
        let error = refusal(&[(
            "TOKENAUTH__HTTP__CORS_ALLOWED_ORIGINS",
            "https://app.example/path",
        )]);
        assert!(error.starts_with("http.cors_allowed_origins"), "{error}");
    }

    #[test]
    fn a_cors_origin_without_a_scheme_is_refused() {
        let error = refusal(&[("TOKENAUTH__HTTP__CORS_ALLOWED_ORIGINS", "app.example")]);
        assert!(error.contains("scheme://host[:port]"), "{error}");
    }

    #[test]
    fn a_redis_url_of_another_scheme_is_refused_without_its_password() {
        let error = refusal(&[(
            "TOKENAUTH__THROTTLE__REDIS_URL",
            "http://:s3cret@cache:6379",
        )]);
        assert!(error.starts_with("throttle.redis_url"), "{error}");
        assert!(!error.contains("s3cret"), "{error}");
    }

    #[test]
    fn an_otlp_endpoint_that_is_not_http_is_refused() {
        let error = refusal(&[("TOKENAUTH__TELEMETRY__OTLP_ENDPOINT", "127.0.0.1:4318")]);
        assert!(error.starts_with("telemetry.otlp_endpoint"), "{error}");
        for endpoint in ["grpc://collector:4317", "https://api.honeycomb.io"] {
            let error = refusal(&[("TOKENAUTH__TELEMETRY__OTLP_ENDPOINT", endpoint)]);
            assert!(error.starts_with("telemetry.otlp_endpoint"), "{error}");
        }
    }

    #[test]
    fn an_smtp_url_that_is_not_a_url_is_refused() {
        let error = refusal(&[("TOKENAUTH__MAIL__SMTP_URL", "mail.example:25")]);
        assert!(error.starts_with("mail.smtp_url"), "{error}");
    }

    #[test]
    fn a_sender_that_is_not_an_address_is_refused() {
        let error = refusal(&[("TOKENAUTH__MAIL__FROM", "tokenauth")]);
        assert!(error.starts_with("mail.from"), "{error}");
    }

    #[test]
    fn a_key_lifetime_of_zero_is_refused() {
        let error = refusal(&[("TOKENAUTH__AUTH__PASSWORD_RESET_TTL_SECONDS", "0")]);
        assert!(
            error.starts_with("auth.password_reset_ttl_seconds"),
            "{error}"
        );
    }

    #[test]
    fn a_pair_jwt_lifetime_of_zero_or_too_long_is_refused() {
        for (variable, seconds, key) in [
            (
                "TOKENAUTH__JWT__ACCESS_TTL_SECONDS",
                "0",
                "jwt.access_ttl_seconds",
            ),
            (
                "TOKENAUTH__JWT__ACCESS_TTL_SECONDS",
                "86401",
                "jwt.access_ttl_seconds",
            ),
            (
                "TOKENAUTH__JWT__REFRESH_TTL_SECONDS",
                "31536001",
                "jwt.refresh_ttl_seconds",
            ),
        ] {
            let error = refusal(&[(variable, seconds)]);
            assert!(error.starts_with(key), "{error}");
        }
    }

    #[test]
    fn a_gateway_jwt_lifetime_of_zero_or_over_a_day_is_refused() {
        for seconds in ["0", "86401", "10000000000000"] {
            let error = refusal(&[("TOKENAUTH__GATEWAY__JWT_TTL_SECONDS", seconds)]);
            assert!(error.starts_with("gateway.jwt_ttl_seconds"), "{error}");
        }
    }

    #[test]
    fn a_public_url_that_is_not_http_is_refused() {
        let error = refusal(&[("TOKENAUTH__AUTH__PUBLIC_URL", "auth.example.com")]);
        assert!(error.starts_with("auth.public_url"), "{error}");
    }

    #[test]
    fn a_webhook_url_without_a_whsec_secret_is_refused() {
        for secret in ["", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64!"] {
            let error = refusal(&[
                (
                    "TOKENAUTH__WEBHOOKS__URL",
                    "https://hooks.example/tokenauth",
                ),
                ("TOKENAUTH__WEBHOOKS__SECRET", secret),
            ]);
            assert!(error.starts_with("webhooks.secret"), "{error}");
            assert!(!error.contains("MfKQ"), "never the secret: {error}");
        }
    }

    #[test]
    fn webhook_event_types_are_a_comma_separated_list() {
        let s = load(&[
            (
                "TOKENAUTH__WEBHOOKS__URL",
                "https://hooks.example/tokenauth",
            ),
            (
                "TOKENAUTH__WEBHOOKS__SECRET",
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            ),
            (
                "TOKENAUTH__WEBHOOKS__EVENTS",
                "login.failed,password.changed",
            ),
        ])
        .unwrap();
        assert_eq!(s.webhooks.events, ["login.failed", "password.changed"]);
    }

    #[test]
    fn zero_tokens_per_user_is_refused() {
        let mut s = Settings::default();
        s.auth.tokens_per_user = 0;
        assert!(s.validate().is_err());
    }
}
