//! GET /api/auth/verify: forward authentication for reverse proxies.

use reqwest::{Method, StatusCode};
use tokenauth_adapters_db::Backend;

use crate::helpers::{Reply, TestApp, spawn_app};
use crate::on_both_backends;

async fn verify(app: &TestApp, query: &str, key: Option<&str>) -> Reply {
    let authorization = key.map(|key| format!("Token {key}"));
    app.request(
        Method::GET,
        &format!("/api/auth/verify{query}"),
        authorization.as_deref().map(str::as_bytes),
    )
    .await
}

async fn a_valid_token_passes_with_the_user_in_headers_and_no_body(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    let me = app.get_me(&key).await;
    let reply = verify(&app, "", Some(&key)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, serde_json::Value::Null);
    assert_eq!(reply.header("x-auth-user-id"), me.body["id"].as_str());
    assert_eq!(reply.header("x-auth-user-email"), Some("ada@example.com"));
    assert_eq!(reply.header("x-auth-is-staff"), Some("false"));
    assert_eq!(
        reply.header("x-auth-scopes"),
        Some("account:read account:write users:read users:write tokens:introspect")
    );
    let head = app.send(Method::HEAD, "/api/auth/verify", &key).await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.header("x-auth-user-id"), me.body["id"].as_str());
}

async fn a_missing_or_revoked_token_gets_the_token_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let missing = verify(&app, "", None).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.header("www-authenticate"), Some("Token"));
    assert_eq!(
        missing.detail(),
        "Authentication credentials were not provided."
    );
    let key = app.user_with_token("ada@example.com").await;
    app.post_with_token("/api/logout", &key).await;
    let revoked = verify(&app, "", Some(&key)).await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
    assert_eq!(revoked.detail(), "Invalid token.");
}

async fn scopes_asked_for_must_all_be_held(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    for held in [
        "?scope=account:read",
        "?scope=account:read&scope=users:write",
    ] {
        assert_eq!(
            verify(&app, held, Some(&key)).await.status,
            StatusCode::OK,
            "{held}"
        );
    }
    for refused in [
        "?scope=reports:read",
        "?scope=",
        "?scope=account:read&scope=nope",
    ] {
        let reply = verify(&app, refused, Some(&key)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{refused}");
        assert_eq!(
            reply.detail(),
            "You do not have permission to perform this action."
        );
    }
}

async fn staff_true_asks_for_a_staff_user_and_nothing_else_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app.user_with_token("ada@example.com").await;
    let staff = app.admin_with_token("root@example.com", false).await;
    assert_eq!(
        verify(&app, "?staff=true", Some(&user)).await.status,
        StatusCode::FORBIDDEN
    );
    let reply = verify(&app, "?staff=true", Some(&staff)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("x-auth-is-staff"), Some("true"));
    for ignored in ["?staff=false", "?staff=yes", "?staff=1", "?staff="] {
        assert_eq!(
            verify(&app, ignored, Some(&user)).await.status,
            StatusCode::OK,
            "{ignored}"
        );
    }
}

on_both_backends!(
    a_valid_token_passes_with_the_user_in_headers_and_no_body,
    a_missing_or_revoked_token_gets_the_token_401,
    scopes_asked_for_must_all_be_held,
    staff_true_asks_for_a_staff_user_and_nothing_else_does,
);
