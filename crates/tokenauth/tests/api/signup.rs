use reqwest::StatusCode;
use serde_json::json;
use tokenauth_adapters_db::Backend;

use crate::helpers::{PASSWORD, PHONE, field_error, spawn_app};
use crate::on_both_backends;

fn body(email: &str, phone: &str, password: &str) -> serde_json::Value {
    json!({"email": email, "phonenumber": phone, "password": password})
}

async fn signup_returns_201_with_the_user_representation(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .post_json(
            "/api/signup",
            &json!({"email": "ada@example.com", "phonenumber": PHONE, "password": PASSWORD, "first_name": "Ada", "last_name": "Lovelace"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(
        reply.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let user = reply.body.as_object().unwrap();
    let mut keys: Vec<&str> = user.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "date_joined",
            "email",
            "email_verified",
            "first_name",
            "id",
            "is_active",
            "is_staff",
            "last_login",
            "last_name",
            "phonenumber"
        ]
    );
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["phonenumber"], PHONE);
    assert_eq!(
        (user["first_name"].as_str(), user["last_name"].as_str()),
        (Some("Ada"), Some("Lovelace"))
    );
    assert_eq!(
        (user["is_staff"].as_bool(), user["is_active"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(user["email_verified"], false, "nothing was verified yet");
    assert!(user["last_login"].is_null());
    assert!(uuid::Uuid::try_parse(user["id"].as_str().unwrap()).is_ok());
    assert!(chrono_like(user["date_joined"].as_str().unwrap()));
}

fn chrono_like(text: &str) -> bool {
    text.len() >= 20 && text.ends_with('Z') && text.as_bytes()[10] == b'T'
}

async fn signup_names_default_to_empty(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app.signup("ada@example.com").await;
    assert_eq!(
        (
            reply.body["first_name"].as_str(),
            reply.body["last_name"].as_str()
        ),
        (Some(""), Some(""))
    );
}

async fn signup_stores_only_a_bcrypt_hash(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signup("ada@example.com").await;
    let stored = app
        .sql_text("SELECT password_hash AS value FROM users")
        .unwrap();
    assert!(stored.starts_with("$2b$04$"), "{stored}");
    assert!(!stored.contains(PASSWORD));
}

async fn signup_trims_the_email_and_lowercases_its_domain(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .post_json(
            "/api/signup",
            &body("  Ada.L@Example.COM ", PHONE, PASSWORD),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.body["email"], "Ada.L@example.com");
}

async fn signup_reports_every_missing_field_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app.post_json("/api/signup", &json!({})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let required = ["This field is required."];
    assert_eq!(
        reply.body,
        json!({"email": required, "phonenumber": required, "password": required})
    );
}

async fn signup_refuses_blank_fields(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app.post_json("/api/signup", &body(" ", "", "")).await;
    let blank = ["This field may not be blank."];
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        json!({"email": blank, "phonenumber": blank, "password": blank})
    );
}

async fn signup_refuses_an_invalid_email(backend: Backend) {
    let app = spawn_app(backend).await;
    for email in ["not-an-email", "a@b", "@example.com", "a b@example.com"] {
        let reply = app
            .post_json("/api/signup", &body(email, PHONE, PASSWORD))
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{email}");
        assert_eq!(
            reply.body,
            field_error("email", "Enter a valid email address."),
            "{email}"
        );
    }
}

async fn signup_refuses_an_email_over_254_characters(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = format!("{}@example.com", "a".repeat(243));
    let reply = app
        .post_json("/api/signup", &body(&email, PHONE, PASSWORD))
        .await;
    assert_eq!(
        reply.body,
        field_error(
            "email",
            "Ensure this field has no more than 254 characters."
        )
    );
}

async fn signup_refuses_a_duplicate_email_in_any_case(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(
        app.signup("ada@example.com").await.status,
        StatusCode::CREATED
    );
    let reply = app.signup("ADA@Example.com").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        field_error("email", "user with this email already exists.")
    );
}

async fn signup_refuses_a_bad_phone_number(backend: Backend) {
    let app = spawn_app(backend).await;
    for phone in ["555-1234", "+", "phone", "+1 5551234"] {
        let reply = app
            .post_json("/api/signup", &body("ada@example.com", phone, PASSWORD))
            .await;
        assert_eq!(
            reply.body,
            field_error("phonenumber", "Enter a valid phone number."),
            "{phone}"
        );
    }
    let reply = app
        .post_json(
            "/api/signup",
            &body("ada@example.com", "+1234567890123", PASSWORD),
        )
        .await;
    assert_eq!(
        reply.body,
        field_error(
            "phonenumber",
            "Ensure this field has no more than 12 characters."
        )
    );
}

async fn signup_accepts_a_phone_number_given_as_a_json_number(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .post_json("/api/signup", &json!({"email": "ada@example.com", "phonenumber": 5551234567u64, "password": PASSWORD}))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.body["phonenumber"], "5551234567");
}

async fn signup_refuses_names_over_150_characters(backend: Backend) {
    let app = spawn_app(backend).await;
    let long = "n".repeat(151);
    let reply = app
        .post_json(
            "/api/signup",
            &json!({"email": "ada@example.com", "phonenumber": PHONE, "password": PASSWORD, "first_name": long, "last_name": long}),
        )
        .await;
    let message = ["Ensure this field has no more than 150 characters."];
    assert_eq!(
        reply.body,
        json!({"first_name": message, "last_name": message})
    );
}

async fn signup_refuses_a_short_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .post_json("/api/signup", &body("ada@example.com", PHONE, "x7#kQ2"))
        .await;
    assert_eq!(
        reply.body,
        field_error(
            "password",
            "This password is too short. It must contain at least 8 characters."
        )
    );
}

