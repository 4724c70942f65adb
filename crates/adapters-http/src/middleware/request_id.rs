//! Every request's id: the client's `X-Request-Id` when it is sane, else a
//! new one; the request is served in its span (continuing a caller's trace
//! when traces are exported), and the answer echoes the id.
//!
//! Hand-written rather than `tracing-actix-web`'s `RequestId`, which always
//! makes its own id: the contract echoes the client's.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Data;
use tracing::Instrument;

use super::request_scope::request_span;
use super::traces::Traces;

/// The header that carries a request's id, in and out.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Assigns the id, serves the request in its scope and echoes the id.
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .filter(|value| value.to_str().is_ok_and(is_acceptable_request_id))
        .cloned()
        .unwrap_or_else(new_request_id);
    let span = match req.app_data::<Data<Traces>>() {
        Some(traces) => traces.request_span(&req, &id),
        None => request_span(&id),
    };
    let mut response = next.call(req).instrument(span).await?;
    response.headers_mut().insert(REQUEST_ID, id);
    Ok(response)
}

fn new_request_id() -> HeaderValue {
    let mut buffer = uuid::Uuid::encode_buffer();
    let text = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buffer);
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

/// Ids from clients are echoed and logged: accept only short runs of
/// characters that cannot forge log structure.
fn is_acceptable_request_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

#[cfg(test)]
mod tests {
    use super::is_acceptable_request_id;

    #[test]
    fn accepts_uuids_and_simple_tokens() {
        assert!(is_acceptable_request_id(
            "3f2b6c1e-8a4d-4c1b-9d2e-0a1b2c3d4e5f"
        ));
        assert!(is_acceptable_request_id("req_42.a:b"));
    }

    #[test]
    fn refuses_empty_long_and_structured_ids() {
        assert!(!is_acceptable_request_id(""));
        assert!(!is_acceptable_request_id(&"a".repeat(129)));
        assert!(!is_acceptable_request_id("a b"));
        assert!(!is_acceptable_request_id("a\"b"));
        assert!(!is_acceptable_request_id("{\"level\":\"error\"}"));
    }
}
