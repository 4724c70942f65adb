use reqwest::{Method, StatusCode};
use serde_json::json;
use tokenauth_adapters_db::Backend;

use crate::helpers::{PASSWORD, spawn_app, spawn_app_with};
use crate::on_both_backends;

async fn healthz_is_ok_while_the_process_runs(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app.request(Method::GET, "/healthz", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({"status": "ok"}));
}

async fn readyz_follows_the_database(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.database.pool_size = 1;
        s.database.connect_timeout_seconds = 1;
    })
    .await;
    let reply = app.request(Method::GET, "/readyz", None).await;
    assert_eq!(
        (reply.status, reply.body.clone()),
        (StatusCode::OK, json!({"status": "ok"}))
    );
    crate::routing::take_database_away(&app, backend);
    let reply = app.request(Method::GET, "/readyz", None).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        reply.body,
        json!({"detail": "Service temporarily unavailable."})
    );
    assert_eq!(
        app.request(Method::GET, "/healthz", None).await.status,
        StatusCode::OK
    );
}

async fn metrics_count_requests_logins_signups_and_the_pool(backend: Backend) {
    let app = spawn_app(backend).await;
    app.user_with_token("ada@example.com").await;
    app.login("ada@example.com", "wrong-password-1").await;
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    for line in [
        r#"tokenauth_http_requests_total{method="POST",route="/api/signup",status="201"} 1"#,
        r#"tokenauth_http_requests_total{method="POST",route="/api/login",status="200"} 1"#,
        r#"tokenauth_http_requests_total{method="POST",route="/api/login",status="401"} 1"#,
        r#"tokenauth_logins_total{outcome="success"} 1"#,
        r#"tokenauth_logins_total{outcome="failure"} 1"#,
        "tokenauth_signups_total 1",
    ] {
        assert!(text.contains(line), "{line} missing from\n{text}");
    }
    assert!(
        text.contains(r#"tokenauth_http_request_duration_seconds_bucket{route="/api/login",le="#)
    );
    // PostgreSQL adds the request path's async connections (2 for each of
    // the 2 workers) to the pool of 8.
    let max = match backend {
        Backend::Sqlite => 8,
        Backend::Postgres => 12,
    };
    let max_line = format!(r#"tokenauth_db_pool_connections{{state="max"}} {max}"#);
    assert!(text.contains(&max_line), "{max_line} missing from\n{text}");
    assert!(text.contains(r#"tokenauth_db_pool_connections{state="idle"}"#));
    assert!(text.contains(r#"tokenauth_db_pool_connections{state="in_use"}"#));
}

async fn metrics_label_routes_by_pattern_not_path(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.user_with_token("ada@example.com").await;
    app.send(
        Method::DELETE,
        "/api/me/tokens/00000000-0000-0000-0000-000000000000",
        &key,
    )
    .await;
    app.request(Method::GET, "/no/such/path", None).await;
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains(r#"route="/api/me/tokens/{id}""#), "{text}");
    assert!(text.contains(r#"route="unmatched""#), "{text}");
    assert!(
        !text.contains("00000000-0000") && !text.contains("/no/such/path"),
        "{text}"
    );
}

async fn the_schema_documents_every_endpoint(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app.request(Method::GET, "/api/schema", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body["openapi"].as_str().unwrap().starts_with("3."));
    let paths = reply.body["paths"].as_object().unwrap();
    for path in [
        "/api/signup",
        "/api/login",
        "/api/logout",
        "/api/logoutall",
        "/api/me",
        "/api/me/password",
        "/api/me/tokens",
        "/api/me/tokens/{id}",
        "/api/users",
        "/api/users/{id}",
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/schema",
    ] {
        assert!(paths.contains_key(path), "{path}");
    }
    let login = &reply.body["paths"]["/api/login"]["post"]["responses"];
    for status in ["200", "401", "429", "503"] {
        assert!(login.get(status).is_some(), "login {status}");
    }
}

async fn every_response_carries_a_request_id(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/healthz", "/api/me", "/nope"] {
        let reply = app.request(Method::GET, path, None).await;
        let id = reply.header("x-request-id").unwrap_or_default();
        assert!(uuid::Uuid::try_parse(id).is_ok(), "{path}: {id:?}");
    }
}

async fn a_sane_client_request_id_is_echoed_and_others_are_replaced(backend: Backend) {
    let app = spawn_app(backend).await;
    let send = |id: &'static str| {
        let request = app
            .client
            .post(app.url("/api/login"))
            .header("x-request-id", id)
            .json(&json!({"email": "a@b.c", "password": PASSWORD}));
        async move {
            request.send().await.unwrap().headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(send("client-req-42").await, "client-req-42");
    let replaced = send("bad id with spaces").await;
    assert!(uuid::Uuid::try_parse(&replaced).is_ok(), "{replaced}");
}

on_both_backends!(
    healthz_is_ok_while_the_process_runs,
    readyz_follows_the_database,
    metrics_count_requests_logins_signups_and_the_pool,
    metrics_label_routes_by_pattern_not_path,
    the_schema_documents_every_endpoint,
    every_response_carries_a_request_id,
    a_sane_client_request_id_is_echoed_and_others_are_replaced,
);
