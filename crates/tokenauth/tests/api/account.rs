use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokenauth_adapters_db::Backend;

use crate::helpers::{PASSWORD, field_error, spawn_app, spawn_app_with};
use crate::on_both_backends;

const NEW_PASSWORD: &str = "another-Strong-pass-9";

async fn patch_me_changes_names_and_phone_number(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let reply = app
        .send_json(
            Method::PATCH,
            "/api/me",
            &key,
            &json!({"first_name": "Ada", "last_name": "Lovelace", "phonenumber": "+441234"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        (
            reply.body["first_name"].as_str(),
            reply.body["last_name"].as_str()
        ),
        (Some("Ada"), Some("Lovelace"))
    );
    assert_eq!(reply.body["phonenumber"], "+441234");
    assert_eq!(app.get_me(&key).await.body["last_name"], "Lovelace");
}

async fn patch_me_ignores_read_only_fields(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let reply = app
        .send_json(
            Method::PATCH,
            "/api/me",
            &key,
            &json!({"email": "eve@example.com", "is_staff": true, "first_name": "Ada"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["email"], "ada@example.com");
    assert_eq!(reply.body["is_staff"], false);
}

async fn patch_me_validates_as_signup_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let reply = app
        .send_json(
            Method::PATCH,
            "/api/me",
            &key,
            &json!({"phonenumber": "call me", "last_name": "x".repeat(151)}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        json!({"last_name": ["Ensure this field has no more than 150 characters."], "phonenumber": ["Enter a valid phone number."]})
    );
}

async fn patch_me_reports_fields_in_the_user_bodys_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let reply = app
        .send_json(
            Method::PATCH,
            "/api/me",
            &key,
            &json!({"last_name": "x".repeat(151), "first_name": "y".repeat(151), "phonenumber": "call me"}),
        )
        .await;
    assert_eq!(reply.keys(), ["phonenumber", "first_name", "last_name"]);
}

async fn password_change_reports_current_before_new(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let reply = app
        .send_json(
            Method::POST,
            "/api/me/password",
            &key,
            &json!({"new_password": "", "current_password": ""}),
        )
        .await;
    assert_eq!(reply.keys(), ["current_password", "new_password"]);
}

async fn a_blank_current_password_is_blank_not_wrong(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let reply = app
        .send_json(
            Method::POST,
            "/api/me/password",
            &key,
            &json!({"current_password": " ", "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(
        reply.body,
        field_error("current_password", "This field may not be blank.")
    );
}

async fn a_token_is_unused_until_a_later_request_authenticates_with_it(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.tokens_per_user = 2).await;
    let first = app.user_with_token("ada@example.com").await;
    let second = app.token_for("ada@example.com").await;
    let listed = app.send(Method::GET, "/api/me/tokens", &second).await;
    let sessions = listed.body.as_array().unwrap();
    let by_current = |current: bool| {
        sessions
            .iter()
            .find(|session| session["current"] == current)
            .unwrap()["last_used"]
            .clone()
    };
    assert_eq!(by_current(false), Value::Null, "login is not a use");
    assert!(by_current(true).is_string(), "this request is a use");
    assert_eq!(app.get_me(&first).await.status, StatusCode::OK);
    let listed = app.send(Method::GET, "/api/me/tokens", &second).await;
    assert!(
        listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["last_used"].is_string()),
        "{:?}",
        listed.body
    );
}

async fn patch_me_requires_a_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app.request(Method::PATCH, "/api/me", None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

async fn password_change_is_204_and_the_new_password_logs_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let reply = app
        .send_json(
            Method::POST,
            "/api/me/password",
            &key,
            &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("ada@example.com", NEW_PASSWORD).await.status,
        StatusCode::OK
    );
}

async fn password_change_keeps_the_token_used_and_revokes_the_others(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.tokens_per_user = 3).await;
    let phone = app.user_with_token("ada@example.com").await;
    let laptop = app.token_for("ada@example.com").await;
    app.send_json(
        Method::POST,
        "/api/me/password",
        &laptop,
        &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(app.get_me(&laptop).await.status, StatusCode::OK);
    assert_eq!(app.get_me(&phone).await.detail(), "Invalid token.");
}

async fn a_wrong_current_password_is_a_field_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let reply = app
        .send_json(
            Method::POST,
            "/api/me/password",
            &key,
            &json!({"current_password": "nope-nope-1", "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        field_error("current_password", "Invalid password.")
    );
}

async fn the_new_password_is_judged_as_at_signup(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let reply = app
        .send_json(
            Method::POST,
            "/api/me/password",
            &key,
            &json!({"current_password": PASSWORD, "new_password": "password"}),
        )
        .await;
    assert_eq!(
        reply.body,
        field_error("new_password", "This password is too common.")
    );
    let reply = app
        .send_json(Method::POST, "/api/me/password", &key, &json!({}))
        .await;
    let required = ["This field is required."];
    assert_eq!(
        reply.body,
        json!({"current_password": required, "new_password": required})
    );
}

async fn tokens_lists_the_users_sessions_newest_first(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.tokens_per_user = 3).await;
    let first = app.user_with_token("ada@example.com").await;
    let second = app.token_for("ada@example.com").await;
    app.user_with_token("bob@example.com").await;
    let reply = app.send(Method::GET, "/api/me/tokens", &first).await;
    assert_eq!(reply.status, StatusCode::OK);
    let sessions = reply.body.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[0]["current"], false);
    assert_eq!(sessions[1]["current"], true);
    for session in sessions {
        let mut keys: Vec<&str> = session
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "created",
                "current",
                "expires",
                "id",
                "ip",
                "kind",
                "last_used",
                "name",
                "scopes",
                "user_agent"
            ]
        );
        assert_eq!(session["kind"], "session");
        assert_eq!(session["name"], Value::Null);
        assert_eq!(
            session["scopes"],
            json!([
                "account:read",
                "account:write",
                "users:read",
                "users:write",
                "tokens:introspect"
            ])
        );
        assert!(uuid::Uuid::try_parse(session["id"].as_str().unwrap()).is_ok());
    }
    let text = reply.body.to_string();
    assert!(
        !text.contains(&first) && !text.contains(&second),
        "keys never appear"
    );
    let digest = app
        .sql_text("SELECT digest AS value FROM auth_tokens LIMIT 1")
        .unwrap();
    assert!(!text.contains(&digest), "digests never appear");
}

