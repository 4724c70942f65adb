//! What a request's span tells an OpenTelemetry receiver, when traces are
//! exported: the trace a gateway began (W3C `traceparent`), the route and
//! the status.

use actix_web::dev::ServiceRequest;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderMap, HeaderValue};
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::Status;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Present (as app data) when the binary exports spans; absent, requests
/// pay nothing for traces.
#[derive(Debug, Default)]
pub struct Traces {
    propagator: TraceContextPropagator,
}

impl Traces {
    /// The span of request `id`, named as OpenTelemetry's HTTP conventions
    /// name a server's span (`GET /api/me`), and continuing the caller's
    /// trace when the request carries one.
    pub(super) fn request_span(&self, req: &ServiceRequest, id: &HeaderValue) -> Span {
        let route = req.match_pattern();
        let route = route.as_deref().unwrap_or("unmatched");
        let method = req.method().as_str();
        // The name and kind are fields (the exporter takes them only
        // before the span starts), so log lines show them too; the rest are
        // attributes of the exported span alone.
        let span = tracing::error_span!(
            parent: None,
            "request",
            request_id = id.to_str().unwrap_or("unknown"),
            otel.name = format!("{method} {route}"),
            otel.kind = "server",
        );
        let caller = self
            .propagator
            .extract_with_context(&opentelemetry::Context::new(), &Headers(req.headers()));
        // Without a (valid) `traceparent` the span starts a trace of its own.
        let _ = span.set_parent(caller);
        span.set_attribute("http.request.method", method.to_owned());
        span.set_attribute("http.route", route.to_owned());
        span
    }

    /// Adds the answer to the current request's span.
    pub(super) fn describe_answer(&self, status: StatusCode) {
        let span = Span::current();
        span.set_attribute("http.response.status_code", i64::from(status.as_u16()));
        if status.is_server_error() {
            span.set_status(Status::error(status.as_str().to_owned()));
        }
    }
}

/// A request's headers, as the propagator reads them.
struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|name| name.as_str()).collect()
    }
}
