use reqwest::{Method, StatusCode};
use serde_json::json;
use tokenauth_adapters_db::Backend;

use crate::helpers::{PASSWORD, spawn_app, spawn_app_with};
use crate::on_both_backends;

async fn ten_parallel_signups_of_one_email_give_one_201(backend: Backend) {
    let app = spawn_app(backend).await;
    let replies =
        futures_util::future::join_all((0..10).map(|_| app.signup("race@example.com"))).await;
    let created = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let duplicates = replies
        .iter()
        .filter(|r| {
            r.status == StatusCode::BAD_REQUEST
                && r.body == serde_json::json!({"email": ["user with this email already exists."]})
        })
        .count();
    assert_eq!((created, duplicates), (1, 9), "{replies:?}");
    assert_eq!(app.count("users"), 1);
}

async fn eight_parallel_logins_leave_exactly_one_working_token(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signup("ada@example.com").await;
    let replies =
        futures_util::future::join_all((0..8).map(|_| app.login("ada@example.com", PASSWORD)))
            .await;
    assert!(
        replies.iter().all(|r| r.status == StatusCode::OK),
        "{replies:?}"
    );
    let mut working = 0;
    for reply in &replies {
        let key = reply.body["token"]["key"].as_str().unwrap();
        if app.get_me(key).await.status == StatusCode::OK {
            working += 1;
        }
    }
    assert_eq!(working, 1);
    assert_eq!(app.count("auth_tokens"), 1);
}

async fn personal_tokens_made_during_parallel_logins_all_survive(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.tokens_per_user = 2).await;
    let session = app.user_with_token("ada@example.com").await;
    let logins =
        futures_util::future::join_all((0..6).map(|_| app.login("ada@example.com", PASSWORD)));
    let bodies: Vec<_> = (0..6)
        .map(|i| json!({"name": format!("script {i}"), "scopes": ["account:read"]}))
        .collect();
    let made = futures_util::future::join_all(
        bodies
            .iter()
            .map(|body| app.send_json(Method::POST, "/api/me/tokens", &session, body)),
    );
    let (logins, made) = futures_util::future::join(logins, made).await;
    assert!(
        logins.iter().all(|r| r.status == StatusCode::OK),
        "{logins:?}"
    );
    // The session that made them may itself be rotated out by the logins:
    // then some creations are refused with 401, and none is half made.
    let created: Vec<&str> = made
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .map(|r| r.body["key"].as_str().unwrap())
        .collect();
    assert!(
        made.iter()
            .all(|r| r.status == StatusCode::CREATED || r.status == StatusCode::UNAUTHORIZED),
        "{made:?}"
    );
    for key in &created {
        assert_eq!(app.get_me(key).await.status, StatusCode::OK);
    }
    assert_eq!(
        app.count("auth_tokens WHERE kind = 'personal'"),
        created.len() as i64
    );
    assert_eq!(app.count("auth_tokens WHERE kind = 'session'"), 2);
}

on_both_backends!(
    personal_tokens_made_during_parallel_logins_all_survive,
    ten_parallel_signups_of_one_email_give_one_201,
    eight_parallel_logins_leave_exactly_one_working_token,
);
