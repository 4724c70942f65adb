//! Log lines gathered in memory and written by a thread of their own, in
//! batches.
//!
//! `tracing-appender`'s non-blocking writer hands each line to its thread
//! through a channel, and that thread, having written one line, sleeps until
//! the next: at 20,000 requests a second that is 20,000 wake-ups, each a
//! context switch that takes a core from the workers (a visible share of
//! `/api/me`'s rate in `make bench`). Here a line is appended to a
//! buffer under a short lock and the writer wakes when a batch is worth a
//! write, or after [`FLUSH_EVERY`] at most.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tracing_subscriber::fmt::MakeWriter;

/// The longest a line waits in memory before it is written.
const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// A batch this large is written at once.
const BATCH: usize = 32 * 1024;
/// Beyond this, lines are dropped (and counted) rather than let the process
/// grow or a request wait for a stalled output.
const CAPACITY: usize = 4 * 1024 * 1024;

#[derive(Debug, Default)]
struct Pending {
    bytes: Vec<u8>,
    dropped: u64,
    closing: bool,
}

#[derive(Debug, Default)]
struct Shared {
    pending: Mutex<Pending>,
    ready: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Where the subscriber writes: cheap to clone, never blocks on the output.
#[derive(Clone)]
pub struct BatchedWriter {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for BatchedWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BatchedWriter")
    }
}

/// Writes what is pending when dropped, then stops the writer thread.
#[derive(Debug)]
#[must_use = "dropping the guard stops the log writer"]
pub struct FlushGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// A writer for `output` and the guard that keeps its thread.
pub fn batched(output: impl Write + Send + 'static) -> (BatchedWriter, FlushGuard) {
    let shared = Arc::new(Shared::default());
    let writer = shared.clone();
    let thread = std::thread::Builder::new()
        .name("log-writer".into())
        .spawn(move || write_batches(&writer, output))
        .ok();
    (
        BatchedWriter {
            shared: shared.clone(),
        },
        FlushGuard { shared, thread },
    )
}

fn write_batches(shared: &Shared, mut output: impl Write) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let (dropped, closing) = {
            let mut pending = shared.lock();
            // Until a batch is full or the oldest line has waited long enough:
            // one write per batch, not one per line that happens to be there.
            let deadline = Instant::now() + FLUSH_EVERY;
            while pending.bytes.len() < BATCH && !pending.closing {
                let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                    break;
                };
                pending = shared
                    .ready
                    .wait_timeout(pending, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            std::mem::swap(&mut batch, &mut pending.bytes);
            (std::mem::take(&mut pending.dropped), pending.closing)
        };
        if dropped > 0 {
            let _ = writeln!(
                output,
                "log writer: {dropped} lines dropped, the output could not keep up"
            );
        }
        if !batch.is_empty() {
            // Nowhere to report a failing log output: the lines are lost.
            let _ = output.write_all(&batch).and_then(|()| output.flush());
            batch.clear();
        }
        if closing {
            return;
        }
    }
}

impl Drop for FlushGuard {
    fn drop(&mut self) {
        self.shared.lock().closing = true;
        self.shared.ready.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Write for BatchedWriter {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        (&*self).write(line)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Through a shared reference, as `&File` writes: a layer writes each line
/// through the writer it holds, with no clone (an `Arc` count written by
/// every worker's every line) per line.
impl Write for &BatchedWriter {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        let mut pending = self.shared.lock();
        if pending.bytes.len() + line.len() > CAPACITY {
            pending.dropped += 1;
            return Ok(line.len());
        }
        let was_short = pending.bytes.len() < BATCH;
        pending.bytes.extend_from_slice(line);
        // Wake the writer once per batch, not per line.
        let wake = was_short && pending.bytes.len() >= BATCH;
        drop(pending);
        if wake {
            self.shared.ready.notify_one();
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchedWriter {
    type Writer = &'a BatchedWriter;

    fn make_writer(&'a self) -> Self::Writer {
        self
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::batched;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_is_written_in_order_by_the_time_the_guard_drops() {
        let sink = Sink::default();
        let (mut writer, guard) = batched(sink.clone());
        for n in 0..10_000 {
            writer.write_all(format!("line {n}\n").as_bytes()).unwrap();
        }
        drop(guard);
        let written = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(lines.len(), 10_000);
        assert_eq!(lines[0], "line 0");
        assert_eq!(lines[9_999], "line 9999");
    }

    #[test]
    fn a_line_is_written_within_the_flush_interval_without_more_coming() {
        let sink = Sink::default();
        let (mut writer, _guard) = batched(sink.clone());
        writer.write_all(b"alone\n").unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        while sink.0.lock().unwrap().is_empty() {
            assert!(std::time::Instant::now() < deadline, "never written");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(sink.0.lock().unwrap().as_slice(), b"alone\n");
    }
}
