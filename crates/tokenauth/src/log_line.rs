//! The `pretty` log line when it goes to a file or a pipe: the text of
//! `tracing-subscriber`'s default format, written by a layer of its own.
//!
//! Hand-written because that format is most of what the access log costs.
//! Measured with callgrind, the default format spends about 13,000
//! instructions on each line (colour styles applied even with colours off,
//! every piece through `write!`), more than a tenth of a whole `GET
//! /api/me`; the fmt layer around even a lean format spent another 2,000 or
//! so handing each piece through its type-erased `Writer` and keeping span
//! state this line does not use. This layer builds the line in one
//! thread-local `String` and hands it to the writer whole. On a terminal,
//! where colours are wanted and the rate does not matter, and for JSON, the
//! fmt layer stays.
//!
//! A line reads `<time>  INFO <span>{<fields>}: <target>: <message> <k>=<v> ...`,
//! as before: strings in fields are quoted, the message and error texts have
//! terminal control characters escaped, `log` crate records show their own
//! target and hide their `log.*` bookkeeping fields.

use std::cell::{Cell, RefCell};
use std::fmt::{self, Write};
use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Datelike, Timelike, Utc};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::Layer;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// Writes each event as one line to `W`: time, level, spans with their
/// fields, target, then the event's fields.
#[derive(Debug, Clone, Default)]
pub struct PlainLines<W> {
    make_writer: W,
    request_ids: Option<RequestIds>,
}

/// Where a line finds the id of the request it is written for when no span
/// carries it: calls back with the id, if there is one.
pub type RequestIds = fn(&mut dyn FnMut(&str));

impl<W> PlainLines<W> {
    /// Lines for `make_writer`.
    pub fn new(make_writer: W) -> Self {
        Self {
            make_writer,
            request_ids: None,
        }
    }

    /// Lines that show the request they are written for, taken from
    /// `request_ids`, as its span would show it (`request{request_id="…"}:`),
    /// for a subscriber that does not make request spans.
    pub fn with_request_ids(self, request_ids: RequestIds) -> Self {
        Self {
            request_ids: Some(request_ids),
            ..self
        }
    }
}

/// A span's fields as its lines show them, kept in the span's extensions.
struct SpanFields(String);

/// Room for a request span's fields, `request_id="<id>"`, without growing:
/// a UUID, or a client's id of up to 83 characters (the longest accepted,
/// 128, grows it once).
const SPAN_FIELDS_ROOM: usize = 96;

/// Room for a line: an access line with a client's long request id fits.
const LINE_ROOM: usize = 512;

thread_local! {
    /// The line being written, reused so that a line costs no allocation.
    static LINE: RefCell<String> = RefCell::new(String::with_capacity(LINE_ROOM));

    /// The second of the last line and its timestamp: lines come thousands
    /// to a second, and only the microseconds differ between them.
    static SECOND: Cell<(u64, Stamp)> = const { Cell::new((u64::MAX, [0; STAMP])) };
}

/// The length of a line's timestamp, `2026-03-04T05:06:07.089012Z ` (the
/// space included).
const STAMP: usize = 28;

/// A line's timestamp as text.
pub(crate) type Stamp = [u8; STAMP];

/// Where a [`Stamp`] holds the microseconds.
const MICROS: std::ops::Range<usize> = 20..26;

impl<S, W> Layer<S> for PlainLines<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let mut fields = String::with_capacity(SPAN_FIELDS_ROOM);
        if write_fields(&mut fields, attrs).is_ok() {
            span.extensions_mut().insert(SpanFields(fields));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let mut extensions = span.extensions_mut();
        if let Some(SpanFields(fields)) = extensions.get_mut::<SpanFields>() {
            // Appended after what the span already shows, as the default format does.
            if !fields.is_empty() {
                fields.push(' ');
            }
            let _ = write_fields(fields, values);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let write = |line: &mut String| {
            line.clear();
            if write_line(line, event, &ctx, self.request_ids).is_ok() {
                // Nowhere to report a failing log output: the line is lost.
                let _ = self
                    .make_writer
                    .make_writer_for(event.metadata())
                    .write_all(line.as_bytes());
            }
        };
        // An event logged while a line is being written (from a field's
        // `Debug`, say) gets a string of its own.
        LINE.with(|line| match line.try_borrow_mut() {
            Ok(mut line) => write(&mut line),
            Err(_) => write(&mut String::new()),
        });
    }
}

