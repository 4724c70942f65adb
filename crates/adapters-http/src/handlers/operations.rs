//! Operations endpoints: the API root, liveness, readiness, metrics, the
//! OpenAPI document.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::representation::StatusBody;
use crate::responses::{JSON, json_response};
use crate::threads::{Blocking, Threads};
use crate::{ApiError, Metrics, Services};

/// The API root's links: each endpoint's name and path.
#[derive(Debug)]
pub(crate) struct ApiRoot(pub Vec<(&'static str, &'static str)>);

/// The OpenAPI document, serialised once when the server starts.
#[derive(Debug)]
pub(crate) struct SchemaDocument(Bytes);

impl SchemaDocument {
    pub(crate) fn of(document: &utoipa::openapi::OpenApi) -> Self {
        Self(Bytes::from(
            serde_json::to_vec(document).unwrap_or_default(),
        ))
    }
}

/// The API root: every endpoint by name, as absolute URLs (DRF's API root).
pub(crate) async fn root(req: HttpRequest, root: Data<ApiRoot>) -> HttpResponse {
    let info = req.connection_info();
    let origin = format!("{}://{}", info.scheme(), info.host());
    let links: serde_json::Map<String, serde_json::Value> = root
        .0
        .iter()
        .map(|(name, path)| ((*name).to_owned(), format!("{origin}{path}").into()))
        .collect();
    json_response(StatusCode::OK, &links)
}

/// Liveness: the process runs.
pub(crate) async fn healthz() -> HttpResponse {
    json_response(StatusCode::OK, &StatusBody::OK)
}

/// Readiness: the database answers.
pub(crate) async fn readyz(services: Data<Services>) -> Result<HttpResponse, ApiError> {
    Blocking.run(move || services.health.ping()).await?;
    Ok(json_response(StatusCode::OK, &StatusBody::OK))
}

/// Prometheus metrics in the text exposition format.
pub(crate) async fn metrics(services: Data<Services>, metrics: Data<Metrics>) -> HttpResponse {
    let text = metrics.render(services.health.pool_state());
    HttpResponse::Ok()
        .insert_header((
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        ))
        .body(text)
}

/// The OpenAPI 3 document of every endpoint.
pub(crate) async fn schema(document: Data<SchemaDocument>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, HeaderValue::from_static(JSON)))
        .body(document.0.clone())
}
