use reqwest::StatusCode;
use serde_json::json;
use tokenauth_adapters_db::Backend;

use crate::helpers::{spawn_app, spawn_app_with};
use crate::on_both_backends;

async fn malformed_json_is_a_parse_error(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/api/signup", "/api/login"] {
        let reply = app.post_raw(path, "application/json", "{\"email\": ").await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert!(
            reply.detail().starts_with("JSON parse error - "),
            "{reply:?}"
        );
    }
}

async fn a_body_that_is_not_an_object_names_its_python_type(backend: Backend) {
    let app = spawn_app(backend).await;
    for (body, type_name) in [
        ("[]", "list"),
        ("\"x\"", "str"),
        ("42", "int"),
        ("4.2", "float"),
        ("true", "bool"),
        ("null", "NoneType"),
    ] {
        let reply = app.post_raw("/api/signup", "application/json", body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        let message = format!("Invalid data. Expected a dictionary, but got {type_name}.");
        assert_eq!(
            reply.body,
            json!({ "non_field_errors": [message] }),
            "{body}"
        );
    }
}

async fn null_and_non_string_values_are_field_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .post_json("/api/signup", &json!({"email": null, "phonenumber": ["+1555"], "password": {"a": 1}, "first_name": true}))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        json!({
            "email": ["This field may not be null."],
            "phonenumber": ["Not a valid string."],
            "password": ["Not a valid string."],
            "first_name": ["Not a valid string."],
        })
    );
}

async fn an_unsupported_media_type_is_415(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app.post_raw("/api/signup", "text/plain", "email=x").await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        reply.detail(),
        "Unsupported media type \"text/plain\" in request."
    );
}

async fn a_body_over_the_limit_is_413(backend: Backend) {
    let app = spawn_app(backend).await;
    let big = format!("{{\"email\": \"{}\"}}", "a".repeat(70 * 1024));
    let reply = app.post_raw("/api/signup", "application/json", big).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.detail(), "Request body is too large.");
}

async fn a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = "POST /api/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n";
    let (status, body) = crate::helpers::raw_exchange(&app, head.as_bytes()).await;
    assert_eq!(status, 413);
    assert_eq!(body, r#"{"detail":"Request body is too large."}"#);
}

async fn the_body_limit_is_configurable(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.http.max_body_bytes = 100).await;
    let reply = app
        .post_json(
            "/api/login",
            &json!({"email": "a".repeat(200), "password": "x"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

async fn a_chunked_body_over_the_limit_is_413(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut request = b"POST /api/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    // One byte past the limit, in 1 KiB chunks, and no terminating chunk:
    // the server must refuse without waiting for the end of the body.
    for _ in 0..64 {
        request.extend_from_slice(b"400\r\n");
        request.extend_from_slice(&[b' '; 1024]);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"1\r\n \r\n");
    let (status, body) = crate::helpers::raw_exchange(&app, &request).await;
    assert_eq!(status, 413);
    assert_eq!(body, r#"{"detail":"Request body is too large."}"#);
}

async fn deeply_nested_json_is_a_parse_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let nested = format!(
        "{{\"email\": {}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let reply = app
        .post_raw("/api/signup", "application/json", nested)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.detail().starts_with("JSON parse error - "),
        "{reply:?}"
    );
}

async fn no_content_type_means_no_data(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .client
        .post(app.url("/api/login"))
        .body("email=x")
        .send()
        .await
        .unwrap();
    let reply = crate::helpers::Reply::read(response).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body, json!({"error": "Email cannot be blank!"}));
}

on_both_backends!(
    malformed_json_is_a_parse_error,
    a_body_that_is_not_an_object_names_its_python_type,
    null_and_non_string_values_are_field_errors,
    an_unsupported_media_type_is_415,
    a_body_over_the_limit_is_413,
    a_declared_length_over_the_limit_is_refused_before_the_body_is_sent,
    the_body_limit_is_configurable,
    a_chunked_body_over_the_limit_is_413,
    deeply_nested_json_is_a_parse_error,
    no_content_type_means_no_data,
);