/// How a line shows the request it is written for, up to the quoted id
/// (then `}:`): the request span's name and field as its span would show
/// them (held to them by a test beside the span in the HTTP adapter).
pub(crate) const REQUEST_ID_OPENS: &str = "request{request_id=";

/// The line of `event`, newline included.
fn write_line<S>(
    line: &mut String,
    event: &Event<'_>,
    ctx: &Context<'_, S>,
    request_ids: Option<RequestIds>,
) -> fmt::Result
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let normalized = event.normalized_metadata();
    let meta = normalized.as_ref().unwrap_or_else(|| event.metadata());
    write_now(line)?;
    line.push_str(level_label(*meta.level()));
    let mut seen = false;
    if let Some(request_ids) = request_ids {
        request_ids(&mut |id| {
            // Writing to a `String` cannot fail.
            line.push_str(REQUEST_ID_OPENS);
            let _ = write_quoted(line, id);
            line.push_str("}:");
            seen = true;
        });
    }
    if let Some(scope) = ctx.event_scope(event) {
        for span in scope.from_root() {
            seen = true;
            line.push_str(span.metadata().name());
            if let Some(SpanFields(fields)) = span.extensions().get::<SpanFields>()
                && !fields.is_empty()
            {
                line.push('{');
                line.push_str(fields);
                line.push('}');
            }
            line.push(':');
        }
    }
    if seen {
        line.push(' ');
    }
    line.push_str(meta.target());
    line.push_str(": ");
    write_fields(line, event)?;
    line.push('\n');
    Ok(())
}

/// `fields` as `message k=v k2=v2`.
fn write_fields<W: Write>(writer: &mut W, fields: impl RecordFields) -> fmt::Result {
    let mut visitor = PlainVisitor {
        writer,
        first: true,
        result: Ok(()),
    };
    fields.record(&mut visitor);
    visitor.result
}

/// The level, padded as the default format pads it, and the space after.
pub(crate) fn level_label(level: Level) -> &'static str {
    match level {
        Level::TRACE => "TRACE ",
        Level::DEBUG => "DEBUG ",
        Level::INFO => " INFO ",
        Level::WARN => " WARN ",
        Level::ERROR => "ERROR ",
    }
}

/// RFC 3339 in UTC with microseconds, then two spaces' worth of padding
/// before the level (one here, one in the level's label).
fn timestamp(now: DateTime<Utc>) -> Stamp {
    let mut text = *b"0000-00-00T00:00:00.000000Z ";
    put_digits(&mut text[0..4], now.year().unsigned_abs());
    put_digits(&mut text[5..7], now.month());
    put_digits(&mut text[8..10], now.day());
    put_digits(&mut text[11..13], now.hour());
    put_digits(&mut text[14..16], now.minute());
    put_digits(&mut text[17..19], now.second());
    // A leap second shows as 60, not as a second micro-second range.
    put_digits(&mut text[MICROS], now.nanosecond() % 1_000_000_000 / 1_000);
    if now.nanosecond() >= 1_000_000_000 {
        put_digits(&mut text[17..19], 60);
    }
    text
}

/// The [`timestamp`] of now, the date and time of day reused from the line
/// before while the second is the same.
pub(crate) fn now_stamp() -> Stamp {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let second = since_epoch.as_secs();
    let (cached, mut stamp) = SECOND.get();
    if cached != second {
        let at = i64::try_from(second)
            .ok()
            .and_then(|second| DateTime::from_timestamp(second, 0))
            .unwrap_or_default();
        stamp = timestamp(at);
        SECOND.set((second, stamp));
    }
    put_digits(&mut stamp[MICROS], since_epoch.subsec_micros());
    stamp
}

