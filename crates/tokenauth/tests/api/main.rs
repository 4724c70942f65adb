//! End-to-end tests: the real server on port 0 over a fresh database, driven
//! over HTTP, once on SQLite and once on PostgreSQL for every behaviour.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

#[path = "../support/mod.rs"]
mod support;

mod helpers;

mod account;
mod account_deletion;
mod admin;
mod authentication;
mod body_parsing;
mod cors;
mod email_change;
mod email_verification;
mod gateway;
mod gateway_jwt;
mod hashing_queue;
mod hostile_input;
mod http_methods;
mod login;
mod logout;
mod oauth;
mod operations;
mod passkeys;
mod password_reset;
mod personal_tokens;
mod races;
mod routing;
mod second_factor;
mod security_events;
mod shared_throttles;
mod signup;
mod throttling;
mod token_pairs;
mod webhooks;
