//! One log line and the request metrics for every answered request: both
//! record the same facts (route, method, status, latency).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Data;

use super::request_scope::with_request_id;
use crate::Metrics;

/// The target access lines are logged under, which `RUST_LOG` names to
/// filter them.
pub const ACCESS_TARGET: &str = "tokenauth::http";

/// The access line's message.
pub const ACCESS_MESSAGE: &str = "request";

/// What the access line says about one answered request.
#[derive(Debug, Clone, Copy)]
pub struct AccessRecord<'a> {
    /// The id of the request (the `X-Request-Id` it was served under).
    pub request_id: Option<&'a str>,
    /// The request's method.
    pub method: &'a str,
    /// The route pattern that matched, or `unmatched`.
    pub route: &'a str,
    /// The response's status code.
    pub status: u16,
    /// From the request reaching the access log to its response.
    pub latency: Duration,
}

impl AccessRecord<'_> {
    /// The latency in milliseconds, in whole microseconds: finer is noise,
    /// and short to write.
    pub fn latency_ms(&self) -> f64 {
        self.latency.as_micros() as f64 / 1000.0
    }

    /// The line as a `tracing` event (target `tokenauth::http`, message
    /// `request`), for whichever subscriber is installed.
    pub fn emit(&self) {
        tracing::info!(
            target: ACCESS_TARGET,
            // A string, not a format string: the same line, without a trip
            // through `fmt` for every request.
            message = ACCESS_MESSAGE,
            method = self.method,
            route = self.route,
            status = self.status,
            latency_ms = self.latency_ms(),
        );
    }
}

/// Writes access lines in place of [`AccessRecord::emit`].
pub type AccessLines = Box<dyn Fn(&AccessRecord<'_>) + Send + Sync>;

static ACCESS_LINES: OnceLock<AccessLines> = OnceLock::new();

/// From now on, every access line goes to `lines` rather than through
/// `tracing`: for a log output that writes the line itself, at a fraction
/// of what a `tracing` event costs per request. Process-wide, as the
/// subscriber is, and set once: a second call gives its `lines` back.
pub fn write_access_lines_with(lines: AccessLines) -> Result<(), AccessLines> {
    ACCESS_LINES.set(lines)
}

/// Writes the access log line and observes the request's metrics.
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    // The route pattern, not the path: ids in paths must not become labels.
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let metrics = req.app_data::<Data<Metrics>>().cloned();
    let response = next.call(req).await?;
    let status = response.status();
    let elapsed = started.elapsed();
    if let Some(metrics) = metrics {
        metrics.observe_request(&route, method.as_str(), status, elapsed.as_secs_f64());
    }
    let record = AccessRecord {
        request_id: None,
        method: method.as_str(),
        route: &route,
        status: status.as_u16(),
        latency: elapsed,
    };
    match ACCESS_LINES.get() {
        Some(write) => {
            let with_id = with_request_id(|id| {
                write(&AccessRecord {
                    request_id: Some(id),
                    ..record
                })
            });
            if with_id.is_none() {
                write(&record);
            }
        }
        // The event's span carries the request id there.
        None => record.emit(),
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::AccessRecord;

    #[test]
    fn latency_is_written_in_milliseconds_to_the_microsecond() {
        let record = AccessRecord {
            request_id: None,
            method: "GET",
            route: "/api/me",
            status: 200,
            latency: Duration::from_nanos(1_234_567),
        };
        assert_eq!(record.latency_ms(), 1.234);
    }
}
