//! Email verification in allauth's three modes, against a real SMTP server.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tokenauth::settings::{EmailVerification, MailBackend};
use tokenauth_adapters_db::Backend;

use crate::helpers::{PASSWORD, Reply, TestApp, field_error, spawn_app_with};
use crate::on_both_backends;
use crate::support::TestSmtp;

const PUBLIC_URL: &str = "https://auth.example.test";

async fn app_in(backend: Backend, mode: EmailVerification) -> Option<(TestApp, TestSmtp)> {
    let smtp = TestSmtp::start()?;
    let url = smtp.url();
    let app = spawn_app_with(backend, move |s| {
        s.mail.backend = MailBackend::Smtp;
        s.mail.smtp_url = url.into();
        s.auth.public_url = PUBLIC_URL.into();
        s.auth.email_verification = mode;
    })
    .await;
    Some((app, smtp))
}

fn key_in(message: &str) -> String {
    let link = message
        .lines()
        .find(|line| line.starts_with(&format!("{PUBLIC_URL}/verify-email?token=")))
        .expect("a line holding only the link");
    link.rsplit("token=").next().unwrap().trim().to_owned()
}

async fn verify(app: &TestApp, token: &str) -> Reply {
    app.post_json("/api/verify-email", &json!({"token": token}))
        .await
}

async fn resend(app: &TestApp, email: &str) -> Reply {
    app.post_json("/api/verify-email/resend", &json!({"email": email}))
        .await
}

async fn in_mode_none_nobody_gets_mail(backend: Backend) {
    let Some((app, smtp)) = app_in(backend, EmailVerification::None).await else {
        return;
    };
    app.signup("ada@example.com").await;
    assert_eq!(
        resend(&app, "ada@example.com").await.status,
        StatusCode::NO_CONTENT
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(smtp.messages().is_empty());
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
}

async fn in_mode_optional_signup_mails_a_link_that_verifies_the_address(backend: Backend) {
    let Some((app, smtp)) = app_in(backend, EmailVerification::Optional).await else {
        return;
    };
    let signup = app.signup("ada@example.com").await;
    assert_eq!(signup.body["email_verified"], false);
    let message = smtp.wait_for(1).pop().expect("the verification message");
    assert!(message.contains("Subject: Verify your email address"));
    let key = key_in(&message);
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status,
        StatusCode::OK,
        "login works either way"
    );
    let page = app
        .client
        .get(app.url(&format!("/verify-email?token={key}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"action="/api/verify-email""#), "{page}");
    assert!(page.contains(&format!(r#"value="{key}""#)));
    assert_eq!(
        app.count("account_keys WHERE used IS NULL"),
        1,
        "the page changed nothing"
    );
    let verified = verify(&app, &key).await;
    assert_eq!(verified.status, StatusCode::OK);
    assert_eq!(verified.body["email"], "ada@example.com");
    assert_eq!(verified.body["email_verified"], true);
    let again = verify(&app, &key).await;
    assert_eq!(
        again.body,
        field_error("token", "Invalid or expired token.")
    );
}

async fn in_mode_mandatory_only_a_verified_address_logs_in(backend: Backend) {
    let Some((app, smtp)) = app_in(backend, EmailVerification::Mandatory).await else {
        return;
    };
    app.signup("ada@example.com").await;
    let refused = app.login("ada@example.com", PASSWORD).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.body,
        json!({"error": "Email address is not verified."})
    );
    let wrong = app.login("ada@example.com", "not-the-Password-1").await;
    assert_eq!(
        wrong.body,
        json!({"error": "Invalid Email or Password!"}),
        "says nothing without the password"
    );
    let key = key_in(&smtp.wait_for(1).pop().unwrap());
    assert_eq!(verify(&app, &key).await.status, StatusCode::OK);
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
}

async fn resend_mails_only_an_unverified_active_account_and_answers_the_same(backend: Backend) {
    let Some((app, smtp)) = app_in(backend, EmailVerification::Optional).await else {
        return;
    };
    app.signup("ada@example.com").await;
    let first = key_in(&smtp.wait_for(1).pop().unwrap());
    let known = resend(&app, "ada@example.com").await;
    let unknown = resend(&app, "nobody@example.com").await;
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    assert_eq!(known.status, StatusCode::NO_CONTENT);
    let messages = smtp.wait_for(2);
    assert_eq!(messages.len(), 2);
    let second = key_in(&messages[1]);
    assert_ne!(first, second);
    assert_eq!(
        verify(&app, &first).await.status,
        StatusCode::OK,
        "an earlier key stays valid"
    );
    assert_eq!(
        verify(&app, &second).await.status,
        StatusCode::OK,
        "a key of a verified user still answers with the user"
    );
    assert_eq!(
        resend(&app, "ada@example.com").await.status,
        StatusCode::NO_CONTENT
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        smtp.messages().len(),
        2,
        "a verified address gets no more mail"
    );
    let invalid = resend(&app, "not-an-address").await;
    assert_eq!(
        invalid.body,
        field_error("email", "Enter a valid email address.")
    );
}

async fn a_bad_key_is_refused_with_the_contracts_messages(backend: Backend) {
    let Some((app, _smtp)) = app_in(backend, EmailVerification::Optional).await else {
        return;
    };
    let missing = app.post_json("/api/verify-email", &json!({})).await;
    assert_eq!(
        missing.body,
        field_error("token", "This field is required.")
    );
    assert_eq!(
        verify(&app, " ").await.body,
        field_error("token", "This field may not be blank.")
    );
    for key in ["nope", &"b".repeat(40)] {
        let reply = verify(&app, key).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            reply.body,
            field_error("token", "Invalid or expired token.")
        );
    }
}

async fn a_verification_is_recorded(backend: Backend) {
    let Some((app, smtp)) = app_in(backend, EmailVerification::Optional).await else {
        return;
    };
    let session = app.user_with_token("ada@example.com").await;
    let key = key_in(&smtp.wait_for(1).pop().unwrap());
    verify(&app, &key).await;
    assert_eq!(app.event_types(&session).await[0], "email.verified");
}

on_both_backends!(
    a_verification_is_recorded,
    in_mode_none_nobody_gets_mail,
    in_mode_optional_signup_mails_a_link_that_verifies_the_address,
    in_mode_mandatory_only_a_verified_address_logs_in,
    resend_mails_only_an_unverified_active_account_and_answers_the_same,
    a_bad_key_is_refused_with_the_contracts_messages,
);
