//! tokenauth's storage: one diesel codebase over PostgreSQL and SQLite.
//!
//! The backend is chosen by the URL scheme (`postgres://…` or `sqlite://…`) in
//! our own connection manager; migrations are embedded per backend and run
//! before the pool serves. Repositories implement the application's ports.

mod account_keys;
mod connection;
mod database;
mod error;
mod jwt_store;
mod manager;
mod migrations;
mod models;
mod outage;
mod outbox;
mod passkeys;
mod pending_uses;
mod postgres_tls;
mod schema;
mod second_factors;
mod security_events;
mod signing_keys;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "testing")]
pub mod throwaway_postgres;
mod token_lookup;
mod token_notices;
mod token_repository;
mod user_repository;
mod verified_tokens;
mod webhook_outbox;
mod worker_connections;

pub use account_keys::DieselAccountKeys;
pub use connection::DbConnection;
pub use database::{Database, DatabaseError, DatabaseSettings};
pub use jwt_store::DieselJwtStore;
pub use manager::{Backend, ConnectionManager, DatabaseUrl, ManagedConnection};
pub use outbox::DieselOutbox;
pub use passkeys::DieselPasskeys;
pub use second_factors::DieselSecondFactors;
pub use security_events::{DieselSecurityEvents, WebhookSelection};
pub use signing_keys::DieselSigningKeys;
pub use token_lookup::DieselTokenLookup;
pub use token_repository::DieselTokenRepository;
pub use user_repository::DieselUserRepository;
pub use webhook_outbox::DieselWebhookOutbox;
