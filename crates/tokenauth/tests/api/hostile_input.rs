//! Hostile input gets a contract error, never a 5xx.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokenauth_adapters_db::Backend;

use crate::helpers::{PASSWORD, PHONE, spawn_app};
use crate::on_both_backends;

const FIELDS: [&str; 5] = [
    "email",
    "phonenumber",
    "password",
    "first_name",
    "last_name",
];

fn valid() -> Value {
    json!({"email": "ada@example.com", "phonenumber": PHONE, "password": PASSWORD, "first_name": "", "last_name": ""})
}

async fn a_nul_in_any_field_is_a_400(backend: Backend) {
    let app = spawn_app(backend).await;
    for field in FIELDS {
        for nasty in ["a\u{0}b", "\u{0}"] {
            let mut body = valid();
            body[field] = json!(nasty);
            let reply = app.post_json("/api/signup", &body).await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{field}: {nasty:?} → {reply:?}"
            );
            assert!(reply.body.get(field).is_some(), "{field}: {reply:?}");
        }
    }
    let reply = app
        .post_json(
            "/api/login",
            &json!({"email": "a\u{0}@b.c", "password": "p\u{0}"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

/// DRF refuses only NUL: other control characters are refused where the
/// field's format excludes them and kept verbatim where it does not.
async fn other_control_characters_never_cause_a_5xx(backend: Backend) {
    let app = spawn_app(backend).await;
    for (field, expected) in [
        ("email", StatusCode::BAD_REQUEST),
        ("phonenumber", StatusCode::BAD_REQUEST),
        ("first_name", StatusCode::CREATED),
    ] {
        let mut body = valid();
        body["email"] = json!(format!("{field}@example.com"));
        body[field] = json!("a\u{1}b\u{7f}\u{1b}[31m");
        let reply = app.post_json("/api/signup", &body).await;
        assert_eq!(reply.status, expected, "{field}: {reply:?}");
        if expected == StatusCode::CREATED {
            assert_eq!(reply.body[field], "a\u{1}b\u{7f}\u{1b}[31m");
        }
    }
}

async fn overlong_values_in_any_field_are_a_400(backend: Backend) {
    let app = spawn_app(backend).await;
    for field in FIELDS {
        let mut body = valid();
        body[field] = json!("x".repeat(20_000));
        let reply = app.post_json("/api/signup", &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{field}");
    }
    let reply = app.login(&"x".repeat(20_000), &"y".repeat(20_000)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

async fn invalid_utf8_is_a_parse_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .post_raw(
            "/api/signup",
            "application/json",
            b"{\"email\": \"\xff\xfe\"}".to_vec(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.detail().starts_with("JSON parse error - "));
    let reply = app
        .post_raw(
            "/api/signup",
            "application/x-www-form-urlencoded",
            b"email=%FF%FE&password=\xff".to_vec(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

async fn sql_metacharacters_in_every_field_are_stored_verbatim(backend: Backend) {
    let app = spawn_app(backend).await;
    let nasty = "x'); DROP TABLE users; -- \\ % _ \"";
    let password = format!("{nasty}-Pw9");
    let body = json!({"email": "o'hara+%_@example.com", "phonenumber": PHONE, "password": PASSWORD,
                      "first_name": nasty, "last_name": nasty});
    let reply = app.post_json("/api/signup", &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(
        (
            reply.body["first_name"].as_str(),
            reply.body["last_name"].as_str()
        ),
        (Some(nasty), Some(nasty))
    );
    assert_eq!(reply.body["email"], "o'hara+%_@example.com");
    assert_eq!(
        app.login("o'hara+%_@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
    let reply = app
        .post_json(
            "/api/signup",
            &json!({"email": "x@example.com", "phonenumber": PHONE, "password": password}),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::CREATED,
        "a password full of SQL is just a password"
    );
    assert_eq!(
        app.login("x@example.com", &password).await.status,
        StatusCode::OK
    );
    assert_eq!(app.count("users"), 2);
}

async fn hostile_authorization_headers_are_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let long = format!("Token {}", "a".repeat(8 * 1024));
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (long.into_bytes(), "Invalid token."),
        (b"Token\tabc".to_vec(), "Invalid token."),
        (b"Token     abc".to_vec(), "Invalid token."),
        (
            b"Token a\tb".to_vec(),
            "Invalid token header. Token string should not contain spaces.",
        ),
        (
            "Token caf\u{e9}".as_bytes().to_vec(),
            "Invalid token header. Token string should not contain invalid characters.",
        ),
        (
            b"Token ' OR 1=1 --".to_vec(),
            "Invalid token header. Token string should not contain spaces.",
        ),
        (b"Token %00".to_vec(), "Invalid token."),
    ];
    for (header, detail) in cases {
        let reply = app.request(Method::GET, "/api/me", Some(&header)).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{:?}",
            String::from_utf8_lossy(&header)
        );
        assert_eq!(
            reply.detail(),
            detail,
            "{:?}",
            String::from_utf8_lossy(&header)
        );
    }
}

async fn error_bodies_never_echo_a_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let secret = "123456789012";
    let mut body = valid();
    body["password"] = json!(secret);
    let reply = app.post_json("/api/signup", &body).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(!reply.body.to_string().contains(secret));
    let reply = app.login("ada@example.com", secret).await;
    assert!(!reply.body.to_string().contains(secret));
}

on_both_backends!(
    a_nul_in_any_field_is_a_400,
    other_control_characters_never_cause_a_5xx,
    overlong_values_in_any_field_are_a_400,
    invalid_utf8_is_a_parse_error,
    sql_metacharacters_in_every_field_are_stored_verbatim,
    hostile_authorization_headers_are_401,
    error_bodies_never_echo_a_password,
);
