//! The request that work is done for, as the log lines written for it show
//! it: on the worker that serves it, and on the thread that runs its use
//! case.
//!
//! The id travels two ways. The request's span is what tracing's own
//! formats (JSON, and lines with colours on a terminal) read. A copy of the
//! id in a task-local is what the plain line, the default format for files
//! and pipes, reads instead; with it, that subscriber turns the span off
//! ([`is_request_span`]). Counted with callgrind, the span costs the
//! subscriber a visible share of a `GET /api/me` (its slot, its fields, an
//! entry and exit on every poll); the task-local costs a swap per poll.

use std::future::Future;

use actix_web::http::header::HeaderValue;
use tokio::task::futures::TaskLocalFuture;
use tracing::{Metadata, Span};

use super::in_span::InSpan;

tokio::task_local! {
    /// The id of the request the running task serves.
    static REQUEST_ID: HeaderValue;
}

/// The span a request runs in. [`is_request_span`] knows it by its name and
/// target.
fn request_span(id: &HeaderValue) -> Span {
    // A root: nothing encloses a request, and saying so spares the
    // subscriber a lookup of the current span for every request.
    tracing::info_span!(
        parent: None,
        "request",
        request_id = id.to_str().unwrap_or("unknown")
    )
}

/// Whether `metadata` is a request's span. A subscriber whose lines take the
/// id from [`with_request_id`] turns it off.
pub fn is_request_span(metadata: &Metadata<'_>) -> bool {
    metadata.is_span() && metadata.name() == "request" && metadata.target() == module_path!()
}

/// Runs `f` with the id of the request the current task, or the thread
/// running its use case, works for; `None` outside any request.
pub fn with_request_id<R>(f: impl FnOnce(&str) -> R) -> Option<R> {
    // `from_utf8`, not `to_str`: the id was checked on the way in, and
    // this is once per line, where `to_str`'s byte-by-byte check costs.
    REQUEST_ID
        .try_with(|id| std::str::from_utf8(id.as_bytes()).ok().map(f))
        .ok()
        .flatten()
}

/// `future`, run as the work of request `id`: inside its span, with its id
/// in the task-local, which gives the id back (`take_value`) once the
/// future has finished.
pub(super) fn serve<F>(id: HeaderValue, future: F) -> TaskLocalFuture<HeaderValue, InSpan<F>>
where
    F: Future + Unpin,
{
    let span = request_span(&id);
    REQUEST_ID.scope(id, InSpan::new(future, span))
}

/// A request's span and id, taken along to the thread that runs its use
/// case so that the lines written there carry them.
pub(crate) struct RequestScope {
    span: Span,
    id: Option<HeaderValue>,
}

impl RequestScope {
    /// The request the current task serves, if any.
    pub(crate) fn current() -> Self {
        Self {
            span: Span::current(),
            id: REQUEST_ID.try_with(HeaderValue::clone).ok(),
        }
    }

    /// Runs `work` as part of that request.
    pub(crate) fn run<R>(self, work: impl FnOnce() -> R) -> R {
        let Self { span, id } = self;
        match id {
            Some(id) => REQUEST_ID.sync_scope(id, || span.in_scope(work)),
            None => span.in_scope(work),
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::{REQUEST_ID, RequestScope, is_request_span, request_span, with_request_id};

    #[test]
    fn the_request_span_is_known_by_its_name_and_carries_the_id() {
        // The plain log line writes `request{request_id="…"}:` itself, as
        // this span would show: this holds the span to that name and field.
        tracing::subscriber::with_default(tracing_subscriber::registry(), || {
            let span = request_span(&HeaderValue::from_static("req-8"));
            let metadata = span.metadata().expect("the span is made");
            assert!(is_request_span(metadata));
            assert_eq!(metadata.name(), "request");
            assert!(metadata.fields().field("request_id").is_some());
        });
    }

    #[test]
    fn outside_a_request_there_is_no_id() {
        assert_eq!(with_request_id(str::to_owned), None);
    }

    #[test]
    fn work_taken_to_another_thread_keeps_the_request_id() {
        let scope = REQUEST_ID.sync_scope(HeaderValue::from_static("req-7"), RequestScope::current);
        let seen = std::thread::spawn(move || scope.run(|| with_request_id(str::to_owned)))
            .join()
            .unwrap();
        assert_eq!(seen.as_deref(), Some("req-7"));
    }
}
