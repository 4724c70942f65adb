use reqwest::StatusCode;
use tokenauth_adapters_db::Backend;

use crate::helpers::{PASSWORD, spawn_app};
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

on_both_backends!(
    ten_parallel_signups_of_one_email_give_one_201,
    eight_parallel_logins_leave_exactly_one_working_token,
);
