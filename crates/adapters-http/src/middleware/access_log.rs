//! One log line and the request metrics for every answered request: both
//! record the same facts (route, method, status, latency).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Data;

use super::traces::Traces;
use crate::Metrics;

/// The target access lines are logged under, which `RUST_LOG` names to
/// filter them.
pub const ACCESS_TARGET: &str = "tokenauth::http";

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
    let traces = req.app_data::<Data<Traces>>().cloned();
    let response = next.call(req).await?;
    let status = response.status();
    let elapsed = started.elapsed();
    if let Some(metrics) = metrics {
        metrics.observe_request(&route, method.as_str(), status, elapsed.as_secs_f64());
    }
    if let Some(traces) = traces {
        traces.describe_answer(status);
    }
    tracing::info!(
        target: ACCESS_TARGET,
        // A string, not a format string: the same line, without a trip
        // through `fmt` for every request.
        message = "request",
        method = method.as_str(),
        route,
        status = status.as_u16(),
        // Whole microseconds: finer is noise.
        latency_ms = elapsed.as_micros() as f64 / 1000.0,
    );
    Ok(response)
}