async fn signup_refuses_a_password_over_72_bytes(backend: Backend) {
    let app = spawn_app(backend).await;
    let password = "é".repeat(36) + "x";
    let reply = app
        .post_json("/api/signup", &body("ada@example.com", PHONE, &password))
        .await;
    assert_eq!(
        reply.body,
        field_error("password", "Ensure this field has no more than 72 bytes.")
    );
}

async fn signup_refuses_an_entirely_numeric_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .post_json(
            "/api/signup",
            &body("ada@example.com", PHONE, "80417266391"),
        )
        .await;
    assert_eq!(
        reply.body,
        field_error("password", "This password is entirely numeric.")
    );
}

async fn signup_refuses_a_common_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .post_json("/api/signup", &body("ada@example.com", PHONE, "baseball"))
        .await;
    assert_eq!(
        reply.body,
        field_error("password", "This password is too common.")
    );
}

async fn signup_refuses_a_password_similar_to_the_user(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .post_json(
            "/api/signup",
            &body("bartholomew@example.com", PHONE, "bartholomew!"),
        )
        .await;
    assert_eq!(
        reply.body,
        field_error("password", "The password is too similar to the email.")
    );
    let with_names = |password: &str| {
        json!({"email": "x@example.com", "phonenumber": PHONE, "password": password,
               "first_name": "Maximilian", "last_name": "Featherstonehaugh"})
    };
    let reply = app
        .post_json("/api/signup", &with_names("maximilian1"))
        .await;
    assert_eq!(
        reply.body,
        field_error("password", "The password is too similar to the first name.")
    );
    let reply = app
        .post_json("/api/signup", &with_names("featherstonehaugh"))
        .await;
    assert_eq!(
        reply.body,
        field_error("password", "The password is too similar to the last name.")
    );
}

