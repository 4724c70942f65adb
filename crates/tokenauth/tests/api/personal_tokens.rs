//! Personal access tokens: `POST /api/me/tokens`, scopes on every endpoint,
//! session-only endpoints, and how personal tokens live and end.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokenauth_adapters_db::Backend;

use crate::helpers::{PASSWORD, Reply, TestApp, field_error, spawn_app, spawn_app_with};
use crate::on_both_backends;

const REFUSED: &str = "You do not have permission to perform this action.";

async fn create(app: &TestApp, session: &str, body: &Value) -> Reply {
    app.send_json(Method::POST, "/api/me/tokens", session, body)
        .await
}

fn assert_refused(reply: &Reply, what: &str) {
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{what}: {reply:?}");
    assert_eq!(reply.detail(), REFUSED, "{what}");
}

async fn a_personal_token_is_created_and_its_key_shown_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.user_with_token("ada@example.com").await;
    let reply = create(
        &app,
        &session,
        &json!({"name": "  deploy bot ", "scopes": ["users:read", "account:read"]}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(
        reply.keys(),
        ["id", "kind", "name", "scopes", "created", "expires", "key"]
    );
    assert_eq!(reply.body["kind"], "personal");
    assert_eq!(reply.body["name"], "deploy bot");
    assert_eq!(reply.body["scopes"], json!(["account:read", "users:read"]));
    let key = reply.body["key"].as_str().unwrap();
    assert_eq!(key.len(), 40);
    assert!(
        key.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    let created = chrono::DateTime::parse_from_rfc3339(reply.body["created"].as_str().unwrap());
    let expires = chrono::DateTime::parse_from_rfc3339(reply.body["expires"].as_str().unwrap());
    assert_eq!(
        expires.unwrap() - created.unwrap(),
        chrono::TimeDelta::days(30)
    );
    let listed = app.send(Method::GET, "/api/me/tokens", &session).await;
    assert!(
        !listed.body.to_string().contains(key),
        "the key is shown once"
    );
    assert_eq!(app.get_me(key).await.status, StatusCode::OK);
}

async fn expires_in_days_sets_a_fixed_lifetime_or_none(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.user_with_token("ada@example.com").await;
    for (days, lifetime) in [
        (json!(1), Some(1)),
        (json!("7"), Some(7)),
        (json!(366), Some(366)),
        (json!(12.0), Some(12)),
        (Value::Null, None),
    ] {
        let reply = create(
            &app,
            &session,
            &json!({"name": "n", "scopes": ["account:read"], "expires_in_days": days}),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{days}: {reply:?}");
        match lifetime {
            None => assert_eq!(reply.body["expires"], Value::Null),
            Some(lifetime) => {
                let at = |field: &str| {
                    chrono::DateTime::parse_from_rfc3339(reply.body[field].as_str().unwrap())
                        .unwrap()
                };
                assert_eq!(
                    at("expires") - at("created"),
                    chrono::TimeDelta::days(lifetime)
                );
            }
        }
    }
}

async fn missing_fields_are_reported_together_in_field_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.user_with_token("ada@example.com").await;
    let reply = create(&app, &session, &json!({})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.keys(), ["name", "scopes"]);
    assert_eq!(reply.body["name"], json!(["This field is required."]));
    assert_eq!(reply.body["scopes"], json!(["This field is required."]));
}

async fn each_invalid_field_gets_the_contracts_message(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.user_with_token("ada@example.com").await;
    let valid = json!({"name": "n", "scopes": ["account:read"]});
    let cases = [
        ("name", json!("   "), "This field may not be blank."),
        (
            "name",
            json!("x".repeat(101)),
            "Ensure this field has no more than 100 characters.",
        ),
        ("name", Value::Null, "This field may not be null."),
        (
            "scopes",
            json!(["account:read", "reports:read"]),
            "\"reports:read\" is not a valid choice.",
        ),
        ("scopes", json!([5]), "\"5\" is not a valid choice."),
        ("scopes", json!([true]), "\"True\" is not a valid choice."),
        ("scopes", json!([]), "This selection may not be empty."),
        ("scopes", Value::Null, "This field may not be null."),
        (
            "scopes",
            json!("account:read"),
            "Expected a list of items but got type \"str\".",
        ),
        (
            "scopes",
            json!(5),
            "Expected a list of items but got type \"int\".",
        ),
        (
            "scopes",
            json!({"account:read": true}),
            "Expected a list of items but got type \"dict\".",
        ),
        (
            "expires_in_days",
            json!(0),
            "Ensure this value is greater than or equal to 1.",
        ),
        (
            "expires_in_days",
            json!(367),
            "Ensure this value is less than or equal to 366.",
        ),
        (
            "expires_in_days",
            json!("100000000000000000000000"),
            "Ensure this value is less than or equal to 366.",
        ),
        (
            "expires_in_days",
            json!(1.5),
            "A valid integer is required.",
        ),
        (
            "expires_in_days",
            json!("x"),
            "A valid integer is required.",
        ),
        ("expires_in_days", json!(""), "A valid integer is required."),
        (
            "expires_in_days",
            json!(true),
            "A valid integer is required.",
        ),
    ];
    for (field, value, message) in cases {
        let mut body = valid.clone();
        body[field] = value.clone();
        let reply = create(&app, &session, &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{field}={value}");
        assert_eq!(reply.body, field_error(field, message), "{field}={value}");
    }
    assert_eq!(
        app.count("auth_tokens WHERE kind = 'personal'"),
        0,
        "a refusal makes nothing"
    );
}

async fn a_form_sends_scopes_as_a_repeated_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.user_with_token("ada@example.com").await;
    let response = reqwest::Client::new()
        .post(app.url("/api/me/tokens"))
        .header("authorization", format!("Token {session}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=cron&scopes=account%3Aread&scopes=account%3Awrite&expires_in_days=3")
        .send()
        .await
        .unwrap();
    let reply = Reply::read(response).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(
        reply.body["scopes"],
        json!(["account:read", "account:write"])
    );
}

async fn a_personal_token_may_do_only_what_its_scopes_allow(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.user_with_token("ada@example.com").await;
    let reader = app.personal_token(&session, &["account:read"]).await;
    assert_eq!(app.get_me(&reader).await.status, StatusCode::OK);
    assert_eq!(
        app.send(Method::GET, "/api/me/tokens", &reader)
            .await
            .status,
        StatusCode::OK
    );
    let patch = app
        .send_json(
            Method::PATCH,
            "/api/me",
            &reader,
            &json!({"first_name": "A"}),
        )
        .await;
    assert_refused(&patch, "PATCH /api/me without account:write");
    let listed = app.send(Method::GET, "/api/me/tokens", &session).await;
    let id = listed.body[0]["id"].as_str().unwrap();
    let delete = app
        .send(Method::DELETE, &format!("/api/me/tokens/{id}"), &reader)
        .await;
    assert_refused(&delete, "DELETE a token without account:write");
    let writer = app.personal_token(&session, &["account:write"]).await;
    assert_refused(
        &app.get_me(&writer).await,
        "GET /api/me without account:read",
    );
    let patch = app
        .send_json(
            Method::PATCH,
            "/api/me",
            &writer,
            &json!({"first_name": "A"}),
        )
        .await;
    assert_eq!(patch.status, StatusCode::OK);
    let head = app.send(Method::HEAD, "/api/me", &writer).await;
    assert_eq!(head.status, StatusCode::FORBIDDEN, "HEAD is GET's");
}

async fn users_scopes_grant_nothing_to_a_user_who_is_not_staff(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.user_with_token("ada@example.com").await;
    let token = app
        .personal_token(&session, &["users:read", "users:write"])
        .await;
    assert_refused(
        &app.send(Method::GET, "/api/users", &token).await,
        "not staff",
    );
}

async fn a_staff_token_reaches_the_users_its_scopes_allow(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = app.admin_with_token("root@example.com", false).await;
    let bob = app.user_with_token("bob@example.com").await;
    let bob_id = app.get_me(&bob).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reader = app.personal_token(&staff, &["users:read"]).await;
    assert_eq!(
        app.send(Method::GET, "/api/users", &reader).await.status,
        StatusCode::OK
    );
    let path = format!("/api/users/{bob_id}");
    assert_eq!(
        app.send(Method::GET, &path, &reader).await.status,
        StatusCode::OK
    );
    let patch = app
        .send_json(Method::PATCH, &path, &reader, &json!({"first_name": "B"}))
        .await;
    assert_refused(&patch, "PATCH a user without users:write");
    assert_refused(&app.send(Method::DELETE, &path, &reader).await, "DELETE");
    let account_only = app.personal_token(&staff, &["account:read"]).await;
    assert_refused(
        &app.send(Method::GET, "/api/users", &account_only).await,
        "staff without users:read",
    );
    let writer = app.personal_token(&staff, &["users:write"]).await;
    assert_eq!(
        app.send(Method::DELETE, &path, &writer).await.status,
        StatusCode::NO_CONTENT
    );
}

async fn session_only_endpoints_refuse_personal_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.user_with_token("ada@example.com").await;
    let everything = app
        .personal_token(
            &session,
            &["account:read", "account:write", "users:read", "users:write"],
        )
        .await;
    let make = create(
        &app,
        &everything,
        &json!({"name": "n", "scopes": ["account:read"]}),
    )
    .await;
    assert_refused(&make, "POST /api/me/tokens");
    let password = app
        .send_json(
            Method::POST,
            "/api/me/password",
            &everything,
            &json!({"current_password": PASSWORD, "new_password": "another-Strong-pass-9"}),
        )
        .await;
    assert_refused(&password, "POST /api/me/password");
    assert_refused(
        &app.post_with_token("/api/logoutall", &everything).await,
        "logoutall",
    );
    assert_eq!(
        app.get_me(&session).await.status,
        StatusCode::OK,
        "nothing happened"
    );
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
}

async fn any_token_may_log_itself_out_and_pass_the_gateway(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.user_with_token("ada@example.com").await;
    let token = app.personal_token(&session, &["account:write"]).await;
    let verify = app.send(Method::GET, "/api/auth/verify", &token).await;
    assert_eq!(verify.status, StatusCode::OK);
    assert_eq!(verify.header("x-auth-scopes"), Some("account:write"));
    let scoped = app
        .send(Method::GET, "/api/auth/verify?scope=account:read", &token)
        .await;
    assert_refused(&scoped, "verify asks for a scope the token lacks");
    assert_eq!(
        app.post_with_token("/api/logout", &token).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get_me(&token).await.detail(), "Invalid token.");
    assert_eq!(app.get_me(&session).await.status, StatusCode::OK);
}

async fn making_a_personal_token_is_not_a_use_of_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.user_with_token("ada@example.com").await;
    let personal = app.personal_token(&session, &["account:read"]).await;
    let last_used = |listed: &Reply| {
        listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["kind"] == "personal")
            .unwrap()["last_used"]
            .clone()
    };
    let listed = app.send(Method::GET, "/api/me/tokens", &session).await;
    assert_eq!(last_used(&listed), Value::Null);
    let listed = app.send(Method::GET, "/api/me/tokens", &personal).await;
    assert!(last_used(&listed).is_string(), "{:?}", listed.body);
}