async fn tokens_omits_expired_ones(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.tokens_per_user = 3).await;
    let old = app.user_with_token("ada@example.com").await;
    let current = app.token_for("ada@example.com").await;
    let old_digest = app
        .sql_text("SELECT digest AS value FROM auth_tokens ORDER BY created LIMIT 1")
        .unwrap();
    app.sql(&format!(
        "UPDATE auth_tokens SET expires = '2001-01-01 00:00:00' WHERE digest = '{old_digest}'"
    ));
    let reply = app.send(Method::GET, "/api/me/tokens", &current).await;
    assert_eq!(reply.body.as_array().unwrap().len(), 1);
    assert_eq!(app.get_me(&old).await.detail(), "Token has expired.");
}

async fn deleting_a_token_ends_that_session(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.tokens_per_user = 3).await;
    let phone = app.user_with_token("ada@example.com").await;
    let laptop = app.token_for("ada@example.com").await;
    let sessions = app.send(Method::GET, "/api/me/tokens", &laptop).await.body;
    let phone_id = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = app
        .send(
            Method::DELETE,
            &format!("/api/me/tokens/{phone_id}"),
            &laptop,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get_me(&phone).await.detail(), "Invalid token.");
    assert_eq!(app.get_me(&laptop).await.status, StatusCode::OK);
}

async fn deleting_someone_elses_or_an_unknown_token_is_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.user_with_token("ada@example.com").await;
    let bob = app.user_with_token("bob@example.com").await;
    let bobs = app.send(Method::GET, "/api/me/tokens", &bob).await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for id in [
        bobs.as_str(),
        "not-a-uuid",
        "00000000-0000-0000-0000-000000000000",
    ] {
        let reply = app
            .send(Method::DELETE, &format!("/api/me/tokens/{id}"), &ada)
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{id}");
        assert_eq!(reply.body, json!({"detail": "Not found."}));
    }
    assert_eq!(app.get_me(&bob).await.status, StatusCode::OK);
}

on_both_backends!(
    patch_me_reports_fields_in_the_user_bodys_order,
    password_change_reports_current_before_new,
    patch_me_changes_names_and_phone_number,
    patch_me_ignores_read_only_fields,
    patch_me_validates_as_signup_does,
    patch_me_requires_a_token,
    password_change_is_204_and_the_new_password_logs_in,
    password_change_keeps_the_token_used_and_revokes_the_others,
    a_wrong_current_password_is_a_field_error,
    a_blank_current_password_is_blank_not_wrong,
    a_token_is_unused_until_a_later_request_authenticates_with_it,
    the_new_password_is_judged_as_at_signup,
    tokens_lists_the_users_sessions_newest_first,
    tokens_omits_expired_ones,
    deleting_a_token_ends_that_session,
    deleting_someone_elses_or_an_unknown_token_is_404,
);
