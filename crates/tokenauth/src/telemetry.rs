//! Log output through `tracing`.

use std::io::IsTerminal;

use tokenauth_adapters_http::{
    ACCESS_TARGET, is_request_span, with_request_id, write_access_lines_with,
};
use tracing::Level;
use tracing_subscriber::filter::{Targets, filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::log_line::PlainLines;
use crate::log_writer::{FlushGuard, batched};
use crate::settings::LogFormat;

/// Keeps the log writer's thread running; dropping it flushes what is queued.
#[derive(Debug)]
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _writer: FlushGuard,
}

/// Installs the global subscriber: `RUST_LOG` filters (default `default_level`),
/// `format` chooses lines for people or JSON for machines.
///
/// Lines are gathered for a writer thread, so a request never waits on
/// stderr (a slow pipe or terminal would otherwise hold the worker that
/// logs); see [`crate::log_writer`]. The writer drops lines rather than
/// block when its buffer is full. Colours only
/// on a terminal, and never when `NO_COLOR` is set (no-color.org).
pub fn init(format: LogFormat, default_level: &str) -> LogGuard {
    let directives = std::env::var("RUST_LOG")
        .ok()
        .filter(|value| !value.trim().is_empty())
        .unwrap_or_else(|| default_level.to_owned());
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    let (writer, guard) = batched(std::io::stderr());
    let (targets, env_filter) = filter(&directives, default_level);
    // Colours are for people at a terminal; files and pipes get the same
    // text from a layer that costs a fraction of the fmt layer. Each layer
    // is an `Option`, not one boxed choice: through concrete layers the
    // hooks they leave empty compile away instead of being called through
    // a vtable.
    let plain_wanted = matches!(format, LogFormat::Pretty) && !colour;
    // Plain lines take the request's id from the request's task, and the
    // request's span is not made at all (what it would cost: the HTTP
    // adapter's `request_scope` module), unless a directive filters by
    // span, which needs the span.
    let ids_from_task = plain_wanted && targets.is_some();
    let plain = plain_wanted.then(|| {
        let lines = PlainLines::new(writer.clone());
        if ids_from_task {
            lines.with_request_ids(request_id)
        } else {
            lines
        }
    });
    let no_request_span = ids_from_task.then(|| filter_fn(|metadata| !is_request_span(metadata)));
    // The access line, one per request, skips the event and is written
    // whole (see `crate::access_line`) where the directives let it through.
    // A span-filtering `RUST_LOG` (no `Targets`) could want the event.
    let access_lines_direct = ids_from_task
        && targets
            .as_ref()
            .is_some_and(|targets| targets.would_enable(ACCESS_TARGET, &Level::INFO));
    if access_lines_direct {
        let writer = writer.clone();
        let _ = write_access_lines_with(Box::new(move |record| {
            crate::access_line::write(&writer, record);
        }));
    }
    let fmt = plain.is_none().then(|| {
        let fmt = tracing_subscriber::fmt::layer()
            .with_ansi(colour)
            .with_writer(writer);
        match format {
            LogFormat::Json => fmt.json().boxed(),
            LogFormat::Pretty => fmt.boxed(),
        }
    });
    let _ = tracing_subscriber::registry()
        .with(targets)
        .with(env_filter)
        .with(no_request_span)
        .with(plain)
        .with(fmt)
        .try_init();
    LogGuard { _writer: guard }
}

/// The id of the request being served, for [`PlainLines`].
fn request_id(write: &mut dyn FnMut(&str)) {
    with_request_id(write);
}

/// `RUST_LOG`'s directives as a filter, one of the two. Plain
/// `target=level` lists become a `Targets` filter, which decides once per
/// call site; only directives that name spans or fields need `EnvFilter`,
/// which keeps per-span state behind a lock taken on every entry into every
/// span (each request's among them).
fn filter(directives: &str, default_level: &str) -> (Option<Targets>, Option<EnvFilter>) {
    match plain_targets(directives) {
        Some(targets) => (Some(targets), None),
        None => (
            None,
            Some(EnvFilter::try_new(directives).unwrap_or_else(|_| EnvFilter::new(default_level))),
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
    use super::plain_targets;

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
}