/// Writes [`now_stamp`].
fn write_now(line: &mut String) -> fmt::Result {
    line.push_str(std::str::from_utf8(&now_stamp()).map_err(|_| fmt::Error)?);
    Ok(())
}

/// Writes `value`'s last `slot.len()` decimal digits into `slot`.
fn put_digits(slot: &mut [u8], mut value: u32) {
    for byte in slot.iter_mut().rev() {
        *byte = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

struct PlainVisitor<'a, W> {
    writer: &'a mut W,
    first: bool,
    result: fmt::Result,
}

impl<W: Write> PlainVisitor<'_, W> {
    /// One field: the separating space, `name=` (not for the message), then
    /// what `write` writes, told whether the field is the message. A `log`
    /// record's `log.*` bookkeeping fields are skipped: the line shows them
    /// elsewhere or not at all.
    fn field(&mut self, field: &Field, write: impl FnOnce(&mut W, bool) -> fmt::Result) {
        let name = field.name();
        if self.result.is_err() || name.starts_with("log.") {
            return;
        }
        let message = name == "message";
        let writer = &mut *self.writer;
        let separator = if std::mem::take(&mut self.first) {
            Ok(())
        } else {
            writer.write_char(' ')
        };
        self.result = separator
            .and_then(|()| {
                if message {
                    return Ok(());
                }
                writer.write_str(name.strip_prefix("r#").unwrap_or(name))?;
                writer.write_char('=')
            })
            .and_then(|()| write(writer, message));
    }
}

impl<W: Write> Visit for PlainVisitor<'_, W> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.field(field, |writer, message| {
            if message {
                Escaping(writer).write_str(value)
            } else {
                write_quoted(writer, value)
            }
        });
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.field(field, |writer, _| write_float(writer, value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.field(field, |writer, _| {
            writer.write_str(if value { "true" } else { "false" })
        });
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.field(field, |writer, _| write_integer(writer, value, false));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.field(field, |writer, _| {
            write_integer(writer, value.unsigned_abs(), value < 0)
        });
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let name = field.name();
        self.field(field, |writer, _| {
            write!(Escaping(&mut *writer), "{value}")?;
            let Some(mut source) = value.source() else {
                return Ok(());
            };
            write!(writer, " {name}.sources=[")?;
            loop {
                write!(Escaping(&mut *writer), "{source}")?;
                match source.source() {
                    Some(next) => {
                        writer.write_str(", ")?;
                        source = next;
                    }
                    None => break,
                }
            }
            writer.write_char(']')
        });
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.field(field, |writer, message| {
            if message {
                write!(Escaping(writer), "{value:?}")
            } else {
                write!(writer, "{value:?}")
            }
        });
    }
}

/// A string as `{:?}` writes it; the common case, printable ASCII with
/// nothing to escape, without the per-character machinery.
fn write_quoted(writer: &mut impl Write, value: &str) -> fmt::Result {
    if !quotes_as_is(value) {
        return write!(writer, "{value:?}");
    }
    writer.write_char('"')?;
    writer.write_str(value)?;
    writer.write_char('"')
}

/// Whether `{:?}` writes `value` as it is between its quotes: printable
/// ASCII with no quote or backslash to escape.
pub(crate) fn quotes_as_is(value: &str) -> bool {
    words(value, |word| {
        printable(word) && !has_byte(word, b'"') && !has_byte(word, b'\\')
    })
}

