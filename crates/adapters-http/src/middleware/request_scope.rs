//! The request that work is done for, as its log lines and trace show it:
//! on the worker that serves it and on the thread that runs its use case.

use actix_web::http::header::HeaderValue;
use tracing::Span;

/// The span a request runs in, carrying its id.
///
/// At the error level so that it exists whenever any line is written: a
/// warning logged at `RUST_LOG=warn` still says which request it was.
pub(super) fn request_span(id: &HeaderValue) -> Span {
    // A root: nothing encloses a request (a gateway's trace, when one is
    // continued, is the OpenTelemetry parent, not a tracing one).
    tracing::error_span!(
        parent: None,
        "request",
        request_id = id.to_str().unwrap_or("unknown")
    )
}

/// A request's span, taken along to the thread that runs its use case so
/// that the lines written and the spans made there belong to the request.
pub(crate) struct RequestScope(Span);

impl RequestScope {
    /// The request the current task serves, if any.
    pub(crate) fn current() -> Self {
        Self(Span::current())
    }

    /// Runs `work` as part of that request.
    pub(crate) fn run<R>(self, work: impl FnOnce() -> R) -> R {
        self.0.in_scope(work)
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::{RequestScope, request_span};

    #[test]
    fn the_request_span_carries_the_id() {
        tracing::subscriber::with_default(tracing_subscriber::registry(), || {
            let span = request_span(&HeaderValue::from_static("req-8"));
            let metadata = span.metadata().expect("the span is made");
            assert_eq!(metadata.name(), "request");
            assert!(metadata.fields().field("request_id").is_some());
        });
    }

    #[test]
    fn work_taken_to_another_thread_runs_in_the_request_span() {
        tracing::subscriber::with_default(tracing_subscriber::registry(), || {
            let span = request_span(&HeaderValue::from_static("req-7"));
            let id = span.id();
            let scope = span.in_scope(RequestScope::current);
            let dispatch = tracing::dispatcher::get_default(Clone::clone);
            let seen = std::thread::spawn(move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    scope.run(|| tracing::Span::current().id())
                })
            })
            .join()
            .unwrap();
            assert_eq!(seen, id);
        });
    }
}