async fn signup_ignores_unknown_and_read_only_fields(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .post_json(
            "/api/signup",
            &json!({"email": "ada@example.com", "phonenumber": PHONE, "password": PASSWORD,
                    "is_staff": true, "is_active": false, "colour": "blue"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(
        (
            reply.body["is_staff"].as_bool(),
            reply.body["is_active"].as_bool()
        ),
        (Some(false), Some(true))
    );
}

async fn signup_accepts_form_encoded_bodies(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .post_form(
            "/api/signup",
            &[
                ("email", "ada@example.com"),
                ("phonenumber", PHONE),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(reply.body["phonenumber"], PHONE);
}

async fn signup_stores_sql_metacharacters_verbatim(backend: Backend) {
    let app = spawn_app(backend).await;
    let name = "Robert'); DROP TABLE users;--";
    let reply = app
        .post_json(
            "/api/signup",
            &json!({"email": "o'brien@example.com", "phonenumber": PHONE, "password": PASSWORD, "first_name": name}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.body["first_name"], name);
    assert_eq!(app.count("users"), 1);
}

async fn signup_refuses_null_characters(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .post_json("/api/signup", &json!({"email": "ada@example.com", "phonenumber": PHONE, "password": PASSWORD, "first_name": "a\u{0}b"}))
        .await;
    assert_eq!(
        reply.body,
        field_error("first_name", "Null characters are not allowed.")
    );
}

async fn signup_reports_a_taken_email_beside_every_other_failing_field(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(
        app.signup("ada@example.com").await.status,
        StatusCode::CREATED
    );
    let reply = app
        .post_json(
            "/api/signup",
            &json!({"email": "Ada@example.com", "phonenumber": "call me", "password": "12345678",
                    "last_name": "x".repeat(151)}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body["email"],
        json!(["user with this email already exists."])
    );
    assert_eq!(
        reply.body["phonenumber"],
        json!(["Enter a valid phone number."])
    );
    assert!(
        reply.body["password"]
            .as_array()
            .is_some_and(|m| !m.is_empty())
    );
    assert!(reply.body["last_name"].is_array());
}

async fn signup_field_errors_come_in_the_serializers_field_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .post_json(
            "/api/signup",
            &json!({"last_name": "x".repeat(151), "first_name": "y".repeat(151), "password": "",
                    "phonenumber": "", "email": ""}),
        )
        .await;
    assert_eq!(
        reply.keys(),
        [
            "email",
            "phonenumber",
            "password",
            "first_name",
            "last_name"
        ]
    );
}

async fn the_user_body_keeps_drfs_field_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app.signup("ada@example.com").await;
    assert_eq!(
        reply.keys(),
        [
            "id",
            "email",
            "phonenumber",
            "first_name",
            "last_name",
            "is_staff",
            "is_active",
            "email_verified",
            "date_joined",
            "last_login"
        ]
    );
}

on_both_backends!(
    signup_reports_a_taken_email_beside_every_other_failing_field,
    signup_field_errors_come_in_the_serializers_field_order,
    the_user_body_keeps_drfs_field_order,
    signup_returns_201_with_the_user_representation,
    signup_names_default_to_empty,
    signup_stores_only_a_bcrypt_hash,
    signup_trims_the_email_and_lowercases_its_domain,
    signup_reports_every_missing_field_at_once,
    signup_refuses_blank_fields,
    signup_refuses_an_invalid_email,
    signup_refuses_an_email_over_254_characters,
    signup_refuses_a_duplicate_email_in_any_case,
    signup_refuses_a_bad_phone_number,
    signup_accepts_a_phone_number_given_as_a_json_number,
    signup_refuses_names_over_150_characters,
    signup_refuses_a_short_password,
    signup_refuses_a_password_over_72_bytes,
    signup_refuses_an_entirely_numeric_password,
    signup_refuses_a_common_password,
    signup_refuses_a_password_similar_to_the_user,
    signup_ignores_unknown_and_read_only_fields,
    signup_accepts_form_encoded_bodies,
    signup_stores_sql_metacharacters_verbatim,
    signup_refuses_null_characters,
);