/// Whether `test` holds for every eight bytes of `text` read as a word.
/// Field values and messages are a few dozen bytes of plain text nearly
/// always: tested a word at a time, they cost a tenth of a byte-by-byte
/// test. `test` must judge each byte alone, as the words overlap: the last
/// is the text's last eight bytes, and shorter text is padded with spaces.
fn words(text: &str, test: impl Fn(u64) -> bool) -> bool {
    let bytes = text.as_bytes();
    match bytes.last_chunk::<8>() {
        Some(last) => {
            bytes
                .as_chunks::<8>()
                .0
                .iter()
                .all(|word| test(u64::from_le_bytes(*word)))
                && test(u64::from_le_bytes(*last))
        }
        None => {
            let mut padded = [b' '; 8];
            padded[..bytes.len()].copy_from_slice(bytes);
            test(u64::from_le_bytes(padded))
        }
    }
}

/// Each byte of a word set to 1.
const ONES: u64 = u64::from_le_bytes([1; 8]);
/// Each byte's high bit.
const HIGH: u64 = u64::from_le_bytes([0x80; 8]);

/// Whether every byte of `word` is printable ASCII, space to `~`.
fn printable(word: u64) -> bool {
    // A byte below a space borrows into its high bit when a space is taken
    // from it; one above `~` reaches its high bit when one is added (or had
    // it already). Carries start only at bytes that are caught anyway.
    let below_space = word.wrapping_sub(ONES * u64::from(b' ')) & !word;
    let above_tilde = word.wrapping_add(ONES) | word;
    (below_space | above_tilde) & HIGH == 0
}

/// Whether some byte of `word` is `byte`.
fn has_byte(word: u64, byte: u8) -> bool {
    let zeroed = word ^ (ONES * u64::from(byte));
    zeroed.wrapping_sub(ONES) & !zeroed & HIGH != 0
}

/// A float as `{:?}` writes it; see [`Digits::thousandths`].
fn write_float(writer: &mut impl Write, value: f64) -> fmt::Result {
    match Digits::thousandths(value) {
        Some(digits) => digits.write_to(writer),
        None => write!(writer, "{value:?}"),
    }
}

/// Decimal digits without going through `fmt`'s machinery.
fn write_integer(writer: &mut impl Write, value: u64, negative: bool) -> fmt::Result {
    Digits::integer(value, negative).write_to(writer)
}

/// A number's decimal text, written without `fmt`'s machinery.
pub(crate) struct Digits {
    text: [u8; 26],
    start: usize,
}

impl Digits {
    /// An integer, with its sign when `negative`.
    pub(crate) fn integer(value: u64, negative: bool) -> Self {
        let mut digits = Self::empty();
        digits.prepend_integer(value);
        if negative {
            digits.prepend(b'-');
        }
        digits
    }

    /// A float as `{:?}` writes it, when it has at most three decimals and
    /// is not negative: latencies are whole microseconds in milliseconds,
    /// and for those the digits are what the shortest round-trip form
    /// writes. `None` for any other value (`fmt` writes those).
    pub(crate) fn thousandths(value: f64) -> Option<Self> {
        let thousandths = (value * 1000.0).round();
        // Exact below 2^53; the division check proves the three decimals are the value.
        if value.is_sign_negative()
            || !(0.0..9.0e15).contains(&thousandths)
            || thousandths / 1000.0 != value
        {
            return None;
        }
        Some(Self::thousandths_of(thousandths as u64))
    }

    /// `thousandths` / 1000 with at most three decimals, trailing zeros
    /// dropped (as [`Digits::thousandths`] writes it): a duration in
    /// microseconds as milliseconds, without a float.
    pub(crate) fn thousandths_of(thousandths: u64) -> Self {
        let mut fraction = [0; 3];
        put_digits(&mut fraction, (thousandths % 1000) as u32);
        let kept = match (fraction[1], fraction[2]) {
            (b'0', b'0') => 1,
            (_, b'0') => 2,
            _ => 3,
        };
        let mut digits = Self::empty();
        for &digit in fraction[..kept].iter().rev() {
            digits.prepend(digit);
        }
        digits.prepend(b'.');
        digits.prepend_integer(thousandths / 1000);
        digits
    }

