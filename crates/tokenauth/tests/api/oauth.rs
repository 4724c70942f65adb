//! The OAuth 2.0 token endpoints: introspection (RFC 7662) and revocation
//! (RFC 7009), with form and JSON bodies.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokenauth_adapters_db::Backend;

use crate::helpers::{Reply, TestApp, spawn_app, spawn_app_with};
use crate::on_both_backends;

async fn introspect(app: &TestApp, caller: &str, token: &str) -> Reply {
    app.send_json(
        Method::POST,
        "/api/oauth/introspect",
        caller,
        &json!({"token": token}),
    )
    .await
}

async fn revoke(app: &TestApp, body: &Value) -> Reply {
    app.post_json("/api/oauth/revoke", body).await
}

async fn a_usable_token_is_active_with_its_owner_and_scopes(backend: Backend) {
    let app = spawn_app(backend).await;
    let gateway = app.user_with_token("gateway@example.com").await;
    let session = app.user_with_token("ada@example.com").await;
    let key = app.personal_token(&session, &["account:read"]).await;
    let me = app.get_me(&session).await.body;
    let reply = introspect(&app, &gateway, &key).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(
        reply.keys(),
        [
            "active",
            "scope",
            "sub",
            "username",
            "is_staff",
            "token_type",
            "jti",
            "iat",
            "exp"
        ]
    );
    assert_eq!(reply.body["active"], true);
    assert_eq!(reply.body["scope"], "account:read");
    assert_eq!(reply.body["sub"], me["id"]);
    assert_eq!(reply.body["username"], "ada@example.com");
    assert_eq!(reply.body["is_staff"], false);
    assert_eq!(reply.body["token_type"], "personal");
    assert!(reply.body["iat"].as_i64().unwrap() <= reply.body["exp"].as_i64().unwrap());
    let listed = app.send(Method::GET, "/api/me/tokens", &session).await;
    let personal = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "personal");
    assert_eq!(reply.body["jti"], personal.unwrap()["id"]);
}

async fn a_session_token_holds_every_scope_and_no_exp_when_it_never_expires(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.token_ttl_seconds = 0).await;
    let gateway = app.user_with_token("gateway@example.com").await;
    let session = app.user_with_token("ada@example.com").await;
    let reply = introspect(&app, &gateway, &session).await;
    assert_eq!(
        reply.body["scope"],
        "account:read account:write users:read users:write tokens:introspect"
    );
    assert_eq!(reply.body["token_type"], "session");
    assert!(reply.body.get("exp").is_none(), "{:?}", reply.body);
}

async fn introspection_counts_as_a_use(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.tokens_per_user = 2).await;
    let gateway = app.user_with_token("gateway@example.com").await;
    let introspected = app.user_with_token("ada@example.com").await;
    let other = app.token_for("ada@example.com").await;
    introspect(&app, &gateway, &introspected).await;
    let listed = app.send(Method::GET, "/api/me/tokens", &other).await;
    let used: Vec<&Value> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|token| token["last_used"].is_string())
        .collect();
    // The listing used `other`; the introspection used the first.
    assert_eq!(used.len(), 2, "{:?}", listed.body);
}

async fn anything_unusable_is_inactive_and_nothing_more(backend: Backend) {
    let app = spawn_app(backend).await;
    let gateway = app.user_with_token("gateway@example.com").await;
    let revoked = app.user_with_token("gone@example.com").await;
    app.post_with_token("/api/logout", &revoked).await;
    let inactive = app.user_with_token("inactive@example.com").await;
    app.sql("UPDATE users SET is_active = FALSE WHERE email = 'inactive@example.com'");
    for token in [
        "0".repeat(40),
        revoked,
        inactive,
        "not-a-key".to_owned(),
        "A".repeat(40),
    ] {
        let reply = introspect(&app, &gateway, &token).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body, json!({"active": false}), "{token}");
    }
}

async fn an_expired_token_is_inactive(backend: Backend) {
    let app = spawn_app(backend).await;
    let gateway = app.user_with_token("gateway@example.com").await;
    let session = app.user_with_token("ada@example.com").await;
    app.sql(
        "UPDATE auth_tokens SET expires = '2000-01-01 00:00:00' WHERE user_id = \
         (SELECT id FROM users WHERE email = 'ada@example.com')",
    );
    let reply = introspect(&app, &gateway, &session).await;
    assert_eq!(reply.body, json!({"active": false}));
}

