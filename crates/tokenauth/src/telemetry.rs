//! Log output through `tracing`.

use std::io::IsTerminal;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::settings::LogFormat;

/// Keeps the log writer's thread running; dropping it flushes what is queued.
#[derive(Debug)]
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _writer: WorkerGuard,
}

/// Installs the global subscriber: `RUST_LOG` filters (default `default_level`),
/// `format` chooses lines for people or JSON for machines.
///
/// Lines are handed to a writer thread, so a request never waits on stderr
/// (a slow pipe or terminal would otherwise hold the worker that logs). The
/// writer drops lines rather than block when its queue is full. Colours only
/// on a terminal, and never when `NO_COLOR` is set (no-color.org).
pub fn init(format: LogFormat, default_level: &str) -> LogGuard {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    let (writer, guard) = tracing_appender::non_blocking(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(writer);
    let _ = match format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    LogGuard { _writer: guard }
}
