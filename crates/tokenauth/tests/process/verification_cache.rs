//! Each process keeps the tokens it verified; a change made through any
//! process (or by hand in the database) reaches every other within 100 ms.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use tokenauth_adapters_db::Backend;
use tokenauth_adapters_db::testing::TestDatabase;

use crate::server::{Server, client, get_with, post, signup_and_login};
use crate::support::PASSWORD;

/// The contract's bound on how long a revoked token may still work on
/// another process.
const WITHIN: Duration = Duration::from_millis(100);

/// How long after `revoked` process `b` first refused `key`, polling as
/// fast as one client can; panics when it never does within a second, or
/// when it accepts the key again after refusing it.
async fn refused_after(
    client: &reqwest::Client,
    b: &Server,
    key: &str,
    revoked: Instant,
) -> Duration {
    let refused = loop {
        let (status, _) = get_with(client, b.url("/api/auth/verify"), key).await;
        if status == StatusCode::UNAUTHORIZED {
            break revoked.elapsed();
        }
        assert_eq!(status, StatusCode::OK);
        assert!(
            revoked.elapsed() < Duration::from_secs(1),
            "still accepted after a second"
        );
    };
    for _ in 0..3 {
        let (status, _) = get_with(client, b.url("/api/auth/verify"), key).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "accepted again after a refusal"
        );
    }
    refused
}

