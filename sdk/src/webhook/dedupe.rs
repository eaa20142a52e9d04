//! Which pushed messages are being handled or were handled: the `Msg-Id` marks that keep a
//! retried push from being handled twice, and never from being handled at all.
//!
//! A mark is taken for a short lease before the handler runs ([`Claim::Claimed`]), made lasting
//! only after the handler succeeded ([`DedupeStore::complete`]), and given back when it failed
//! ([`DedupeStore::release`]), so the platform's retry is handled. A process that dies while
//! handling leaves only the lease, which ends by itself.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::auth::store::BoxFuture;

/// What a claim on a `Msg-Id` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// No one handles or handled it: the caller holds the lease and handles it.
    Claimed,
    /// Another delivery of it is being handled right now (its lease has not ended).
    InProgress,
    /// It was handled.
    Done,
}

/// Remembers, for the fleet sharing it, which `Msg-Id`s are being handled and which were.
pub trait DedupeStore: Send + Sync + 'static {
    /// Claims `msg_id` for `lease` unless it is being handled or was handled. Atomic across
    /// everything sharing the store.
    fn claim<'a>(&'a self, msg_id: &'a str, lease: Duration) -> BoxFuture<'a, Result<Claim, String>>;
    /// Records `msg_id` as handled, for `ttl`.
    fn complete<'a>(&'a self, msg_id: &'a str, ttl: Duration) -> BoxFuture<'a, Result<(), String>>;
    /// Gives up a claim after a failed handling, so the next delivery handles it.
    fn release<'a>(&'a self, msg_id: &'a str) -> BoxFuture<'a, Result<(), String>>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Leased,
    Done,
}

/// A [`DedupeStore`] for one process. Marks expire through a queue in expiry order (a binary
/// heap), a few at a time on each operation: O(log n) per delivery, never a scan of every mark.
#[derive(Debug, Default)]
pub struct MemoryDedupeStore {
    inner: Mutex<Marks>,
}

#[derive(Debug, Default)]
struct Marks {
    /// The mark of each `Msg-Id` and when it ends.
    marks: HashMap<String, (Mark, Instant)>,
    /// (end, id), earliest end first; an entry whose mark was set again since is stale and
    /// skipped.
    queue: BinaryHeap<Reverse<(Instant, String)>>,
}

impl Marks {
    /// Drops expired marks: pops queue entries whose time has come, at most 8 per call (more
    /// than each call adds, so the store shrinks as it is used; no call pays for a backlog).
    fn sweep(&mut self, now: Instant) {
        for _ in 0..8 {
            match self.queue.peek() {
                Some(Reverse((end, _))) if *end <= now => {}
                _ => return,
            }
            if let Some(Reverse((end, id))) = self.queue.pop() {
                if self.marks.get(&id).is_some_and(|(_, e)| *e == end) {
                    self.marks.remove(&id);
                }
            }
        }
    }

    fn current(&self, id: &str, now: Instant) -> Option<Mark> {
        self.marks.get(id).filter(|(_, end)| *end > now).map(|(m, _)| *m)
    }

    fn set(&mut self, id: &str, mark: Mark, end: Instant) {
        self.marks.insert(id.to_string(), (mark, end));
        self.queue.push(Reverse((end, id.to_string())));
    }
}

impl MemoryDedupeStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many `Msg-Id` marks are held (expired ones not yet swept included).
    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).marks.len()
    }

    /// Whether no mark is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// [`DedupeStore::claim`], synchronously.
    pub fn claim_now(&self, msg_id: &str, lease: Duration) -> Claim {
        let now = Instant::now();
        let mut m = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        m.sweep(now);
        match m.current(msg_id, now) {
            Some(Mark::Done) => Claim::Done,
            Some(Mark::Leased) => Claim::InProgress,
            None => {
                m.set(msg_id, Mark::Leased, now + lease);
                Claim::Claimed
            }
        }
    }

    /// [`DedupeStore::complete`], synchronously.
    pub fn complete_now(&self, msg_id: &str, ttl: Duration) {
        let now = Instant::now();
        let mut m = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        m.sweep(now);
        m.set(msg_id, Mark::Done, now + ttl);
    }

    /// [`DedupeStore::release`], synchronously.
    pub fn release_now(&self, msg_id: &str) {
        let now = Instant::now();
        let mut m = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        m.sweep(now);
        if m.current(msg_id, now) == Some(Mark::Leased) {
            m.marks.remove(msg_id);
        }
    }
}

impl DedupeStore for MemoryDedupeStore {
    fn claim<'a>(&'a self, msg_id: &'a str, lease: Duration) -> BoxFuture<'a, Result<Claim, String>> {
        Box::pin(async move { Ok(self.claim_now(msg_id, lease)) })
    }

    fn complete<'a>(&'a self, msg_id: &'a str, ttl: Duration) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            self.complete_now(msg_id, ttl);
            Ok(())
        })
    }

    fn release<'a>(&'a self, msg_id: &'a str) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            self.release_now(msg_id);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_is_leased_then_done_or_released() {
        let s = MemoryDedupeStore::new();
        let lease = Duration::from_secs(5);
        assert_eq!(s.claim_now("m", lease), Claim::Claimed);
        assert_eq!(s.claim_now("m", lease), Claim::InProgress, "a concurrent delivery waits");
        s.release_now("m");
        assert_eq!(s.claim_now("m", lease), Claim::Claimed, "a failed handling is handled again");
        s.complete_now("m", Duration::from_secs(60));
        assert_eq!(s.claim_now("m", lease), Claim::Done);
        s.release_now("m");
        assert_eq!(s.claim_now("m", lease), Claim::Done, "a done mark is never released");
    }

    #[test]
    fn marks_expire_and_are_swept_without_a_scan() {
        let s = MemoryDedupeStore::new();
        assert_eq!(s.claim_now("lease", Duration::from_millis(1)), Claim::Claimed);
        s.complete_now("done", Duration::from_millis(1));
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(s.claim_now("lease", Duration::from_secs(1)), Claim::Claimed, "a dead lease ends");
        assert_eq!(s.claim_now("done", Duration::from_secs(1)), Claim::Claimed, "forgotten after the TTL");
        // Many expired marks go a few per call: the store shrinks as it is used.
        for i in 0..1000 {
            s.complete_now(&format!("x{i}"), Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(5));
        for i in 0..200 {
            s.claim_now(&format!("y{i}"), Duration::from_secs(60));
        }
        assert_eq!(s.len(), 202, "the 1,000 expired marks were swept");
    }
}