async fn a_missing_blank_or_non_string_token_is_an_invalid_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let gateway = app.user_with_token("gateway@example.com").await;
    for body in [
        json!({}),
        json!({"token": ""}),
        json!({"token": "  "}),
        json!({"token": 42}),
        json!({"token": null}),
        json!({"token": ["x"]}),
    ] {
        let reply = app
            .send_json(Method::POST, "/api/oauth/introspect", &gateway, &body)
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.body, json!({"error": "invalid_request"}));
        let reply = revoke(&app, &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.body, json!({"error": "invalid_request"}));
    }
}

async fn the_caller_needs_the_introspect_scope_checked_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.user_with_token("ada@example.com").await;
    let reader = app.personal_token(&session, &["account:read"]).await;
    let allowed = app.personal_token(&session, &["tokens:introspect"]).await;
    let forbidden = app
        .send_json(Method::POST, "/api/oauth/introspect", &reader, &json!({}))
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let anonymous = app
        .post_json("/api/oauth/introspect", &json!({"token": session}))
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        introspect(&app, &allowed, &session).await.body["active"],
        true
    );
}

async fn introspection_reads_a_form_body(backend: Backend) {
    let app = spawn_app(backend).await;
    let gateway = app.user_with_token("gateway@example.com").await;
    let session = app.user_with_token("ada@example.com").await;
    let response = app
        .client
        .post(app.url("/api/oauth/introspect"))
        .header("authorization", format!("Token {gateway}"))
        .form(&[
            ("token", session.as_str()),
            ("token_type_hint", "access_token"),
        ])
        .send()
        .await
        .unwrap();
    let reply = Reply::read(response).await;
    assert_eq!(reply.body["active"], true, "{reply:?}");
}

async fn revoking_ends_the_token_at_once_with_an_empty_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.user_with_token("ada@example.com").await;
    let response = app
        .client
        .post(app.url("/api/oauth/revoke"))
        .form(&[("token", session.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.bytes().await.unwrap().is_empty());
    assert_eq!(app.get_me(&session).await.status, StatusCode::UNAUTHORIZED);
}

async fn revoking_an_unknown_or_malformed_key_answers_the_same(backend: Backend) {
    let app = spawn_app(backend).await;
    for token in ["0".repeat(40), "whatever".to_owned()] {
        let reply = revoke(&app, &json!({"token": token})).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body, Value::Null);
    }
}

async fn revocation_ignores_the_authorization_header(backend: Backend) {
    let app = spawn_app(backend).await;
    let victim = app.user_with_token("ada@example.com").await;
    let reply = app
        .post_json_with(
            "/api/oauth/revoke",
            &[("authorization", "Token nonsense")],
            &json!({"token": victim}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(app.get_me(&victim).await.status, StatusCode::UNAUTHORIZED);
}

async fn revocation_is_recorded_on_the_owners_account(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.tokens_per_user = 2).await;
    let first = app.user_with_token("ada@example.com").await;
    let second = app.token_for("ada@example.com").await;
    revoke(&app, &json!({"token": first})).await;
    let events = app
        .send(Method::GET, "/api/me/events?type=token.revoked", &second)
        .await;
    assert_eq!(events.body["count"], 1);
    assert_eq!(
        events.body["results"][0]["detail"],
        json!({"via": "revocation_endpoint"})
    );
    assert!(events.body["results"][0]["token_id"].is_string());
}

async fn revocation_is_throttled_per_ip_before_the_body_is_read(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.throttle.revoke = "2/minute".into()).await;
    for _ in 0..2 {
        assert_eq!(
            app.post_raw("/api/oauth/revoke", "application/json", "{")
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
    }
    let reply = revoke(&app, &json!({"token": "0".repeat(40)})).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.header("retry-after").is_some());
}

on_both_backends!(
    a_usable_token_is_active_with_its_owner_and_scopes,
    a_session_token_holds_every_scope_and_no_exp_when_it_never_expires,
    introspection_counts_as_a_use,
    anything_unusable_is_inactive_and_nothing_more,
    an_expired_token_is_inactive,
    a_missing_blank_or_non_string_token_is_an_invalid_request,
    the_caller_needs_the_introspect_scope_checked_first,
    introspection_reads_a_form_body,
    revoking_ends_the_token_at_once_with_an_empty_answer,
    revoking_an_unknown_or_malformed_key_answers_the_same,
    revocation_ignores_the_authorization_header,
    revocation_is_recorded_on_the_owners_account,
    revocation_is_throttled_per_ip_before_the_body_is_read,
);