async fn login(client: &reqwest::Client, server: &Server, email: &str) -> String {
    let (status, body) = post(
        client,
        server.url("/api/login"),
        json!({"email": email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["token"]["key"].as_str().unwrap().to_owned()
}

async fn logout(client: &reqwest::Client, server: &Server, key: &str) -> Instant {
    let response = client
        .post(server.url("/api/logout"))
        .header("authorization", format!("Token {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    Instant::now()
}

/// Revocation latencies, sorted: `trials` logins on A, each verified (and
/// so kept) on B, then logged out on A.
async fn revocation_latencies(a: &Server, b: &Server, email: &str, trials: usize) -> Vec<Duration> {
    let client = client();
    let mut latencies = Vec::with_capacity(trials);
    for _ in 0..trials {
        let key = login(&client, a, email).await;
        for _ in 0..2 {
            assert_eq!(
                get_with(&client, b.url("/api/auth/verify"), &key).await.0,
                StatusCode::OK
            );
        }
        let revoked = logout(&client, a, &key).await;
        latencies.push(refused_after(&client, b, &key, revoked).await);
    }
    latencies.sort();
    latencies
}

fn report(what: &str, latencies: &[Duration]) -> Duration {
    let max = *latencies.last().unwrap();
    let p99 = latencies[(latencies.len() * 99).div_ceil(100) - 1];
    println!(
        "{what}: {} trials, p99 {p99:?}, max {max:?}",
        latencies.len()
    );
    max
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_on_one_process_is_refused_on_another_within_100_ms() {
    let db = TestDatabase::new(Backend::Postgres);
    let a = Server::start(db.url(), &[]);
    let b = Server::start(db.url(), &[]);
    signup_and_login(&client(), &a, "ada@example.com").await;
    let latencies = revocation_latencies(&a, &b, "ada@example.com", 200).await;
    let max = report("revoked on A, refused on B", &latencies);
    assert!(max <= WITHIN, "max {max:?}");
}

/// `count` session tokens of one new user on `server` (signed up, then
/// logged in `count` times; the server must keep that many per user).
async fn sessions(client: &reqwest::Client, server: &Server, count: usize) -> Vec<String> {
    signup_and_login(client, server, "ada@example.com").await;
    let mut keys = Vec::with_capacity(count);
    for _ in 0..count {
        keys.push(login(client, server, "ada@example.com").await);
    }
    keys
}

/// Every one of `keys` passes verify on `server`.
async fn assert_all_verified(client: &reqwest::Client, server: &Server, keys: &[String]) {
    for key in keys {
        let (status, _) = get_with(client, server.url("/api/auth/verify"), key).await;
        assert_eq!(status, StatusCode::OK);
    }
}

/// Whether `sql` (one text column, `value`) answered `true`.
fn sql_bool(db: &TestDatabase, sql: &str) -> bool {
    sql_text(db, "", sql) == "true"
}

/// The listener connection of `server`'s process, ended from the database's side.
fn cut_listener(db: &TestDatabase, server: &Server) -> bool {
    let name = format!("tokenauth-listener-{}", server.pid());
    sql_bool(
        db,
        &format!(
            "SELECT pg_terminate_backend(pid)::text AS value FROM pg_stat_activity \
             WHERE application_name = '{name}'"
        ),
    )
}

fn listening(db: &TestDatabase, server: &Server) -> bool {
    let name = format!("tokenauth-listener-{}", server.pid());
    sql_bool(
        db,
        &format!(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = '{name}')::text \
             AS value"
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_holds_while_the_listener_is_cut_and_after_it_is_back() {
    let db = TestDatabase::new(Backend::Postgres);
    let a = Server::start(db.url(), &[]);
    let b = Server::start(db.url(), &[]);
    let client = client();
    signup_and_login(&client, &a, "ada@example.com").await;
    let key = login(&client, &a, "ada@example.com").await;
    assert_eq!(
        get_with(&client, b.url("/api/auth/verify"), &key).await.0,
        StatusCode::OK
    );
    assert!(cut_listener(&db, &b), "B's listener was found and ended");
    // Whatever B kept is no longer trusted: the logout holds at once.
    let revoked = logout(&client, &a, &key).await;
    let latency = refused_after(&client, &b, &key, revoked).await;
    assert!(latency <= WITHIN, "{latency:?}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !listening(&db, &b) {
        assert!(Instant::now() < deadline, "B never listened again");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let latencies = revocation_latencies(&a, &b, "ada@example.com", 20).await;
    let max = report("after the listener came back", &latencies);
    assert!(max <= WITHIN, "max {max:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_cache_evicts_without_refusing_valid_tokens() {
    let db = TestDatabase::new(Backend::Postgres);
    let server = Server::start(
        db.url(),
        &[
            ("TOKENAUTH__DATABASE__VERIFIED_TOKENS", "8"),
            ("TOKENAUTH__AUTH__TOKENS_PER_USER", "100"),
        ],
    );
    let client = client();
    let keys = sessions(&client, &server, 40).await;
    for _ in 0..3 {
        assert_all_verified(&client, &server, &keys).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_by_hand_in_the_database_reaches_every_process() {
    let db = TestDatabase::new(Backend::Postgres);
    let a = Server::start(db.url(), &[]);
    let client = client();
    let key = signup_and_login(&client, &a, "ada@example.com").await;
    assert_eq!(
        get_with(&client, a.url("/api/auth/verify"), &key).await.0,
        StatusCode::OK
    );
    assert!(sql_bool(
        &db,
        "UPDATE users SET is_active = FALSE RETURNING 'true' AS value"
    ));
    let latency = refused_after(&client, &a, &key, Instant::now()).await;
    assert!(latency <= WITHIN, "{latency:?}");
}

/// The value of a one-text-column query (`value`), run after `setup`.
fn sql_text(db: &TestDatabase, setup: &str, sql: &str) -> String {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    let mut conn = diesel::PgConnection::establish(db.url()).unwrap();
    if !setup.is_empty() {
        diesel::connection::SimpleConnection::batch_execute(&mut conn, setup).unwrap();
    }
    diesel::sql_query(sql)
        .get_result::<Row>(&mut conn)
        .unwrap()
        .value
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_token_is_answered_without_a_read_until_its_notice_arrives() {
    let db = TestDatabase::new(Backend::Postgres);
    let server = Server::start(db.url(), &[]);
    let client = client();
    let key = signup_and_login(&client, &server, "ada@example.com").await;
    assert_eq!(
        get_with(&client, server.url("/api/auth/verify"), &key)
            .await
            .0,
        StatusCode::OK
    );
    let digest = sql_text(&db, "", "SELECT digest AS value FROM auth_tokens");
    // Gone without a notice (triggers off for this session): the process
    // still answers from what it keeps, so it did not read.
    sql_text(
        &db,
        "SET session_replication_role = replica",
        "DELETE FROM auth_tokens RETURNING digest AS value",
    );
    assert_eq!(
        get_with(&client, server.url("/api/auth/verify"), &key)
            .await
            .0,
        StatusCode::OK
    );
    // The notice alone makes it forget.
    sql_text(
        &db,
        "",
        &format!("SELECT pg_notify('tokenauth_tokens', '{digest}')::text || 'sent' AS value"),
    );
    let latency = refused_after(&client, &server, &key, Instant::now()).await;
    assert!(latency <= WITHIN, "{latency:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uses_are_written_together_within_about_a_second() {
    let db = TestDatabase::new(Backend::Postgres);
    let server = Server::start(db.url(), &[("TOKENAUTH__AUTH__TOKENS_PER_USER", "100")]);
    let client = client();
    let keys = sessions(&client, &server, 10).await;
    // Every token last used long ago: its next use slides it.
    sql_text(
        &db,
        "",
        "UPDATE auth_tokens SET last_used = '2001-01-01' RETURNING 'true' AS value",
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_all_verified(&client, &server, &keys).await;
    let old = "SELECT count(*)::text AS value FROM auth_tokens WHERE last_used < '2002-01-01'";
    let deadline = Instant::now() + Duration::from_millis(2500);
    while sql_text(&db, "", old) != "1" {
        assert!(
            Instant::now() < deadline,
            "uses not written: {}",
            sql_text(&db, "", old)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
