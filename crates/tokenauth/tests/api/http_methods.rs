//! HEAD and OPTIONS as DRF serves them, and Allow on every 405.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tokenauth_adapters_db::Backend;

use crate::helpers::{Reply, spawn_app};
use crate::on_both_backends;

async fn head_answers_as_get_without_a_body(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    for path in ["/api/me", "/api/me/tokens", "/healthz", "/"] {
        let get = app.send(Method::GET, path, &key).await;
        let head = app.send(Method::HEAD, path, &key).await;
        assert_eq!(head.status, get.status, "{path}");
        assert_eq!(
            head.body,
            serde_json::Value::Null,
            "{path}: HEAD has no body"
        );
        assert_eq!(
            head.header("content-type"),
            get.header("content-type"),
            "{path}"
        );
    }
}

async fn head_needs_the_same_token_as_get(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app.request(Method::HEAD, "/api/me", None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.header("www-authenticate"), Some("Token"));
}

async fn options_describes_a_public_endpoint_to_anyone(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app.request(Method::OPTIONS, "/api/signup", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("allow"), Some("POST, OPTIONS"));
    assert_eq!(reply.body["name"], "Signup");
    assert!(
        reply.body["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    assert_eq!(
        reply.body["renders"],
        json!(["application/json", "text/html"])
    );
    assert_eq!(
        reply.body["parses"],
        json!(["application/json", "application/x-www-form-urlencoded"])
    );
}

async fn options_on_a_protected_endpoint_needs_a_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let anonymous = app.request(Method::OPTIONS, "/api/me", None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        anonymous.detail(),
        "Authentication credentials were not provided."
    );
    let key = app.user_with_token("ada@example.com").await;
    let reply = app.send(Method::OPTIONS, "/api/me", &key).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("allow"), Some("GET, PATCH, HEAD, OPTIONS"));
    assert_eq!(reply.body["name"], "Me");
}

async fn options_on_the_administration_needs_staff(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app.user_with_token("ada@example.com").await;
    let staff = app.admin_with_token("root@example.com", false).await;
    for path in [
        "/api/users",
        "/api/users/00000000-0000-4000-8000-000000000000",
    ] {
        let refused = app.send(Method::OPTIONS, path, &user).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(
            refused.detail(),
            "You do not have permission to perform this action."
        );
        let allowed = app.send(Method::OPTIONS, path, &staff).await;
        assert_eq!(allowed.status, StatusCode::OK, "{path}");
    }
}

async fn every_405_lists_what_options_allows(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_with_token("root@example.com", true).await;
    for (method, path) in [
        (Method::PUT, "/api/signup"),
        (Method::GET, "/api/login"),
        (Method::DELETE, "/api/me"),
        (
            Method::POST,
            "/api/users/00000000-0000-4000-8000-000000000000",
        ),
        (Method::POST, "/healthz"),
    ] {
        let refused = app.send(method.clone(), path, &key).await;
        assert_eq!(
            refused.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        let options = app.send(Method::OPTIONS, path, &key).await;
        assert_eq!(refused.header("allow"), options.header("allow"), "{path}");
    }
}

async fn the_signup_form_answers_head_for_browsers_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let page = app
        .client
        .head(app.url("/api/signup"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.bytes().await.unwrap().is_empty());
    let json = Reply::read(
        app.client
            .head(app.url("/api/signup"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(json.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(json.header("allow"), Some("POST, OPTIONS"));
}

on_both_backends!(
    head_answers_as_get_without_a_body,
    head_needs_the_same_token_as_get,
    options_describes_a_public_endpoint_to_anyone,
    options_on_a_protected_endpoint_needs_a_token,
    options_on_the_administration_needs_staff,
    every_405_lists_what_options_allows,
    the_signup_form_answers_head_for_browsers_only,
);
