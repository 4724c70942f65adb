//! Per-request context: the request id, the log line, the request metrics.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Data;
use tracing::Instrument;

use crate::Metrics;

/// How many requests are being handled now, so a stopping server can wait
/// for them itself (actix's own drain can drop a connection whose request
/// body is still arriving).
#[derive(Debug, Clone, Default)]
pub struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    /// Requests in flight now.
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    fn enter(&self) -> InFlightGuard {
        self.0.fetch_add(1, Ordering::SeqCst);
        InFlightGuard(self.0.clone())
    }
}

struct InFlightGuard(Arc<AtomicUsize>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The header that carries a request's id, in and out.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Wraps every request: takes the client's `X-Request-Id` when it is a sane
/// token (else makes one), runs the request inside a span that carries it,
/// echoes it on the response, and writes one log line and the metrics.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let _in_flight = req
        .app_data::<Data<InFlight>>()
        .map(|in_flight| in_flight.enter());
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|id| is_acceptable_request_id(id))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    let method = req.method().clone();
    // The route pattern, not the path: ids in paths must not become labels.
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let metrics = req.app_data::<Data<Metrics>>().cloned();
    let span = tracing::info_span!("request", request_id = %request_id);
    let mut response = next.call(req).instrument(span.clone()).await?;
    let status = response.status();
    let elapsed = started.elapsed();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    if let Some(metrics) = metrics {
        metrics.observe_request(&route, method.as_str(), status, elapsed.as_secs_f64());
    }
    span.in_scope(|| {
        tracing::info!(
            target: "tokenauth::http",
            method = %method,
            route = %route,
            status = status.as_u16(),
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request"
        );
    });
    Ok(response)
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
