use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use serde::Serialize;

/// The media type of every JSON body, as the contract writes it.
pub(crate) const JSON: &str = "application/json; charset=utf-8";

/// A JSON response with the contract's content type.
pub(crate) fn json_response(status: StatusCode, body: &impl Serialize) -> HttpResponse {
    match serde_json::to_vec(body) {
        Ok(bytes) => HttpResponse::build(status)
            .insert_header((CONTENT_TYPE, HeaderValue::from_static(JSON)))
            .body(bytes),
        Err(error) => {
            tracing::error!(%error, "response serialisation failed");
            HttpResponse::InternalServerError()
                .insert_header((CONTENT_TYPE, HeaderValue::from_static(JSON)))
                .body(r#"{"detail":"A server error occurred."}"#)
        }
    }
}
