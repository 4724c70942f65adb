use reqwest::StatusCode;
use serde_json::json;
use tokenauth_adapters_db::Backend;

use crate::helpers::{PASSWORD, Reply, TestApp, spawn_app_with};
use crate::on_both_backends;

fn assert_throttled(reply: &Reply, seconds: u64) {
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{reply:?}");
    let unit = if seconds == 1 { "second" } else { "seconds" };
    assert_eq!(
        reply.detail(),
        format!("Request was throttled. Expected available in {seconds} {unit}.")
    );
    assert_eq!(
        reply.header("retry-after"),
        Some(seconds.to_string().as_str())
    );
}

async fn login_from(app: &TestApp, ip: &str, email: &str) -> Reply {
    app.post_json_with(
        "/api/login",
        &[("x-forwarded-for", ip)],
        &json!({"email": email, "password": PASSWORD}),
    )
    .await
}

async fn every_login_request_counts_against_the_ip(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.throttle.login = "3/minute".into()).await;
    app.signup("ada@example.com").await;
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.login("nobody@example.com", "x").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.post_raw("/api/login", "application/json", "{")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_throttled(&app.login("ada@example.com", PASSWORD).await, 60);
}

async fn second_steps_count_against_the_ip_with_logins(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.throttle.login = "3/minute".into()).await;
    let body = json!({"mfa_token": "0".repeat(40), "code": "123456"});
    for _ in 0..3 {
        let reply = app.post_json("/api/login/mfa", &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    }
    assert_throttled(&app.post_json("/api/login/mfa", &body).await, 60);
    assert_throttled(&app.login("ada@example.com", PASSWORD).await, 60);
}

async fn passkey_login_options_are_throttled_per_ip_in_a_window_of_their_own(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.throttle.login = "2/minute".into()).await;
    let options = || app.request(reqwest::Method::POST, "/api/login/passkey/options", None);
    for _ in 0..2 {
        assert_eq!(options().await.status, StatusCode::OK);
    }
    assert_throttled(&options().await, 60);
    // Asking for options took nothing from the login window.
    app.signup("ada@example.com").await;
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
}

async fn logins_are_throttled_per_email_across_addresses(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.throttle.login = "2/minute".into();
        s.server.trusted_proxies = 1;
    })
    .await;
    app.signup("ada@example.com").await;
    assert_eq!(
        login_from(&app, "10.0.0.1", "ada@example.com").await.status,
        StatusCode::OK
    );
    assert_eq!(
        login_from(&app, "10.0.0.2", "ADA@example.com").await.status,
        StatusCode::OK
    );
    assert_throttled(&login_from(&app, "10.0.0.3", "ada@example.com").await, 60);
    assert_eq!(
        login_from(&app, "10.0.0.4", "bob@example.com").await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn signups_are_throttled_per_ip(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.throttle.signup = "2/hour".into()).await;
    assert_eq!(
        app.signup("a@example.com").await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        app.signup("b@example.com").await.status,
        StatusCode::CREATED
    );
    assert_throttled(&app.signup("c@example.com").await, 3600);
    assert_eq!(app.count("users"), 2);
}

async fn a_spoofed_forwarded_for_changes_nothing_without_trusted_proxies(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.throttle.signup = "1/hour".into()).await;
    let signup = |ip: &'static str, email: &'static str| {
        let app = &app;
        async move {
            app.post_json_with(
                "/api/signup",
                &[("x-forwarded-for", ip)],
                &json!({"email": email, "phonenumber": "+1555", "password": PASSWORD}),
            )
            .await
        }
    };
    assert_eq!(
        signup("1.1.1.1", "a@example.com").await.status,
        StatusCode::CREATED
    );
    assert_throttled(&signup("2.2.2.2", "b@example.com").await, 3600);
}

async fn behind_a_trusted_proxy_the_forwarded_address_is_the_client(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.throttle.signup = "1/hour".into();
        s.server.trusted_proxies = 1;
    })
    .await;
    let signup = |xff: &'static str, email: &'static str| {
        let app = &app;
        async move {
            app.post_json_with(
                "/api/signup",
                &[("x-forwarded-for", xff)],
                &json!({"email": email, "phonenumber": "+1555", "password": PASSWORD}),
            )
            .await
        }
    };
    assert_eq!(
        signup("9.9.9.9, 1.1.1.1", "a@example.com").await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        signup("9.9.9.9, 2.2.2.2", "b@example.com").await.status,
        StatusCode::CREATED
    );
    assert_throttled(&signup("8.8.8.8, 2.2.2.2", "c@example.com").await, 3600);
}

async fn a_one_second_wait_is_said_in_the_singular(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.throttle.login = "1/second".into()).await;
    app.login("ada@example.com", PASSWORD).await;
    assert_throttled(&app.login("ada@example.com", PASSWORD).await, 1);
}

async fn off_turns_throttling_off(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.throttle.login = "off".into()).await;
    for _ in 0..15 {
        assert_eq!(
            app.login("nobody@example.com", "x").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
}

on_both_backends!(
    every_login_request_counts_against_the_ip,
    second_steps_count_against_the_ip_with_logins,
    passkey_login_options_are_throttled_per_ip_in_a_window_of_their_own,
    logins_are_throttled_per_email_across_addresses,
    signups_are_throttled_per_ip,
    a_spoofed_forwarded_for_changes_nothing_without_trusted_proxies,
    behind_a_trusted_proxy_the_forwarded_address_is_the_client,
    a_one_second_wait_is_said_in_the_singular,
    off_turns_throttling_off,
);
