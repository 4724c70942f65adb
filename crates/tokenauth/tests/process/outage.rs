//! A PostgreSQL of its own, stopped under load and started again.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::server::{Server, client, get_with, post, signup_and_login, signup_body};
use crate::support::skip_unless_required;
use tokenauth_adapters_db::throwaway_postgres::ThrowawayPostgres;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_gives_bounded_503s_and_the_service_recovers_without_restart() {
    let Some(pg) = ThrowawayPostgres::start() else {
        skip_unless_required(
            "TOKENAUTH_REQUIRE_OUTAGE_TEST",
            "the outage test needs PostgreSQL's initdb and pg_ctl (the postgresql server package)",
        );
        return;
    };
    let server = Server::start(
        &pg.url(),
        &[("TOKENAUTH__DATABASE__CONNECT_TIMEOUT_SECONDS", "2")],
    );
    let client = client();
    let mut created = Vec::new();
    let mut refused = Vec::new();
    let signup = |n: usize| {
        let client = client.clone();
        let url = server.url("/api/signup");
        async move {
            let email = format!("user{n}@example.com");
            let started = Instant::now();
            let (status, body) = post(&client, url, signup_body(&email)).await;
            (email, status, body, started.elapsed())
        }
    };
    for n in 0..10 {
        let (email, status, _, _) = signup(n).await;
        assert_eq!(status, StatusCode::CREATED);
        created.push(email);
    }
    let key = signup_and_login(&client, &server, "reader@example.com").await;
    pg.stop();
    for n in 10..20 {
        let (email, status, body, took) = signup(n).await;
        assert!(
            took < Duration::from_secs(8),
            "a request took {took:?} during the outage"
        );
        if status == StatusCode::CREATED {
            created.push(email);
        } else {
            assert_eq!(
                (status, body),
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    json!({"detail": "Service temporarily unavailable."})
                )
            );
            refused.push(email);
        }
    }
    assert!(!refused.is_empty(), "the outage was seen");
    // Many at once: each is refused within the connect timeout, none waits
    // behind the others' attempts to reach the database.
    let reads = (0..40).map(|_| {
        let (client, url, key) = (client.clone(), server.url("/api/me"), key.clone());
        async move {
            let started = Instant::now();
            let (status, _) = get_with(&client, url, &key).await;
            (status, started.elapsed())
        }
    });
    for (status, took) in futures_util::future::join_all(reads).await {
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            took < Duration::from_secs(8),
            "a read took {took:?} during the outage"
        );
    }
    assert_eq!(
        client
            .get(server.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        client
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    pg.restart();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut n = 20;
    loop {
        let (email, status, _, _) = signup(n).await;
        n += 1;
        if status == StatusCode::CREATED {
            created.push(email);
            break;
        }
        refused.push(email);
        assert!(
            Instant::now() < deadline,
            "the service did not recover: {}",
            server.logs()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for n in n..n + 10 {
        let (email, status, _, _) = signup(n).await;
        assert_eq!(status, StatusCode::CREATED, "after recovery");
        created.push(email);
    }
    // The request path's async connections recover too, on both workers.
    for _ in 0..10 {
        let (status, _) = get_with(&client, server.url("/api/me"), &key).await;
        assert_eq!(status, StatusCode::OK, "a read after recovery");
    }
    assert_eq!(
        client
            .get(server.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    use diesel::prelude::*;
    let mut conn = diesel::PgConnection::establish(&pg.url()).unwrap();
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        email: String,
    }
    let stored: Vec<String> = diesel::sql_query("SELECT email FROM users")
        .load::<Row>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| r.email)
        .collect();
    for email in &created {
        assert!(stored.contains(email), "{email} got 201 but is not stored");
    }
    for email in &refused {
        assert!(
            !stored.contains(email),
            "{email} got an error but is stored"
        );
    }
}
