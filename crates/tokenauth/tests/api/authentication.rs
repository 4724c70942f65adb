use reqwest::{Method, StatusCode};
use tokenauth_adapters_db::Backend;

use crate::helpers::{Reply, spawn_app};
use crate::on_both_backends;

fn assert_refused(reply: &Reply, detail: &str) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert_eq!(reply.header("www-authenticate"), Some("Token"));
    assert_eq!(reply.body, serde_json::json!({ "detail": detail }));
}

async fn me_returns_the_authenticated_user(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let reply = app.get_me(&key).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["email"], "ada@example.com");
    assert!(reply.body.get("password").is_none() && reply.body.get("password_hash").is_none());
}

async fn no_authorization_header_means_no_credentials(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app.request(Method::GET, "/api/me", None).await;
    assert_refused(&reply, "Authentication credentials were not provided.");
    let reply = app
        .request(Method::GET, "/api/me", Some(b"Basic dXNlcjpwYXNz"))
        .await;
    assert_refused(&reply, "Authentication credentials were not provided.");
}

async fn the_keyword_alone_has_no_credentials(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app.request(Method::GET, "/api/me", Some(b"Token")).await;
    assert_refused(&reply, "Invalid token header. No credentials provided.");
}

async fn a_key_with_spaces_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .request(Method::GET, "/api/me", Some(b"Token abc def"))
        .await;
    assert_refused(
        &reply,
        "Invalid token header. Token string should not contain spaces.",
    );
}

async fn a_key_with_non_ascii_characters_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .request(Method::GET, "/api/me", Some(b"Token abc\xe9def"))
        .await;
    assert_refused(
        &reply,
        "Invalid token header. Token string should not contain invalid characters.",
    );
}

async fn an_unknown_key_is_invalid(backend: Backend) {
    let app = spawn_app(backend).await;
    app.user_with_token("ada@example.com").await;
    assert_refused(&app.get_me(&"0".repeat(40)).await, "Invalid token.");
    assert_refused(&app.get_me("short").await, "Invalid token.");
}

async fn the_keyword_is_case_insensitive_and_bearer_works(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    for keyword in ["token", "TOKEN", "Bearer", "bearer"] {
        let header = format!("{keyword} {key}");
        let reply = app
            .request(Method::GET, "/api/me", Some(header.as_bytes()))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{keyword}");
    }
}

async fn an_expired_key_says_it_has_expired(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    app.sql("UPDATE auth_tokens SET expires = '2001-01-01 00:00:00'");
    assert_refused(&app.get_me(&key).await, "Token has expired.");
}

async fn a_user_deactivated_in_the_database_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    app.sql("UPDATE users SET is_active = FALSE");
    assert_refused(&app.get_me(&key).await, "User inactive or deleted.");
}

async fn use_slides_the_expiry_forward_at_most_once_a_minute(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let expires_of = |app: &crate::helpers::TestApp| {
        app.sql_text("SELECT CAST(expires AS TEXT) AS value FROM auth_tokens")
    };
    assert_eq!(app.get_me(&key).await.status, StatusCode::OK);
    let first_use = expires_of(&app);
    assert_eq!(app.get_me(&key).await.status, StatusCode::OK);
    assert_eq!(
        expires_of(&app),
        first_use,
        "a use within the minute of the last writes nothing"
    );
    app.sql(
        "UPDATE auth_tokens SET last_used = '2001-01-01 00:00:00', expires = '2999-01-01 00:00:00'",
    );
    assert_eq!(app.get_me(&key).await.status, StatusCode::OK);
    let slid = expires_of(&app).unwrap();
    assert!(
        slid.starts_with(&chrono::Utc::now().format("%Y").to_string()),
        "{slid}"
    );
    let last_used = app
        .sql_text("SELECT CAST(last_used AS TEXT) AS value FROM auth_tokens")
        .unwrap();
    assert!(!last_used.starts_with("2001"), "{last_used}");
}

on_both_backends!(
    me_returns_the_authenticated_user,
    no_authorization_header_means_no_credentials,
    the_keyword_alone_has_no_credentials,
    a_key_with_spaces_is_refused,
    a_key_with_non_ascii_characters_is_refused,
    an_unknown_key_is_invalid,
    the_keyword_is_case_insensitive_and_bearer_works,
    an_expired_key_says_it_has_expired,
    a_user_deactivated_in_the_database_is_refused,
    use_slides_the_expiry_forward_at_most_once_a_minute,
);
