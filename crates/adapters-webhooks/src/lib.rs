//! Where security events go when `webhooks.url` is set: a POST to the
//! receiver per event, signed with the Standard Webhooks scheme (the
//! `standardwebhooks` crate), so the receivers' own libraries verify it.

mod webhook_client;

pub use webhook_client::{WebhookClient, WebhookConfigError};
