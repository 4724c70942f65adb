//! The access line of the plain format, written straight to the log
//! writer rather than through a `tracing` event.
//!
//! One line per request is most of what the default logging does, and as an
//! event it pays for what an access line does not need: the dispatch
//! through the subscriber's layers, a visitor called through a vtable for
//! each field, and `str` checks of text that is ASCII by construction.
//! Counted with callgrind on SQLite `GET /api/me`, the line written here,
//! with the id taken from the task, costs about half of what the event and
//! its line cost. The line reads exactly as the event's
//! would (`<time>  INFO request{request_id="…"}: tokenauth::http: request
//! method="GET" route="…" status=200 latency_ms=0.25`), held so by a test
//! against [`PlainLines`](crate::log_line::PlainLines); the HTTP adapter
//! calls this only where plain lines are the output and `RUST_LOG` lets its
//! target through (see [`crate::telemetry`]).

use std::cell::RefCell;
use std::io::Write;

use tokenauth_adapters_http::{ACCESS_MESSAGE, ACCESS_TARGET, AccessRecord};
use tracing::Level;
use tracing_subscriber::fmt::MakeWriter;

use crate::log_line::{Digits, REQUEST_ID_OPENS, level_label, now_stamp, quotes_as_is};

/// Below this many microseconds (35 years), a latency in milliseconds as a
/// float shows exactly its three decimals, trailing zeros dropped.
pub(crate) const EXACT_MICROS: u64 = 1 << 50;

thread_local! {
    /// The line being written, reused so that a line costs no allocation.
    static LINE: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(512));
}

/// Writes `record`'s line to `make_writer`'s writer.
pub(crate) fn write<W: for<'w> MakeWriter<'w>>(make_writer: &W, record: &AccessRecord<'_>) {
    LINE.with_borrow_mut(|line| {
        line.clear();
        put_line(line, record);
        // Nowhere to report a failing log output: the line is lost.
        let _ = make_writer.make_writer().write_all(line);
    });
}

/// The line of `record`, newline included.
fn put_line(line: &mut Vec<u8>, record: &AccessRecord<'_>) {
    line.extend_from_slice(&now_stamp());
    line.extend_from_slice(level_label(Level::INFO).as_bytes());
    if let Some(id) = record.request_id {
        line.extend_from_slice(REQUEST_ID_OPENS.as_bytes());
        put_quoted(line, id);
        line.extend_from_slice(b"}: ");
    }
    line.extend_from_slice(ACCESS_TARGET.as_bytes());
    line.extend_from_slice(b": ");
    line.extend_from_slice(ACCESS_MESSAGE.as_bytes());
    line.extend_from_slice(b" method=");
    put_quoted(line, record.method);
    line.extend_from_slice(b" route=");
    put_quoted(line, record.route);
    line.extend_from_slice(b" status=");
    line.extend_from_slice(Digits::integer(record.status.into(), false).as_bytes());
    line.extend_from_slice(b" latency_ms=");
    // What `latency_ms()` shows as a float, from the whole microseconds it
    // is made of.
    match u64::try_from(record.latency.as_micros()) {
        Ok(micros) if micros < EXACT_MICROS => {
            line.extend_from_slice(Digits::thousandths_of(micros).as_bytes());
        }
        // Writing to a `Vec` cannot fail.
        _ => {
            let _ = write!(line, "{:?}", record.latency_ms());
        }
    }
    line.push(b'\n');
}

/// `value` as `{:?}` writes it.
fn put_quoted(line: &mut Vec<u8>, value: &str) {
    if quotes_as_is(value) {
        line.push(b'"');
        line.extend_from_slice(value.as_bytes());
        line.push(b'"');
    } else {
        let _ = write!(line, "{value:?}");
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokenauth_adapters_http::AccessRecord;
    use tracing::subscriber::with_default;
    use tracing_subscriber::layer::SubscriberExt;

    use crate::captured::Captured;
    use crate::log_line::PlainLines;

    fn record(
        request_id: Option<&'static str>,
        route: &'static str,
        micros: u64,
    ) -> AccessRecord<'static> {
        AccessRecord {
            request_id,
            method: "GET",
            route,
            status: 200,
            latency: Duration::from_micros(micros),
        }
    }

    /// Each record as this module writes it and as its event reads in the
    /// plain lines, the id given to both the same way.
    fn both(records: &[AccessRecord<'static>]) -> (Vec<String>, Vec<String>) {
        let direct = Captured::default();
        for record in records {
            super::write(&direct, record);
        }
        let through_event = Captured::default();
        for record in records {
            let id = record.request_id;
            let lines = PlainLines::new(through_event.clone()).with_request_ids(match id {
                Some("req-1") => |write| write("req-1"),
                Some(_) => |write| write("say \"hi\"\u{1b}"),
                None => |_| {},
            });
            with_default(tracing_subscriber::registry().with(lines), || {
                record.emit();
            });
        }
        (
            direct.lines_without_time(),
            through_event.lines_without_time(),
        )
    }

    #[test]
    fn the_access_line_reads_as_its_event_does_in_plain_lines() {
        let (direct, through_event) = both(&[
            record(Some("req-1"), "/api/me", 250),
            record(None, "unmatched", 1_000_000),
            record(Some("req-1"), "/api/users/{id}", 12),
            record(None, "/api/me", super::EXACT_MICROS + 7),
        ]);
        assert_eq!(direct, through_event);
        assert_eq!(
            direct[0],
            "  INFO request{request_id=\"req-1\"}: tokenauth::http: request method=\"GET\" \
             route=\"/api/me\" status=200 latency_ms=0.25"
        );
    }

    #[test]
    fn text_to_escape_is_escaped_as_the_event_escapes_it() {
        let (direct, through_event) = both(&[record(Some("say \"hi\"\u{1b}"), "/odd\\route", 7)]);
        assert_eq!(direct, through_event);
        assert!(
            direct[0].contains(r#"request_id="say \"hi\"\u{1b}""#),
            "{}",
            direct[0]
        );
    }
}
