use reqwest::{Method, StatusCode};
use tokenauth_adapters_db::Backend;

use crate::helpers::{spawn_app, spawn_app_with};
use crate::on_both_backends;

async fn logout_revokes_the_token_used(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let reply = app.post_with_token("/api/logout", &key).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply.body.is_null());
    assert_eq!(app.get_me(&key).await.detail(), "Invalid token.");
}

async fn logout_leaves_the_users_other_tokens(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.tokens_per_user = 3).await;
    let phone = app.user_with_token("ada@example.com").await;
    let laptop = app.token_for("ada@example.com").await;
    app.post_with_token("/api/logout", &phone).await;
    assert_eq!(app.get_me(&laptop).await.status, StatusCode::OK);
}

async fn logout_all_revokes_every_token_of_the_user(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.tokens_per_user = 3).await;
    let phone = app.user_with_token("ada@example.com").await;
    let laptop = app.token_for("ada@example.com").await;
    let other_user = app.user_with_token("bob@example.com").await;
    let reply = app.post_with_token("/api/logoutall", &laptop).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get_me(&phone).await.detail(), "Invalid token.");
    assert_eq!(app.get_me(&laptop).await.detail(), "Invalid token.");
    assert_eq!(app.get_me(&other_user).await.status, StatusCode::OK);
}

async fn logout_requires_a_token(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/api/logout", "/api/logoutall"] {
        let reply = app.request(Method::POST, path, None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            reply.detail(),
            "Authentication credentials were not provided."
        );
    }
}

on_both_backends!(
    logout_revokes_the_token_used,
    logout_leaves_the_users_other_tokens,
    logout_all_revokes_every_token_of_the_user,
    logout_requires_a_token,
);