async fn login_neither_rotates_nor_counts_personal_tokens(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.tokens_per_user = 1).await;
    let session = app.user_with_token("ada@example.com").await;
    let token = app.personal_token(&session, &["account:read"]).await;
    let newer = app.token_for("ada@example.com").await;
    assert_eq!(app.get_me(&session).await.detail(), "Invalid token.");
    assert_eq!(app.get_me(&token).await.status, StatusCode::OK);
    let listed = app.send(Method::GET, "/api/me/tokens", &newer).await;
    let kinds: Vec<&str> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["session", "personal"]);
    assert_eq!(listed.body[1]["name"], "script");
    assert_eq!(listed.body[1]["scopes"], json!(["account:read"]));
}

async fn a_personal_tokens_expiry_does_not_slide_with_use(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.user_with_token("ada@example.com").await;
    let token = app.personal_token(&session, &["account:read"]).await;
    app.sql(
        "UPDATE auth_tokens SET last_used = '2001-01-01 00:00:00', expires = '2999-01-01 00:00:00' WHERE kind = 'personal'",
    );
    assert_eq!(app.get_me(&token).await.status, StatusCode::OK);
    let stored = |column: &str| {
        app.sql_text(&format!(
            "SELECT CAST({column} AS TEXT) AS value FROM auth_tokens WHERE kind = 'personal'"
        ))
        .unwrap()
    };
    assert!(
        !stored("last_used").starts_with("2001"),
        "its use is written"
    );
    assert!(
        stored("expires").starts_with("2999-01-01"),
        "its expiry stays"
    );
}

