//! The logs an operator reads.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokenauth_adapters_db::Backend;
use tokenauth_adapters_db::testing::TestDatabase;

use crate::server::{Server, client, get_with, post, signup_and_login};
use crate::support::PASSWORD;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_have_one_line_per_request_and_no_secrets() {
    let db = TestDatabase::new(Backend::Sqlite);
    let server = Server::start(db.url(), &[("TOKENAUTH__LOG__FORMAT", "json")]);
    let client = client();
    let key = signup_and_login(&client, &server, "ada@example.com").await;
    let (status, _) = get_with(&client, server.url("/api/me"), &key).await;
    assert_eq!(status, StatusCode::OK);
    post(
        &client,
        server.url("/api/login"),
        json!({"email": "ada@example.com", "password": "Wrong-Secret-99"}),
    )
    .await;
    client
        .post(server.url("/api/logout"))
        .header("authorization", format!("Token {key}"))
        .header("x-request-id", "trace-me-1")
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let logs = server.logs();
    let hash = {
        let dir = db.url().trim_start_matches("sqlite://");
        let conn_url = dir.to_owned();
        use diesel::prelude::*;
        let mut conn = diesel::SqliteConnection::establish(&conn_url).unwrap();
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            password_hash: String,
        }
        diesel::sql_query("SELECT password_hash FROM users")
            .get_result::<Row>(&mut conn)
            .unwrap()
            .password_hash
    };
    for secret in [
        PASSWORD,
        "Wrong-Secret-99",
        key.as_str(),
        hash.as_str(),
        &hash[7..],
    ] {
        assert!(!logs.contains(secret), "a secret reached the logs:\n{logs}");
    }
    let requests: Vec<Value> = logs
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap_or_else(|_| panic!("not JSON: {line}"))
        })
        .filter(|line| line["target"] == "tokenauth::http")
        .collect();
    assert_eq!(requests.len(), 5, "{logs}");
    for line in &requests {
        for field in ["method", "route", "status", "latency_ms"] {
            assert!(!line["fields"][field].is_null(), "{field} in {line}");
        }
        assert!(line["span"]["request_id"].is_string(), "{line}");
    }
    assert!(
        requests
            .iter()
            .any(|l| l["span"]["request_id"] == "trace-me-1"
                && l["fields"]["route"] == "/api/logout")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_lines_are_turned_off_by_their_target_alone() {
    let db = TestDatabase::new(Backend::Sqlite);
    let server = Server::start(db.url(), &[("RUST_LOG", "info,tokenauth::http=warn")]);
    let client = client();
    let response = client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let logs = server.logs();
    assert!(logs.contains("tokenauth is serving"), "{logs}");
    assert!(!logs.contains("tokenauth::http"), "{logs}");
}

/// The server's logs after it answered `request`, sent with the request id
/// `id`, once the log writer's thread has written them.
async fn logs_after(server: &Server, request: reqwest::RequestBuilder, id: &str) -> String {
    request.header("x-request-id", id).send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.logs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_access_lines_carry_the_request_id() {
    let db = TestDatabase::new(Backend::Sqlite);
    let server = Server::start(db.url(), &[]);
    let logs = logs_after(&server, client().get(server.url("/healthz")), "trace-me-2").await;
    assert!(
        logs.contains(
            " INFO request{request_id=\"trace-me-2\"}: tokenauth::http: request \
             method=\"GET\" route=\"/healthz\" status=200 latency_ms="
        ),
        "{logs}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warning_during_a_request_carries_its_id_at_the_warn_level() {
    let db = TestDatabase::new(Backend::Sqlite);
    // A throttle store nobody answers at: the first login warns, once.
    // The HTTP edge logs at the warn level only; the request's span is
    // still made (`tokenauth` at info: the line that says where the server
    // listens; a directive names a target's prefix).
    let server = Server::start(
        db.url(),
        &[
            (
                "RUST_LOG",
                "warn,tokenauth=info,tokenauth_adapters_http=warn",
            ),
            ("TOKENAUTH__THROTTLE__LOGIN", "10/minute"),
            ("TOKENAUTH__THROTTLE__REDIS_URL", "redis://127.0.0.1:1"),
        ],
    );
    let login = client()
        .post(server.url("/api/login"))
        .json(&json!({"email": "ada@example.com", "password": "Wrong-Secret-99"}));
    let logs = logs_after(&server, login, "warned-1").await;
    assert!(
        logs.contains(" WARN request{request_id=\"warned-1\"}: ")
            && logs.contains("throttle store: unreachable"),
        "{logs}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_by_span_still_sees_the_request_span() {
    let db = TestDatabase::new(Backend::Sqlite);
    // A directive that names a span: the filter (EnvFilter rather than
    // Targets) sees the request span and lets its lines through.
    let server = Server::start(
        db.url(),
        &[("RUST_LOG", "warn,tokenauth=info,[request]=debug")],
    );
    let logs = logs_after(&server, client().get(server.url("/healthz")), "spanned-1").await;
    assert!(
        logs.contains(" INFO request{request_id=\"spanned-1\"}: tokenauth::http: request "),
        "{logs}"
    );
}
