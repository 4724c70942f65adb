//! Log lines and traces, wired once: `tracing` is the one instrumentation
//! API; tracing-subscriber's own formats write the lines, tracing-appender
//! takes them off the request's thread, and tracing-opentelemetry exports
//! spans by OTLP when `telemetry.otlp_endpoint` names a receiver.

use std::io::{BufWriter, IsTerminal};
use std::time::Duration;

use opentelemetry::trace::TracerProvider;
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Level;
use tracing_appender::non_blocking::{ErrorCounter, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::filter::{FilterExt, Targets, filter_fn};
use tracing_subscriber::layer::Filter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::settings::LogFormat;

/// Keeps the log writer's thread and the span exporter running; dropping it
/// writes what is queued and sends the spans not yet sent.
#[derive(Debug)]
#[must_use = "dropping the guard stops the log writer and the exporter"]
pub struct Telemetry {
    _log: WorkerGuard,
    dropped: ErrorCounter,
    traces: Option<SdkTracerProvider>,
}

/// How long the spans not yet sent may hold up the process's exit.
const LAST_EXPORT: Duration = Duration::from_secs(2);

/// Lines queued for the writer before new ones are dropped: a few MiB.
const QUEUED_LINES: usize = 16 * 1024;

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(traces) = self.traces.take() {
            let _ = traces.shutdown_with_timeout(LAST_EXPORT);
        }
        let dropped = self.dropped.dropped_lines();
        if dropped > 0 {
            eprintln!("tokenauth: {dropped} log lines dropped while the output was stalled");
        }
    }
}

/// The span exporter could not be built.
#[derive(Debug, thiserror::Error)]
#[error("telemetry.otlp_endpoint: {0}")]
pub struct TelemetryError(String);

/// Installs the global subscriber: `RUST_LOG` filters the lines (default
/// `default_level`), `format` chooses lines for people or JSON for
/// machines, and a non-empty `otlp_endpoint` exports every request as a
/// trace.
///
/// A line never waits on stderr (a slow pipe or terminal would otherwise
/// hold the worker that logs): it is queued for a writer thread, and
/// dropped when the queue is full. Colours only on a terminal, and never
/// when `NO_COLOR` is set (no-color.org).
pub fn init(
    format: LogFormat,
    default_level: &str,
    otlp_endpoint: &str,
) -> Result<Telemetry, TelemetryError> {
    let directives = std::env::var("RUST_LOG")
        .ok()
        .filter(|value| !value.trim().is_empty())
        .unwrap_or_else(|| default_level.to_owned());
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    // Written when the writer has emptied its queue: a burst of lines
    // costs one write, not one each.
    let (writer, log) = NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(QUEUED_LINES)
        .thread_name("tokenauth-log")
        .finish(BufWriter::with_capacity(64 * 1024, std::io::stderr()));
    let dropped = writer.error_counter();
    let lines = tracing_subscriber::fmt::layer()
        .with_ansi(colour)
        .with_writer(writer);
    let filter = log_filter(&directives, default_level);
    let lines = match format {
        LogFormat::Json => lines.json().with_filter(filter).boxed(),
        LogFormat::Pretty => lines.with_filter(filter).boxed(),
    };
    let traces = (!otlp_endpoint.is_empty())
        .then(|| tracer_provider(otlp_endpoint))
        .transpose()?;
    let registry = tracing_subscriber::registry().with(lines);
    // Without traces, no layer at all rather than an absent one: an
    // `Option` layer would make every call site the lines filter out be
    // asked again on each hit.
    let _ = match &traces {
        Some(provider) => registry
            .with(
                tracing_opentelemetry::layer()
                    .with_tracer(provider.tracer("tokenauth"))
                    .with_threads(false)
                    .with_tracked_inactivity(false)
                    .with_filter(exported()),
            )
            .try_init(),
        None => registry.try_init(),
    };
    Ok(Telemetry {
        _log: log,
        dropped,
        traces,
    })
}

/// What a trace holds, whatever `RUST_LOG` says of the lines: the request,
/// its database work and password hashing (spans at the debug level), and
/// the lines written meanwhile from info up.
fn exported<S: tracing::Subscriber>() -> impl Filter<S> {
    Targets::new()
        .with_target("tokenauth", Level::DEBUG)
        .and(filter_fn(|metadata| {
            metadata.is_span() || *metadata.level() <= Level::INFO
        }))
}

/// Spans to `endpoint` (OTLP over HTTP, protobuf), sent in batches from the
/// exporter's own thread.
fn tracer_provider(endpoint: &str) -> Result<SdkTracerProvider, TelemetryError> {
    let exporter = SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(traces_url(endpoint))
        .build()
        .map_err(|error| TelemetryError(error.to_string()))?;
    // `OTEL_SERVICE_NAME`, when set, names the service instead.
    let resource = match std::env::var_os("OTEL_SERVICE_NAME") {
        Some(_) => Resource::builder().build(),
        None => Resource::builder().with_service_name("tokenauth").build(),
    };
    Ok(SdkTracerProvider::builder()
        .with_resource(resource)
        .with_batch_exporter(exporter)
        .build())
}

/// The collector's traces path under `endpoint`, as the OTLP exporter
/// specification builds it from `OTEL_EXPORTER_OTLP_ENDPOINT`; a URL that
/// names that path already is taken as it is.
fn traces_url(endpoint: &str) -> String {
    let base = endpoint.trim_end_matches('/');
    if base.ends_with("/v1/traces") {
        base.to_owned()
    } else {
        format!("{base}/v1/traces")
    }
}

/// `RUST_LOG`'s directives as a filter. Plain `target=level` lists become a
/// `Targets` filter, which decides once per call site; only directives that
/// name spans or fields need `EnvFilter`, which takes a lock on every entry
/// into every span (each request's among them).
fn log_filter(directives: &str, default_level: &str) -> Box<dyn Filter<Registry> + Send + Sync> {
    match plain_targets(directives) {
        Some(targets) => FilterExt::boxed(targets),
        None => FilterExt::boxed(
            EnvFilter::try_new(directives).unwrap_or_else(|_| EnvFilter::new(default_level)),
        ),
    }
}

/// The directives as a `Targets` filter, unless they filter by span or field.
fn plain_targets(directives: &str) -> Option<Targets> {
    if directives.contains(['[', '{']) {
        return None;
    }
    directives.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::{plain_targets, traces_url};

    #[test]
    fn levels_and_targets_need_no_per_span_filter() {
        assert!(plain_targets("info").is_some());
        assert!(plain_targets("warn,tokenauth::http=info,diesel=off").is_some());
    }

    #[test]
    fn span_and_field_directives_keep_env_filter() {
        assert!(plain_targets("[request]=debug").is_none());
        assert!(plain_targets("tokenauth[request{request_id=abc}]=trace").is_none());
    }

    #[test]
    fn spans_go_to_the_collectors_traces_path() {
        assert_eq!(
            traces_url("http://127.0.0.1:4318"),
            "http://127.0.0.1:4318/v1/traces"
        );
        assert_eq!(
            traces_url("https://otel.example/"),
            "https://otel.example/v1/traces"
        );
        assert_eq!(
            traces_url("https://otel.example/v1/traces"),
            "https://otel.example/v1/traces"
        );
    }
}