async fn an_expired_personal_token_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.user_with_token("ada@example.com").await;
    let token = app.personal_token(&session, &["account:read"]).await;
    app.sql("UPDATE auth_tokens SET expires = '2001-01-01 00:00:00' WHERE kind = 'personal'");
    let reply = app.get_me(&token).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.detail(), "Token has expired.");
    let listed = app.send(Method::GET, "/api/me/tokens", &session).await;
    assert_eq!(
        listed.body.as_array().unwrap().len(),
        1,
        "expired ones are not listed"
    );
}

async fn logoutall_and_a_password_change_revoke_personal_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.user_with_token("ada@example.com").await;
    let token = app.personal_token(&session, &["account:read"]).await;
    let changed = app
        .send_json(
            Method::POST,
            "/api/me/password",
            &session,
            &json!({"current_password": PASSWORD, "new_password": "another-Strong-pass-9"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get_me(&token).await.detail(), "Invalid token.");
    assert_eq!(app.get_me(&session).await.status, StatusCode::OK);
    let token = app.personal_token(&session, &["account:read"]).await;
    app.post_with_token("/api/logoutall", &session).await;
    assert_eq!(app.get_me(&token).await.detail(), "Invalid token.");
}

async fn deactivation_and_deletion_revoke_personal_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_with_token("root@example.com", false).await;
    let ada = app.user_with_token("ada@example.com").await;
    let ada_id = app.get_me(&ada).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = app.personal_token(&ada, &["account:read"]).await;
    let path = format!("/api/users/{ada_id}");
    app.send_json(Method::PATCH, &path, &admin, &json!({"is_active": false}))
        .await;
    app.send_json(Method::PATCH, &path, &admin, &json!({"is_active": true}))
        .await;
    assert_eq!(app.get_me(&token).await.detail(), "Invalid token.");
    let bob = app.user_with_token("bob@example.com").await;
    let bob_id = app.get_me(&bob).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = app.personal_token(&bob, &["account:read"]).await;
    app.send(Method::DELETE, &format!("/api/users/{bob_id}"), &admin)
        .await;
    assert_eq!(app.get_me(&token).await.detail(), "Invalid token.");
    assert_eq!(app.count("auth_tokens WHERE kind = 'personal'"), 0);
}

on_both_backends!(
    making_a_personal_token_is_not_a_use_of_it,
    a_personal_token_is_created_and_its_key_shown_once,
    expires_in_days_sets_a_fixed_lifetime_or_none,
    missing_fields_are_reported_together_in_field_order,
    each_invalid_field_gets_the_contracts_message,
    a_form_sends_scopes_as_a_repeated_field,
    a_personal_token_may_do_only_what_its_scopes_allow,
    users_scopes_grant_nothing_to_a_user_who_is_not_staff,
    a_staff_token_reaches_the_users_its_scopes_allow,
    session_only_endpoints_refuse_personal_tokens,
    any_token_may_log_itself_out_and_pass_the_gateway,
    login_neither_rotates_nor_counts_personal_tokens,
    a_personal_tokens_expiry_does_not_slide_with_use,
    an_expired_personal_token_is_refused,
    logoutall_and_a_password_change_revoke_personal_tokens,
    deactivation_and_deletion_revoke_personal_tokens,
);
