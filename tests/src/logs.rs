//! Log capture for tests: a `tracing` subscriber on the test's own thread writing into a buffer
//! the test reads. The tests run on a current-thread runtime, so every task of the client logs
//! there.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::format::FmtSpan;

/// What a capturing subscriber wrote.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Logs {
    /// Captures events at `level` and above on this thread, with span fields (and span
    /// open/close events when `span_events`), until the guard drops.
    pub fn capture(level: tracing::Level, span_events: bool) -> (Logs, tracing::dispatcher::DefaultGuard) {
        let logs = Logs::default();
        let events = if span_events { FmtSpan::FULL } else { FmtSpan::NONE };
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_span_events(events)
            .with_writer(logs.clone())
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        logs.listen();
        (logs, guard)
    }

    /// Makes every callsite ask the subscribers again. A callsite first hit by another test's
    /// thread while no subscriber existed caches "never"; registering this subscriber rebuilds
    /// the cache, but a first hit racing with that registration could store "never" after it.
    /// Call again right before the code under test.
    pub fn listen(&self) {
        tracing::callsite::rebuild_interest_cache();
    }

    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }

    /// The warnings written so far, one line each.
    pub fn warnings(&self) -> Vec<String> {
        self.text().lines().filter(|l| l.contains(" WARN ")).map(str::to_string).collect()
    }
}
