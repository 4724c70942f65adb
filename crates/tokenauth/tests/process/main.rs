//! The service as operators run it: the built binary as processes, stopped by
//! signals, sharing a database, outliving a database outage.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

#[path = "../support/mod.rs"]
mod support;

mod otlp_receiver;
mod server;

mod generated_clients;
mod graceful_stop;
mod logs;
mod mail_delivery;
mod nginx;
mod outage;
mod postgres_tls;
mod pruning;
mod several_processes;
mod shared_throttles;
mod traces;
mod verification_cache;
