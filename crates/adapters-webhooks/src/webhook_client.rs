//! One delivery: `{"type", "timestamp", "data"}` with `webhook-id`,
//! `webhook-timestamp` and `webhook-signature`, signed afresh each attempt.

use std::time::Duration;

use serde_json::value::RawValue;
use standardwebhooks::Webhook;
use tokenauth_application::{QueuedWebhook, WebhookSender};

/// How long a receiver has to answer before the try counts as failed.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Why the webhook settings cannot be used. Never holds the secret.
#[derive(Debug, thiserror::Error)]
pub enum WebhookConfigError {
    /// `webhooks.secret` is not `whsec_` and base64.
    #[error("webhooks.secret must be whsec_ followed by base64 (the signing key)")]
    Secret,
    /// The HTTP client could not be built.
    #[error("cannot build the webhook HTTP client: {0}")]
    Client(String),
}

/// Delivers to one receiver, signing with one key.
pub struct WebhookClient {
    http: reqwest::Client,
    url: String,
    signer: Webhook,
}

impl std::fmt::Debug for WebhookClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookClient")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl WebhookClient {
    /// A client for `url` signing with `secret` (`whsec_<base64>`).
    pub fn new(url: &str, secret: &str) -> Result<Self, WebhookConfigError> {
        let signer = signer(secret)?;
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(concat!("tokenauth/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| WebhookConfigError::Client(error.to_string()))?;
        Ok(Self {
            http,
            url: url.to_owned(),
            signer,
        })
    }

    /// Checks a secret without building a client (for the settings).
    pub fn check_secret(secret: &str) -> Result<(), WebhookConfigError> {
        signer(secret).map(drop)
    }
}

fn signer(secret: &str) -> Result<Webhook, WebhookConfigError> {
    // The library also takes a key without the prefix; the contract does not.
    let encoded = secret
        .strip_prefix("whsec_")
        .filter(|key| !key.is_empty())
        .ok_or(WebhookConfigError::Secret)?;
    Webhook::new(encoded).map_err(|_| WebhookConfigError::Secret)
}

/// The delivery's body: the event under `data`, as the log wrote it.
fn body(delivery: &QueuedWebhook) -> Result<String, String> {
    let data: &RawValue =
        serde_json::from_str(&delivery.event).map_err(|error| error.to_string())?;
    let timestamp = delivery
        .created
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    serde_json::to_string(&serde_json::json!({
        "type": delivery.kind,
        "timestamp": timestamp,
        "data": data,
    }))
    .map_err(|error| error.to_string())
}

impl WebhookSender for WebhookClient {
    /// Runs on a blocking thread of the server's runtime (as every use case
    /// does) and waits there for the async client, which, unlike reqwest's
    /// blocking one, may be built and dropped anywhere.
    fn send(&self, delivery: &QueuedWebhook) -> Result<(), String> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| "webhooks are delivered from the server's runtime only".to_owned())?;
        runtime.block_on(self.post(delivery))
    }
}

impl WebhookClient {
    async fn post(&self, delivery: &QueuedWebhook) -> Result<(), String> {
        let body = body(delivery)?;
        let id = delivery.event_id.to_string();
        let timestamp = chrono::Utc::now().timestamp();
        let signature = self
            .signer
            .sign(&id, timestamp, body.as_bytes())
            .map_err(|error| error.to_string())?;
        let response = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header(standardwebhooks::HEADER_WEBHOOK_ID, &id)
            .header(
                standardwebhooks::HEADER_WEBHOOK_TIMESTAMP,
                timestamp.to_string(),
            )
            .header(standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature)
            .body(body)
            .send()
            .await
            .map_err(|error| error.without_url().to_string())?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the receiver answered {status}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_needs_the_prefix_and_base64() {
        assert!(WebhookClient::check_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok());
        assert!(WebhookClient::check_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(WebhookClient::check_secret("whsec_").is_err());
        assert!(WebhookClient::check_secret("whsec_not base64!").is_err());
    }

    #[test]
    fn the_body_carries_the_event_as_written() {
        let delivery = QueuedWebhook {
            event_id: tokenauth_domain::EventId::new_random(),
            kind: "logout".into(),
            created: chrono::DateTime::from_timestamp(1_800_000_000, 123_000).unwrap_or_default(),
            event: r#"{"id":"x","type":"logout","detail":{}}"#.into(),
            failures: 0,
        };
        assert_eq!(
            body(&delivery).unwrap(),
            r#"{"type":"logout","timestamp":"2027-01-15T08:00:00.000123Z","data":{"id":"x","type":"logout","detail":{}}}"#
        );
    }
}
