//! Several processes on one database act as one service.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tokenauth_adapters_db::testing::TestDatabase;
use tokenauth_adapters_db::{Backend, Database, DatabaseSettings};

use crate::server::{Server, client, get_with, post, signup_and_login, signup_body};

async fn two_processes_behave_as_one_service(backend: Backend) {
    let db = TestDatabase::new(backend);
    let a = Server::start(db.url(), &[]);
    let b = Server::start(db.url(), &[]);
    let client = client();
    let key = signup_and_login(&client, &a, "ada@example.com").await;
    assert_eq!(
        get_with(&client, b.url("/api/me"), &key).await.0,
        StatusCode::OK,
        "issued on A, valid on B"
    );
    let (status, _) = post(
        &client,
        b.url("/api/signup"),
        signup_body("ADA@example.com"),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "one email, one account across processes"
    );

    let response = client
        .post(a.url("/api/logout"))
        .header("authorization", format!("Token {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let refused = answer_within(&client, &b, &key, StatusCode::UNAUTHORIZED).await;
    assert_eq!(
        refused,
        json!({"detail": "Invalid token."}),
        "logout on A holds on B"
    );

    let user_key = signup_and_login(&client, &b, "user@example.com").await;
    let user_id = get_with(&client, a.url("/api/me"), &user_key).await.1["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin_key = signup_and_login(&client, &a, "admin@example.com").await;
    promote(&db, "admin@example.com");
    let response = client
        .patch(a.url(&format!("/api/users/{user_id}")))
        .header("authorization", format!("Token {admin_key}"))
        .json(&json!({"is_active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    answer_within(&client, &b, &user_key, StatusCode::UNAUTHORIZED).await;
}

/// B's answer to `/api/me` with `key` once it is `status`, which it must
/// be within 100 ms (what B verified before may be kept until B hears of
/// the change).
async fn answer_within(
    client: &reqwest::Client,
    b: &Server,
    key: &str,
    status: StatusCode,
) -> serde_json::Value {
    let since = std::time::Instant::now();
    loop {
        let (answered, body) = get_with(client, b.url("/api/me"), key).await;
        if answered == status {
            return body;
        }
        assert!(
            since.elapsed() < Duration::from_millis(100),
            "B still answered {answered} after 100 ms"
        );
    }
}

/// Staff status for a user of `db`, written as an operator would.
fn promote(db: &TestDatabase, email: &str) {
    let database = Database::open(&DatabaseSettings {
        url: db.url().into(),
        pool_size: 1,
        workers: 1,
        connect_timeout: Duration::from_secs(5),
    })
    .unwrap();
    tokenauth_adapters_db::testing::promote(&database, email, false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_postgres_behave_as_one_service() {
    two_processes_behave_as_one_service(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_sqlite_file_behave_as_one_service() {
    two_processes_behave_as_one_service(Backend::Sqlite).await;
}
