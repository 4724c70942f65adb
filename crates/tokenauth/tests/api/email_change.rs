//! Moving an account to a new address: `POST /api/me/email`, the link mailed
//! to the new address, its confirmation and its page, against a real SMTP
//! server.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use tokenauth::settings::MailBackend;
use tokenauth_adapters_db::Backend;

use crate::helpers::{PASSWORD, Reply, TestApp, field_error, spawn_app_with};
use crate::on_both_backends;
use crate::support::TestSmtp;

const PUBLIC_URL: &str = "https://auth.example.test";
const SENT: &str = "Verification e-mail sent.";

async fn app_with_mail(backend: Backend) -> Option<(TestApp, TestSmtp)> {
    let smtp = TestSmtp::start()?;
    let url = smtp.url();
    let app = spawn_app_with(backend, move |s| {
        s.mail.backend = MailBackend::Smtp;
        s.mail.smtp_url = url.into();
        s.auth.public_url = PUBLIC_URL.into();
    })
    .await;
    Some((app, smtp))
}

async fn change(app: &TestApp, key: &str, password: &str, new_email: &str) -> Reply {
    app.send_json(
        Method::POST,
        "/api/me/email",
        key,
        &json!({"password": password, "new_email": new_email}),
    )
    .await
}

async fn confirm(app: &TestApp, token: &str) -> Reply {
    app.post_json("/api/me/email/confirm", &json!({"token": token}))
        .await
}

/// The message sent to `address` (in any case) among `messages`.
fn message_to<'a>(messages: &'a [String], address: &str) -> Option<&'a str> {
    messages.iter().map(String::as_str).find(|message| {
        message.lines().any(|line| {
            line.strip_prefix("To: ")
                .is_some_and(|to| to.eq_ignore_ascii_case(address))
        })
    })
}

/// The key of the confirmation link in a message.
fn link_key(message: &str) -> String {
    let link = message
        .lines()
        .find(|line| line.starts_with(&format!("{PUBLIC_URL}/confirm-email?token=")))
        .expect("a line holding only the link");
    link.rsplit("token=").next().unwrap().trim().to_owned()
}

/// Asks for a move to `new_email` and returns the key mailed there.
async fn key_for_move(app: &TestApp, smtp: &TestSmtp, key: &str, new_email: &str) -> String {
    let before = smtp.messages().len();
    assert_eq!(
        change(app, key, PASSWORD, new_email).await.status,
        StatusCode::ACCEPTED
    );
    let messages = smtp.wait_for(before + 2);
    link_key(message_to(&messages[before..], new_email).expect("the link message"))
}

async fn a_change_mails_a_link_to_the_new_address_and_a_notice_to_the_old(backend: Backend) {
    let Some((app, smtp)) = app_with_mail(backend).await else {
        return;
    };
    let key = app.user_with_token("ada@example.com").await;
    let reply = change(&app, &key, PASSWORD, "ada@new.example").await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert_eq!(reply.body, json!({"detail": SENT}));
    let messages = smtp.wait_for(2);
    assert_eq!(messages.len(), 2);
    let link = message_to(&messages, "ada@new.example").expect("a message to the new address");
    assert!(!link_key(link).is_empty());
    let notice = message_to(&messages, "ada@example.com").expect("a notice to the old address");
    assert!(
        !notice.contains("token="),
        "no link in the notice: {notice}"
    );
    assert!(notice.contains("ada@new.example"), "{notice}");
}

