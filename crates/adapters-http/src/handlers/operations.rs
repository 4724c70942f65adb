//! Operations endpoints: liveness, readiness, metrics, the OpenAPI document.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::web::Data;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::openapi::ApiDoc;
use crate::representation::ErrorBody;
use crate::responses::json_response;
use crate::threads::{Blocking, Threads};
use crate::{ApiError, Metrics, Services};

/// `{"status": "ok"}`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StatusBody {
    status: &'static str,
}

const OK: StatusBody = StatusBody { status: "ok" };

/// The API root: every endpoint by name, as absolute URLs (DRF's API root).
#[utoipa::path(get, path = "/", tag = "operations",
    responses((status = 200, description = "Endpoint names and their URLs; a browser gets a page with links.", body = Object)))]
pub(crate) async fn root(req: actix_web::HttpRequest) -> HttpResponse {
    let info = req.connection_info();
    let origin = format!("{}://{}", info.scheme(), info.host());
    let mut endpoints = serde_json::Map::new();
    for (name, path) in [
        ("signup", "/api/signup"),
        ("login", "/api/login"),
        ("logout", "/api/logout"),
        ("logoutall", "/api/logoutall"),
        ("me", "/api/me"),
        ("password", "/api/me/password"),
        ("tokens", "/api/me/tokens"),
        ("users", "/api/users"),
        ("schema", "/api/schema"),
        ("healthz", "/healthz"),
        ("readyz", "/readyz"),
        ("metrics", "/metrics"),
    ] {
        endpoints.insert(
            name.to_owned(),
            serde_json::Value::String(format!("{origin}{path}")),
        );
    }
    json_response(StatusCode::OK, &endpoints)
}

/// Liveness: the process runs.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process runs.", body = StatusBody)))]
pub(crate) async fn healthz() -> HttpResponse {
    json_response(StatusCode::OK, &OK)
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "The database answers.", body = StatusBody),
        (status = 503, description = "The database does not answer.", body = ErrorBody),
    ))]
pub(crate) async fn readyz(services: Data<Services>) -> Result<HttpResponse, ApiError> {
    Blocking.run(move || services.health.ping()).await?;
    Ok(json_response(StatusCode::OK, &OK))
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format.", content_type = "text/plain", body = String)))]
pub(crate) async fn metrics(services: Data<Services>, metrics: Data<Metrics>) -> HttpResponse {
    let text = metrics.render(services.health.pool_state());
    HttpResponse::Ok()
        .insert_header((
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        ))
        .body(text)
}

/// This document.
#[utoipa::path(get, path = "/api/schema", tag = "operations",
    responses((status = 200, description = "The OpenAPI 3 document of every endpoint.", content_type = "application/json")))]
pub(crate) async fn schema() -> HttpResponse {
    json_response(StatusCode::OK, &ApiDoc::openapi())
}
