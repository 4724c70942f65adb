use reqwest::StatusCode;
use serde_json::json;
use tokenauth_adapters_db::Backend;

use crate::helpers::{PASSWORD, Reply, spawn_app, spawn_app_with};
use crate::on_both_backends;

fn assert_login_failure(reply: &Reply, message: &str) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert_eq!(reply.header("www-authenticate"), Some("Token"));
    assert_eq!(reply.body, json!({ "error": message }));
}

async fn login_returns_the_user_and_a_new_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app.signup("ada@example.com").await.body;
    let reply = app.login("ada@example.com", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["message"], "Success!");
    assert_eq!(reply.body["user"]["id"], user["id"]);
    assert_eq!(reply.body["user"]["email"], "ada@example.com");
    let token = &reply.body["token"];
    let key = token["key"].as_str().unwrap();
    assert_eq!(key.len(), 40);
    assert!(
        key.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    assert_eq!(token["user"], user["id"]);
    assert!(token["created"].as_str().is_some_and(|c| c.ends_with('Z')));
    assert!(token["expires"].as_str().is_some());
}

async fn login_sets_last_login(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signup("ada@example.com").await;
    let reply = app.login("ada@example.com", PASSWORD).await;
    assert_eq!(
        reply.body["user"]["last_login"],
        reply.body["token"]["created"]
    );
    let key = reply.body["token"]["key"].as_str().unwrap();
    assert_eq!(
        app.get_me(key).await.body["last_login"],
        reply.body["token"]["created"]
    );
}

async fn tokens_expire_ten_hours_after_issue_by_default(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signup("ada@example.com").await;
    let token = app.login("ada@example.com", PASSWORD).await.body["token"].clone();
    let created = chrono::DateTime::parse_from_rfc3339(token["created"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(token["expires"].as_str().unwrap()).unwrap();
    assert_eq!((expires - created).num_seconds(), 36_000);
}

async fn a_zero_ttl_issues_tokens_that_never_expire(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.token_ttl_seconds = 0).await;
    app.signup("ada@example.com").await;
    let reply = app.login("ada@example.com", PASSWORD).await;
    assert!(reply.body["token"]["expires"].is_null());
}

async fn login_ignores_the_case_of_the_email(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signup("Ada@Example.com").await;
    assert_eq!(
        app.login("ADA@EXAMPLE.COM", PASSWORD).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.login("  ada@example.com ", PASSWORD).await.status,
        StatusCode::OK
    );
}

async fn login_accepts_form_encoded_bodies(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signup("ada@example.com").await;
    let reply = app
        .post_form(
            "/api/login",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

async fn login_without_email_says_email_cannot_be_blank(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_login_failure(
        &app.post_json("/api/login", &json!({})).await,
        "Email cannot be blank!",
    );
    assert_login_failure(&app.login("   ", "").await, "Email cannot be blank!");
    assert_login_failure(
        &app.post_json("/api/login", &json!({"email": null, "password": "x"}))
            .await,
        "Email cannot be blank!",
    );
}

async fn login_without_password_says_password_cannot_be_blank(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_login_failure(
        &app.login("ada@example.com", "").await,
        "Password cannot be blank!",
    );
    let reply = app
        .post_json("/api/login", &json!({"email": "ada@example.com"}))
        .await;
    assert_login_failure(&reply, "Password cannot be blank!");
}

async fn unknown_email_and_wrong_password_answer_identically(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signup("ada@example.com").await;
    let unknown = app.login("nobody@example.com", PASSWORD).await;
    let wrong = app.login("ada@example.com", "wrong-password-1").await;
    assert_login_failure(&unknown, "Invalid Email or Password!");
    assert_login_failure(&wrong, "Invalid Email or Password!");
    let names = |r: &Reply| {
        let mut names: Vec<String> = r
            .headers
            .keys()
            .map(|k| k.to_string())
            .filter(|k| k != "date")
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(&unknown), names(&wrong));
}

async fn a_password_beyond_72_bytes_never_matches(backend: Backend) {
    let app = spawn_app(backend).await;
    let exactly_72 = "k".repeat(60) + "-Strong-9xZ";
    let exactly_72 = format!("{exactly_72}{}", "q".repeat(72 - exactly_72.len()));
    let reply = app
        .post_json(
            "/api/signup",
            &json!({"email": "ada@example.com", "phonenumber": "+1555", "password": exactly_72}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(
        app.login("ada@example.com", &exactly_72).await.status,
        StatusCode::OK
    );
    let longer = format!("{exactly_72}EXTRA");
    assert_login_failure(
        &app.login("ada@example.com", &longer).await,
        "Invalid Email or Password!",
    );
}

async fn an_inactive_user_cannot_log_in(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signup("ada@example.com").await;
    app.sql("UPDATE users SET is_active = FALSE");
    assert_login_failure(
        &app.login("ada@example.com", PASSWORD).await,
        "Invalid Email or Password!",
    );
}

async fn login_rotates_the_previous_token_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.user_with_token("ada@example.com").await;
    let second = app.token_for("ada@example.com").await;
    assert_ne!(first, second);
    assert_eq!(app.get_me(&first).await.detail(), "Invalid token.");
    assert_eq!(app.get_me(&second).await.status, StatusCode::OK);
    assert_eq!(app.count("auth_tokens"), 1);
}

async fn with_several_tokens_per_user_login_revokes_the_oldest_beyond_the_limit(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.tokens_per_user = 2).await;
    let first = app.user_with_token("ada@example.com").await;
    let second = app.token_for("ada@example.com").await;
    assert_eq!(app.get_me(&first).await.status, StatusCode::OK);
    let third = app.token_for("ada@example.com").await;
    assert_eq!(app.get_me(&first).await.detail(), "Invalid token.");
    assert_eq!(app.get_me(&second).await.status, StatusCode::OK);
    assert_eq!(app.get_me(&third).await.status, StatusCode::OK);
}

async fn tokens_are_stored_only_as_digests(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let stored = app
        .sql_text("SELECT digest AS value FROM auth_tokens")
        .unwrap();
    assert_eq!(stored.len(), 64);
    assert!(!stored.contains(&key));
    assert_eq!(app.get_me(&stored).await.detail(), "Invalid token.");
    assert_eq!(app.get_me(&stored[..40]).await.detail(), "Invalid token.");
}

on_both_backends!(
    login_returns_the_user_and_a_new_token,
    login_sets_last_login,
    tokens_expire_ten_hours_after_issue_by_default,
    a_zero_ttl_issues_tokens_that_never_expire,
    login_ignores_the_case_of_the_email,
    login_accepts_form_encoded_bodies,
    login_without_email_says_email_cannot_be_blank,
    login_without_password_says_password_cannot_be_blank,
    unknown_email_and_wrong_password_answer_identically,
    a_password_beyond_72_bytes_never_matches,
    an_inactive_user_cannot_log_in,
    login_rotates_the_previous_token_out,
    with_several_tokens_per_user_login_revokes_the_oldest_beyond_the_limit,
    tokens_are_stored_only_as_digests,
);
