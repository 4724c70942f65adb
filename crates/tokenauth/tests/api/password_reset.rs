//! Password reset by mail, against a real SMTP server: the request, the
//! mailed link, its page, and the confirmation.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use tokenauth_adapters_db::Backend;

use crate::helpers::{PASSWORD, Reply, TestApp, field_error, spawn_app_with};
use crate::on_both_backends;
use crate::support::TestSmtp;

const NEW_PASSWORD: &str = "brand-New-pass-7";
const PUBLIC_URL: &str = "https://auth.example.test";

async fn mail_app(backend: Backend) -> Option<(TestApp, TestSmtp)> {
    let smtp = TestSmtp::start()?;
    let url = smtp.url();
    let app = spawn_app_with(backend, move |s| {
        s.mail.backend = tokenauth::settings::MailBackend::Smtp;
        s.mail.smtp_url = url.into();
        s.auth.public_url = PUBLIC_URL.into();
    })
    .await;
    Some((app, smtp))
}

async fn request_reset(app: &TestApp, email: &str) -> Reply {
    app.post_json("/api/password/reset", &json!({"email": email}))
        .await
}

async fn confirm(app: &TestApp, token: &str, new_password: &str) -> Reply {
    app.post_json(
        "/api/password/reset/confirm",
        &json!({"token": token, "new_password": new_password}),
    )
    .await
}

/// The link of the newest message, which stands alone on its line.
fn link_in(message: &str) -> String {
    message
        .lines()
        .find(|line| line.starts_with(PUBLIC_URL))
        .expect("a line holding only the link")
        .trim()
        .to_owned()
}

fn key_of(link: &str) -> String {
    link.rsplit("token=").next().unwrap().to_owned()
}

/// Asks for a reset of `email` and returns the key from the mailed link.
async fn mailed_key(app: &TestApp, smtp: &TestSmtp, email: &str) -> String {
    let before = smtp.messages().len();
    assert_eq!(
        request_reset(app, email).await.status,
        StatusCode::NO_CONTENT
    );
    let messages = smtp.wait_for(before + 1);
    assert_eq!(messages.len(), before + 1, "one message arrives");
    key_of(&link_in(messages.last().unwrap()))
}

async fn known_and_unknown_addresses_get_the_same_answer_and_only_one_gets_mail(backend: Backend) {
    let Some((app, smtp)) = mail_app(backend).await else {
        return;
    };
    app.signup("ada@example.com").await;
    let known = request_reset(&app, "ada@example.com").await;
    let unknown = request_reset(&app, "nobody@example.com").await;
    assert_eq!(known.status, StatusCode::NO_CONTENT);
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    let names = |reply: &Reply| {
        let mut names: Vec<String> = reply
            .headers
            .keys()
            .map(|name| name.as_str().to_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(&known), names(&unknown), "the same headers");
    let messages = smtp.wait_for(1);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let messages_after = smtp.messages();
    assert_eq!((messages.len(), messages_after.len()), (1, 1));
    assert!(messages_after[0].contains("To: ada@example.com"));
    assert!(messages_after[0].contains("Subject: Reset your password"));
}

async fn the_mailed_link_sets_a_new_password_and_revokes_every_token(backend: Backend) {
    let Some((app, smtp)) = mail_app(backend).await else {
        return;
    };
    let session = app.user_with_token("ada@example.com").await;
    let personal = app
        .send_json(
            Method::POST,
            "/api/me/tokens",
            &session,
            &json!({"name": "script", "scopes": ["account:read"]}),
        )
        .await
        .body["key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        request_reset(&app, "ADA@example.com ").await.status,
        StatusCode::NO_CONTENT
    );
    let message = smtp.wait_for(1).pop().expect("the reset message");
    let link = link_in(&message);
    assert!(
        link.starts_with(&format!("{PUBLIC_URL}/reset-password?token=")),
        "{link}"
    );
    let key = key_of(&link);
    assert_eq!(key.len(), 40);
    assert!(
        !message.contains(
            &app.sql_text("SELECT digest AS value FROM account_keys")
                .unwrap()
        )
    );
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status,
        StatusCode::OK,
        "the old password works until the confirmation"
    );

    assert_eq!(
        confirm(&app, &key, NEW_PASSWORD).await.status,
        StatusCode::NO_CONTENT
    );
    for key in [&session, &personal] {
        assert_eq!(app.get_me(key).await.detail(), "Invalid token.");
    }
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("ada@example.com", NEW_PASSWORD).await.status,
        StatusCode::OK
    );
    let again = confirm(&app, &key, "yet-Another-pass-8").await;
    assert_eq!(
        again.body,
        field_error("token", "Invalid or expired token."),
        "single use"
    );
}

async fn a_reset_is_recorded_after_its_request(backend: Backend) {
    let Some((app, smtp)) = mail_app(backend).await else {
        return;
    };
    app.signup("ada@example.com").await;
    let key = mailed_key(&app, &smtp, "ada@example.com").await;
    confirm(&app, &key, NEW_PASSWORD).await;
    let session = app.login("ada@example.com", NEW_PASSWORD).await.body["token"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        &app.event_types(&session).await[..3],
        [
            "login.succeeded",
            "password.reset",
            "password.reset_requested"
        ]
    );
}

