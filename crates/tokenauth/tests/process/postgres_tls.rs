//! The service on a PostgreSQL that speaks only TLS (as managed PostgreSQL
//! services do): every `sslmode` that can reach it serves the API, and the
//! request path stays on the async client rather than libpq's blocking one.

use reqwest::StatusCode;
use tokenauth_adapters_db::throwaway_postgres::ThrowawayPostgres;

use crate::server::{Server, client, get_with, signup_and_login};
use crate::support::skip_unless_required;

/// What the log says when the request path falls back to libpq.
const LIBPQ_FALLBACK: &str = "the request path reads through libpq";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sslmode_that_reaches_a_tls_only_server_serves_on_the_async_client() {
    let Some(pg) = ThrowawayPostgres::start_with_tls() else {
        skip_unless_required(
            "TOKENAUTH_REQUIRE_TLS_TEST",
            "the TLS test needs PostgreSQL's initdb and pg_ctl (the postgresql server package)",
        );
        return;
    };
    let root = pg.certificates().unwrap().root.display().to_string();
    let client = client();
    for (n, url) in [
        format!("{}?sslmode=require", pg.url()),
        format!("{}?sslmode=verify-ca&sslrootcert={root}", pg.url()),
        format!(
            "{}?sslmode=verify-full&sslrootcert={root}",
            pg.url_on("localhost")
        ),
        format!("{}?sslmode=prefer", pg.url()),
        format!("{}?sslmode=allow", pg.url()),
    ]
    .into_iter()
    .enumerate()
    {
        let server = Server::start(&url, &[]);
        let key = signup_and_login(&client, &server, &format!("user{n}@example.com")).await;
        let (status, body) = get_with(&client, server.url("/api/me"), &key).await;
        assert_eq!(status, StatusCode::OK, "{url}: {body}");
        let logs = server.logs();
        assert!(!logs.contains(LIBPQ_FALLBACK), "{url}: {logs}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_rustls_refuses_but_libpq_takes_keeps_the_service_on_libpq() {
    let Some(pg) = ThrowawayPostgres::start_with_tls_named_in_cn_only() else {
        skip_unless_required(
            "TOKENAUTH_REQUIRE_TLS_TEST",
            "the TLS test needs PostgreSQL's initdb and pg_ctl (the postgresql server package)",
        );
        return;
    };
    let root = pg.certificates().unwrap().root.display().to_string();
    let url = format!(
        "{}?sslmode=verify-full&sslrootcert={root}",
        pg.url_on("localhost")
    );
    let server = Server::start(&url, &[]);
    let client = client();
    let key = signup_and_login(&client, &server, "ada@example.com").await;
    let (status, body) = get_with(&client, server.url("/api/me"), &key).await;
    let logs = server.logs();
    assert_eq!(status, StatusCode::OK, "{body}: {logs}");
    assert!(logs.contains(LIBPQ_FALLBACK), "{logs}");
    assert!(logs.contains("TLS was refused"), "{logs}");
}