async fn the_link_moves_the_account_and_verifies_the_new_address(backend: Backend) {
    let Some((app, smtp)) = app_with_mail(backend).await else {
        return;
    };
    let key = app.user_with_token("ada@example.com").await;
    let token = key_for_move(&app, &smtp, &key, "Ada@New.Example").await;
    let moved = confirm(&app, &token).await;
    assert_eq!(moved.status, StatusCode::OK, "{moved:?}");
    assert_eq!(moved.body["email"], "Ada@new.example");
    assert_eq!(moved.body["email_verified"], true);
    assert_eq!(
        app.get_me(&key).await.status,
        StatusCode::OK,
        "tokens keep working"
    );
    assert_eq!(
        app.login("ada@new.example", PASSWORD).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn a_change_is_recorded_with_both_addresses(backend: Backend) {
    let Some((app, smtp)) = app_with_mail(backend).await else {
        return;
    };
    let key = app.user_with_token("ada@example.com").await;
    let token = key_for_move(&app, &smtp, &key, "ada@new.example").await;
    confirm(&app, &token).await;
    let page = app
        .send(Method::GET, "/api/me/events?type=email.changed", &key)
        .await;
    assert_eq!(
        page.body["results"][0]["detail"],
        json!({"from": "ada@example.com", "to": "ada@new.example"})
    );
}

async fn a_change_key_works_once(backend: Backend) {
    let Some((app, smtp)) = app_with_mail(backend).await else {
        return;
    };
    let key = app.user_with_token("ada@example.com").await;
    let token = key_for_move(&app, &smtp, &key, "ada@new.example").await;
    assert_eq!(confirm(&app, &token).await.status, StatusCode::OK);
    assert_eq!(
        confirm(&app, &token).await.body,
        field_error("token", "Invalid or expired token.")
    );
}

async fn a_taken_address_gets_the_same_answer_and_no_link(backend: Backend) {
    let Some((app, smtp)) = app_with_mail(backend).await else {
        return;
    };
    app.signup("bob@example.com").await;
    let key = app.user_with_token("ada@example.com").await;
    let reply = change(&app, &key, PASSWORD, "BOB@example.com").await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert_eq!(reply.body, json!({"detail": SENT}));
    smtp.wait_for(1);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "only the notice: {messages:?}");
    assert!(message_to(&messages, "ada@example.com").is_some());
    assert_eq!(app.count("account_keys"), 0, "no key was issued");
}

async fn the_users_own_address_counts_as_taken(backend: Backend) {
    let Some((app, smtp)) = app_with_mail(backend).await else {
        return;
    };
    let key = app.user_with_token("ada@example.com").await;
    let reply = change(&app, &key, PASSWORD, "ADA@example.com").await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    smtp.wait_for(1);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(smtp.messages().len(), 1, "only the notice");
    assert_eq!(app.count("account_keys"), 0);
}

async fn a_new_request_makes_earlier_keys_unusable(backend: Backend) {
    let Some((app, smtp)) = app_with_mail(backend).await else {
        return;
    };
    let key = app.user_with_token("ada@example.com").await;
    let first = key_for_move(&app, &smtp, &key, "ada@first.example").await;
    let second = key_for_move(&app, &smtp, &key, "ada@second.example").await;
    assert_eq!(
        confirm(&app, &first).await.body,
        field_error("token", "Invalid or expired token.")
    );
    let moved = confirm(&app, &second).await;
    assert_eq!(moved.body["email"], "ada@second.example");
}

async fn an_address_taken_meanwhile_refuses_the_key(backend: Backend) {
    let Some((app, smtp)) = app_with_mail(backend).await else {
        return;
    };
    let key = app.user_with_token("ada@example.com").await;
    let token = key_for_move(&app, &smtp, &key, "shared@example.com").await;
    assert_eq!(
        app.signup("shared@example.com").await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        confirm(&app, &token).await.body,
        field_error("token", "Invalid or expired token.")
    );
    assert_eq!(app.get_me(&key).await.body["email"], "ada@example.com");
}

async fn an_expired_key_is_refused(backend: Backend) {
    let Some((app, smtp)) = app_with_mail(backend).await else {
        return;
    };
    let key = app.user_with_token("ada@example.com").await;
    let token = key_for_move(&app, &smtp, &key, "ada@new.example").await;
    app.sql("UPDATE account_keys SET expires = '2001-01-01 00:00:00'");
    assert_eq!(
        confirm(&app, &token).await.body,
        field_error("token", "Invalid or expired token.")
    );
}

async fn field_errors_come_first_in_field_order(backend: Backend) {
    let Some((app, _smtp)) = app_with_mail(backend).await else {
        return;
    };
    let key = app.user_with_token("ada@example.com").await;
    let missing = app
        .send_json(Method::POST, "/api/me/email", &key, &json!({}))
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.keys(), ["password", "new_email"]);
    assert_eq!(
        change(&app, &key, " ", "ada@new.example").await.body,
        field_error("password", "This field may not be blank.")
    );
    assert_eq!(
        change(&app, &key, "not-the-password", "nonsense")
            .await
            .body,
        field_error("new_email", "Enter a valid email address."),
        "a field error before the password is judged"
    );
}

async fn a_wrong_password_is_a_field_error(backend: Backend) {
    let Some((app, smtp)) = app_with_mail(backend).await else {
        return;
    };
    let key = app.user_with_token("ada@example.com").await;
    let reply = change(&app, &key, "not-the-Password-1", "ada@new.example").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, field_error("password", "Invalid password."));
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(smtp.messages().is_empty(), "nothing is mailed");
}

async fn a_personal_token_may_not_change_the_email(backend: Backend) {
    let Some((app, _smtp)) = app_with_mail(backend).await else {
        return;
    };
    let session = app.user_with_token("ada@example.com").await;
    let personal = app.personal_token(&session, &["account:write"]).await;
    let reply = change(&app, &personal, PASSWORD, "ada@new.example").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

async fn the_link_page_carries_the_key_and_changes_nothing(backend: Backend) {
    let Some((app, smtp)) = app_with_mail(backend).await else {
        return;
    };
    let key = app.user_with_token("ada@example.com").await;
    let token = key_for_move(&app, &smtp, &key, "ada@new.example").await;
    let page = app
        .client
        .get(app.url(&format!("/confirm-email?token={token}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"action="/api/me/email/confirm""#), "{page}");
    assert!(page.contains(&format!(r#"value="{token}""#)));
    assert_eq!(confirm(&app, &token).await.status, StatusCode::OK);
}

on_both_backends!(
    a_change_is_recorded_with_both_addresses,
    a_change_mails_a_link_to_the_new_address_and_a_notice_to_the_old,
    the_link_moves_the_account_and_verifies_the_new_address,
    a_change_key_works_once,
    a_taken_address_gets_the_same_answer_and_no_link,
    the_users_own_address_counts_as_taken,
    a_new_request_makes_earlier_keys_unusable,
    an_address_taken_meanwhile_refuses_the_key,
    an_expired_key_is_refused,
    field_errors_come_first_in_field_order,
    a_wrong_password_is_a_field_error,
    a_personal_token_may_not_change_the_email,
    the_link_page_carries_the_key_and_changes_nothing,
);
