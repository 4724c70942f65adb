//! SIGTERM and SIGINT: stop accepting, finish what is in flight, exit 0.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tokenauth_adapters_db::Backend;
use tokenauth_adapters_db::testing::TestDatabase;

use crate::server::{Server, client, post, signup_body};
use crate::support::PASSWORD;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_requests_in_flight_refuses_new_ones_and_exits_0() {
    graceful_stop_on("TERM").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_as_gracefully_as_sigterm() {
    graceful_stop_on("INT").await;
}

async fn graceful_stop_on(signal: &str) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let db = TestDatabase::new(Backend::Sqlite);
    let mut server = Server::start(db.url(), &[]);
    let client = client();
    let (status, _) = post(
        &client,
        server.url("/api/signup"),
        signup_body("ada@example.com"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    // A login whose body is still arriving when the signal comes: certainly in flight.
    let body = json!({"email": "ada@example.com", "password": PASSWORD}).to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let mut in_flight =
        tokio::net::TcpStream::connect(server.address.trim_start_matches("http://"))
            .await
            .unwrap();
    let head = format!(
        "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    in_flight.write_all(head.as_bytes()).await.unwrap();
    in_flight.write_all(first.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    server.signal(signal);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let late = reqwest::Client::new()
        .get(server.url("/healthz"))
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(
        late.is_err(),
        "new connections are refused while stopping: {late:?}"
    );

    in_flight.write_all(rest.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(
        Duration::from_secs(20),
        in_flight.read_to_string(&mut response),
    )
    .await
    .expect("the response comes")
    .unwrap();
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "the request in flight completes: {response}"
    );
    assert!(response.contains("\"message\":\"Success!\""), "{response}");
    assert_eq!(
        server.wait_exit(Duration::from_secs(30)),
        Some(0),
        "{}",
        server.logs()
    );
}