    /// Written from the end: the lowest digit is known first.
    fn empty() -> Self {
        Self {
            text: [0; 26],
            start: 26,
        }
    }

    fn prepend(&mut self, byte: u8) {
        self.start -= 1;
        self.text[self.start] = byte;
    }

    fn prepend_integer(&mut self, mut value: u64) {
        loop {
            self.prepend(b'0' + (value % 10) as u8);
            value /= 10;
            if value == 0 {
                break;
            }
        }
    }

    /// The text, ASCII.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.text[self.start..]
    }

    fn write_to(&self, writer: &mut impl Write) -> fmt::Result {
        writer.write_str(std::str::from_utf8(self.as_bytes()).map_err(|_| fmt::Error)?)
    }
}

/// Text that reaches a terminal as text: the control characters a terminal
/// would act on are written as escapes (the default format does the same
/// for messages and errors).
struct Escaping<W>(W);

impl<W: Write> Write for Escaping<W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        // Printable ASCII needs no escape; anything else (other text
        // among it) is looked at character by character.
        if words(text, printable) {
            return self.0.write_str(text);
        }
        let mut plain = 0;
        for (at, ch) in text.char_indices() {
            let escape = match ch {
                '\x1b' | '\x07' | '\x08' | '\x0c' | '\x7f' | '\u{80}'..='\u{9f}' => ch,
                _ => continue,
            };
            self.0.write_str(&text[plain..at])?;
            match escape {
                '\u{80}'..='\u{9f}' => write!(self.0, "\\u{{{:x}}}", escape as u32)?,
                _ => write!(self.0, "\\x{:02x}", escape as u32)?,
            }
            plain = at + ch.len_utf8();
        }
        self.0.write_str(&text[plain..])
    }
}

#[cfg(test)]
mod tests {
    use tracing::subscriber::with_default;
    use tracing_subscriber::layer::SubscriberExt;

    use chrono::SubsecRound;

    use super::*;
    use crate::captured::Captured;

    /// The same events through the default format and through this one.
    fn both(emit: impl Fn()) -> (String, String) {
        let default = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(default.clone())
            .finish();
        with_default(subscriber, &emit);
        let plain = Captured::default();
        let subscriber = tracing_subscriber::registry().with(PlainLines::new(plain.clone()));
        with_default(subscriber, &emit);
        (default.text(), plain.text())
    }

    /// Everything after the timestamp, which differs between the runs.
    fn without_time(lines: &str) -> Vec<&str> {
        lines.lines().map(|line| &line[27..]).collect()
    }

    #[derive(Debug, thiserror::Error)]
    #[error("outer \u{1b}[31m")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("inner")]
    struct Inner;