async fn the_link_opens_a_form_and_changes_nothing(backend: Backend) {
    let Some((app, smtp)) = mail_app(backend).await else {
        return;
    };
    app.signup("ada@example.com").await;
    let key = mailed_key(&app, &smtp, "ada@example.com").await;
    for _ in 0..2 {
        let response = app
            .client
            .get(app.url(&format!("/reset-password?token={key}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let html = response.text().await.unwrap();
        assert!(
            html.contains(r#"action="/api/password/reset/confirm""#),
            "{html}"
        );
        assert!(
            html.contains(&format!(
                r#"type="hidden" id="token" name="token" value="{key}""#
            )),
            "{html}"
        );
    }
    assert_eq!(
        app.count("account_keys WHERE used IS NULL"),
        1,
        "opening the link consumed nothing"
    );
    assert_eq!(
        confirm(&app, &key, NEW_PASSWORD).await.status,
        StatusCode::NO_CONTENT
    );
}

async fn missing_and_blank_fields_are_reported_together(backend: Backend) {
    let Some((app, _smtp)) = mail_app(backend).await else {
        return;
    };
    let empty = app
        .post_json("/api/password/reset/confirm", &json!({}))
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert_eq!(empty.keys(), ["token", "new_password"]);
    assert_eq!(
        empty.body,
        json!({"token": ["This field is required."], "new_password": ["This field is required."]})
    );
    let blank = confirm(&app, "  ", "").await;
    assert_eq!(
        blank.body,
        json!({"token": ["This field may not be blank."], "new_password": ["This field may not be blank."]})
    );
}

async fn an_unknown_malformed_or_expired_key_is_refused_and_consumes_nothing(backend: Backend) {
    let Some((app, smtp)) = mail_app(backend).await else {
        return;
    };
    app.signup("ada@example.com").await;
    for key in ["nope", &"a".repeat(40)] {
        let reply = confirm(&app, key, NEW_PASSWORD).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{key}");
        assert_eq!(
            reply.body,
            field_error("token", "Invalid or expired token.")
        );
    }
    let key = mailed_key(&app, &smtp, "ada@example.com").await;
    let weak = confirm(&app, &key, "12345678").await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    assert_eq!(weak.keys(), ["new_password"], "the key was good: {weak:?}");
    let similar = confirm(&app, &key, "ada@example.com1").await;
    assert_eq!(
        similar.body,
        field_error("new_password", "The password is too similar to the email.")
    );
    app.sql("UPDATE account_keys SET expires = '2001-01-01 00:00:00'");
    let expired = confirm(&app, &key, NEW_PASSWORD).await;
    assert_eq!(
        expired.body,
        field_error("token", "Invalid or expired token.")
    );
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
}

async fn using_one_reset_key_consumes_the_others(backend: Backend) {
    let Some((app, smtp)) = mail_app(backend).await else {
        return;
    };
    app.signup("ada@example.com").await;
    let first = mailed_key(&app, &smtp, "ada@example.com").await;
    let second = mailed_key(&app, &smtp, "ada@example.com").await;
    assert_ne!(first, second);
    assert_eq!(
        confirm(&app, &second, NEW_PASSWORD).await.status,
        StatusCode::NO_CONTENT
    );
    let older = confirm(&app, &first, "yet-Another-pass-8").await;
    assert_eq!(
        older.body,
        field_error("token", "Invalid or expired token.")
    );
}

async fn an_inactive_user_gets_no_mail_and_the_same_answer(backend: Backend) {
    let Some((app, smtp)) = mail_app(backend).await else {
        return;
    };
    app.signup("ada@example.com").await;
    app.sql("UPDATE users SET is_active = FALSE");
    assert_eq!(
        request_reset(&app, "ada@example.com").await.status,
        StatusCode::NO_CONTENT
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(smtp.messages().is_empty());
    assert_eq!(app.count("account_requests"), 0, "the request was handled");
}

async fn the_address_is_validated_as_at_signup(backend: Backend) {
    let Some((app, _smtp)) = mail_app(backend).await else {
        return;
    };
    let missing = app.post_json("/api/password/reset", &json!({})).await;
    assert_eq!(
        missing.body,
        field_error("email", "This field is required.")
    );
    let invalid = request_reset(&app, "not-an-address").await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        invalid.body,
        field_error("email", "Enter a valid email address.")
    );
    assert_eq!(app.count("account_requests"), 0);
}

async fn reset_requests_are_throttled_per_address(backend: Backend) {
    let Some(smtp) = TestSmtp::start() else {
        return;
    };
    let url = smtp.url();
    let app = spawn_app_with(backend, move |s| {
        s.mail.backend = tokenauth::settings::MailBackend::Smtp;
        s.mail.smtp_url = url.into();
        s.throttle.mail = "2/hour".into();
    })
    .await;
    for _ in 0..2 {
        assert_eq!(
            request_reset(&app, "ada@example.com").await.status,
            StatusCode::NO_CONTENT
        );
    }
    let refused = request_reset(&app, "ada@example.com").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.header("retry-after").is_some());
}

on_both_backends!(
    a_reset_is_recorded_after_its_request,
    known_and_unknown_addresses_get_the_same_answer_and_only_one_gets_mail,
    the_mailed_link_sets_a_new_password_and_revokes_every_token,
    the_link_opens_a_form_and_changes_nothing,
    missing_and_blank_fields_are_reported_together,
    an_unknown_malformed_or_expired_key_is_refused_and_consumes_nothing,
    using_one_reset_key_consumes_the_others,
    an_inactive_user_gets_no_mail_and_the_same_answer,
    the_address_is_validated_as_at_signup,
    reset_requests_are_throttled_per_address,
);
