//! CORS for browser applications on other origins.

use reqwest::{Method, StatusCode};
use tokenauth_adapters_db::Backend;

use crate::helpers::{Reply, TestApp, spawn_app, spawn_app_with};
use crate::on_both_backends;

const ORIGIN: &str = "https://app.example.com";

async fn allowing(backend: Backend, origins: &[&str]) -> TestApp {
    let origins: Vec<String> = origins.iter().map(|o| (*o).to_owned()).collect();
    spawn_app_with(backend, move |s| s.http.cors_allowed_origins = origins).await
}

async fn from_origin(
    app: &TestApp,
    method: Method,
    path: &str,
    origin: &str,
    extra: &[(&str, &str)],
) -> Reply {
    let mut request = app
        .client
        .request(method, app.url(path))
        .header("origin", origin);
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    Reply::read(request.send().await.unwrap()).await
}

fn has_no_cors_header(reply: &Reply) -> bool {
    reply
        .headers
        .keys()
        .all(|name| !name.as_str().starts_with("access-control-"))
}

async fn without_configured_origins_no_answer_has_cors_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = from_origin(&app, Method::GET, "/healthz", ORIGIN, &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(has_no_cors_header(&reply), "{:?}", reply.headers);
}

async fn an_allowed_origin_gets_itself_back_with_vary_and_the_exposed_headers(backend: Backend) {
    let app = allowing(backend, &[ORIGIN]).await;
    let key = app.user_with_token("ada@example.com").await;
    let auth = format!("Token {key}");
    let reply = from_origin(
        &app,
        Method::GET,
        "/api/me",
        ORIGIN,
        &[("authorization", &auth)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(reply.header("vary"), Some("Origin"));
    assert_eq!(
        reply.header("access-control-expose-headers"),
        Some("X-Request-Id, Retry-After, WWW-Authenticate")
    );
    assert_eq!(reply.header("access-control-allow-credentials"), None);
}

async fn errors_carry_the_cors_headers_too(backend: Backend) {
    let app = allowing(backend, &[ORIGIN]).await;
    let reply = from_origin(&app, Method::GET, "/api/me", ORIGIN, &[]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
}

async fn a_preflight_is_answered_before_authentication_with_the_routes_methods(backend: Backend) {
    let app = allowing(backend, &[ORIGIN]).await;
    let reply = from_origin(
        &app,
        Method::OPTIONS,
        "/api/me",
        ORIGIN,
        &[("access-control-request-method", "PATCH")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(
        reply.header("access-control-allow-methods"),
        Some("GET, PATCH, HEAD, OPTIONS")
    );
    assert_eq!(
        reply.header("access-control-allow-headers"),
        Some("authorization, content-type, x-request-id")
    );
    assert_eq!(reply.header("access-control-max-age"), Some("86400"));
}

async fn an_origin_not_allowed_gets_no_cors_header_and_the_usual_answer(backend: Backend) {
    let app = allowing(backend, &[ORIGIN]).await;
    let simple = from_origin(&app, Method::GET, "/healthz", "https://evil.example", &[]).await;
    assert_eq!(simple.status, StatusCode::OK);
    assert!(has_no_cors_header(&simple));
    let preflight = from_origin(
        &app,
        Method::OPTIONS,
        "/api/me",
        "https://evil.example",
        &[("access-control-request-method", "GET")],
    )
    .await;
    assert_eq!(preflight.status, StatusCode::UNAUTHORIZED);
    assert!(has_no_cors_header(&preflight));
}

async fn a_star_allows_any_origin_by_name(backend: Backend) {
    let app = allowing(backend, &["*"]).await;
    let reply = from_origin(&app, Method::GET, "/healthz", "http://localhost:5173", &[]).await;
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("http://localhost:5173")
    );
}

on_both_backends!(
    without_configured_origins_no_answer_has_cors_headers,
    an_allowed_origin_gets_itself_back_with_vary_and_the_exposed_headers,
    errors_carry_the_cors_headers_too,
    a_preflight_is_answered_before_authentication_with_the_routes_methods,
    an_origin_not_allowed_gets_no_cors_header_and_the_usual_answer,
    a_star_allows_any_origin_by_name,
);