    #[test]
    fn lines_read_as_the_default_format_writes_them() {
        let (default, plain) = both(|| {
            let span = tracing::info_span!(
                "request",
                request_id = %"abc-1",
                n = 3,
                late = tracing::field::Empty
            );
            let _entered = span.enter();
            span.record("late", "known later");
            let inner = tracing::info_span!("inner");
            let _inner = inner.enter();
            tracing::info!(
                target: "tokenauth::http",
                method = %"GET",
                route = "/api/me",
                status = 200u16,
                latency_ms = 0.25,
                whole = 2.0,
                tiny = 1e-7,
                big = 12345.678,
                nan = f64::NAN,
                negative_zero = -0.0,
                quoted = "say \"hi\"\n",
                r#type = -4i64,
                ok = true,
                "request"
            );
            tracing::warn!(
                error = &Outer(Inner) as &(dyn std::error::Error + 'static),
                "failed \u{7}bell"
            );
            tracing::error!(list = ?vec![1, 2], "{} formatted", 2);
        });
        assert_eq!(without_time(&plain), without_time(&default), "{plain}");
        assert_eq!(plain.lines().count(), 3);
    }

    #[test]
    fn a_request_id_from_its_task_reads_as_the_request_span_shows_it() {
        let emit = || {
            tracing::info!(target: "tokenauth::http", message = "request", status = 200u16);
            let inner = tracing::info_span!("inner", n = 1);
            let _inner = inner.enter();
            tracing::warn!("inside");
        };
        let default = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(default.clone())
            .finish();
        with_default(subscriber, || {
            let span = tracing::info_span!("request", request_id = "abc-1");
            span.in_scope(emit);
        });
        let plain = Captured::default();
        let lines = PlainLines::new(plain.clone()).with_request_ids(|write| write("abc-1"));
        with_default(tracing_subscriber::registry().with(lines), emit);
        assert_eq!(without_time(&plain.text()), without_time(&default.text()));
    }

    #[test]
    fn outside_a_request_a_line_shows_none() {
        let plain = Captured::default();
        let lines = PlainLines::new(plain.clone()).with_request_ids(|_| {});
        with_default(tracing_subscriber::registry().with(lines), || {
            tracing::info!("alone");
        });
        assert!(
            plain
                .text()
                .ends_with(" INFO tokenauth::log_line::tests: alone\n"),
            "{}",
            plain.text()
        );
    }

    #[test]
    fn timestamps_are_rfc3339_utc_with_microseconds() {
        let at = DateTime::parse_from_rfc3339("2026-03-04T05:06:07.089012345Z")
            .unwrap()
            .with_timezone(&Utc);
        let text = timestamp(at);
        assert_eq!(
            std::str::from_utf8(&text),
            Ok("2026-03-04T05:06:07.089012Z ")
        );
    }

    #[test]
    fn the_time_now_reads_as_rfc3339_utc_line_after_line() {
        let before = Utc::now();
        let mut lines = String::new();
        for _ in 0..3 {
            write_now(&mut lines).unwrap();
        }
        let after = Utc::now();
        for at in lines.split_terminator(' ') {
            let at = DateTime::parse_from_rfc3339(at).unwrap();
            assert!(before.trunc_subsecs(6) <= at && at <= after, "{at}");
        }
        assert_eq!(lines.len(), 3 * 28);
    }

    #[test]
    fn quoted_values_read_as_debug_writes_them_whatever_the_byte_and_its_place() {
        let odd = (0..=0x7f_u8).map(char::from).chain(['é', '\u{85}', '€']);
        for ch in odd {
            for len in 1..=17 {
                for at in 0..len {
                    let mut text = "x".repeat(len - 1);
                    text.insert(at, ch);
                    let mut quoted = String::new();
                    write_quoted(&mut quoted, &text).unwrap();
                    assert_eq!(quoted, format!("{text:?}"), "{ch:?} at {at} of {len}");
                }
            }
        }
    }

    #[test]
    fn microseconds_as_milliseconds_read_as_the_float_does() {
        let large = [
            u32::MAX.into(),
            1 << 40,
            crate::access_line::EXACT_MICROS - 1,
        ];
        for micros in (0..100_000).chain(large) {
            let float = format!("{:?}", micros as f64 / 1000.0);
            let digits = Digits::thousandths_of(micros);
            assert_eq!(std::str::from_utf8(digits.as_bytes()), Ok(float.as_str()));
        }
    }

    #[test]
    fn control_characters_are_escaped_wherever_they_are() {
        for len in 1..=17 {
            for at in 0..len {
                let mut text = "x".repeat(len - 1);
                text.insert(at, '\u{1b}');
                let mut escaped = String::new();
                Escaping(&mut escaped).write_str(&text).unwrap();
                assert_eq!(escaped, text.replace('\u{1b}', "\\x1b"), "at {at} of {len}");
            }
        }
    }

    #[test]
    fn control_characters_in_messages_are_escaped() {
        let mut text = String::new();
        Escaping(&mut text)
            .write_str("a\u{1b}[2Jb\u{85}c\u{7f}")
            .unwrap();
        assert_eq!(text, "a\\x1b[2Jb\\u{85}c\\x7f");
    }
}
