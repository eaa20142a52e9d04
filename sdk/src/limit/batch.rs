//! The limiter's questions to a shared store, batched: a call of an endpoint that comes while
//! a question of that endpoint is out waits, and the next question carries every call waiting
//! ([`RateStore::permits`]). One background task per endpoint asks while calls wait, so a
//! permit costs at most one round trip and, under load, a fraction of one; the store answers
//! the calls in order exactly as it would one by one, so the limits hold the same.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::{KeyedLimit, Permit, PermitRequest, Plan, RateStore};
use crate::auth::store::StoreError;

/// The permits of one endpoint's calls waiting for the shared store: while a question is out,
/// the calls that come meanwhile wait here and go together in the next one.
#[derive(Debug, Default)]
pub(super) struct Queue {
    /// A task is asking the store ([`ask_for_queue`]).
    asking: bool,
    waiting: Vec<Waiting>,
}

/// One call waiting in a [`Queue`].
#[derive(Debug)]
struct Waiting {
    since: Instant,
    max_wait: Duration,
    answer: oneshot::Sender<Result<Permit, StoreError>>,
}

/// The most permits one question carries (a Redis script runs alone: a long one holds the
/// fleet's other questions up).
const MAX_BATCH: usize = 128;

/// Asks the shared store for one permit of `plan`'s endpoint (see the module docs).
pub(super) async fn ask_shared(
    store: &Arc<dyn RateStore>,
    plan: &Arc<Plan>,
    max_wait: Duration,
) -> Result<Permit, StoreError> {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        // No runtime to ask from in the background: ask alone.
        let limits: Vec<KeyedLimit<'_>> = plan.keyed_limits();
        let cool_downs = plan.cool_down_keys();
        return store.permit(PermitRequest { limits: &limits, cool_downs: &cool_downs, max_wait }).await;
    };
    let (answer, answered) = oneshot::channel();
    let start = {
        let mut queue = plan.queue.lock().unwrap_or_else(|p| p.into_inner());
        queue.waiting.push(Waiting { since: Instant::now(), max_wait, answer });
        !std::mem::replace(&mut queue.asking, true)
    };
    if start {
        runtime.spawn(ask_for_queue(store.clone(), plan.clone()));
    }
    answered
        .await
        .unwrap_or_else(|_| Err(StoreError("the runtime stopped before the rate store answered".into())))
}

/// Asks the store for the permits waiting in `plan`'s queue, in batches of at most
/// [`MAX_BATCH`], until none waits.
async fn ask_for_queue(store: Arc<dyn RateStore>, plan: Arc<Plan>) {
    /// Dropped before the queue is empty (the runtime is stopping): no task asks any more, and
    /// the calls still waiting are told so (and fall back to the local limiter).
    struct Asking<'a>(&'a Plan, bool);
    impl Drop for Asking<'_> {
        fn drop(&mut self) {
            if self.1 {
                let mut queue = self.0.queue.lock().unwrap_or_else(|p| p.into_inner());
                queue.asking = false;
                queue.waiting.clear();
            }
        }
    }
    let mut asking = Asking(&plan, true);
    let limits = plan.keyed_limits();
    let cool_downs = plan.cool_down_keys();
    loop {
        let batch: Vec<Waiting> = {
            let mut queue = plan.queue.lock().unwrap_or_else(|p| p.into_inner());
            if queue.waiting.is_empty() {
                queue.asking = false;
                asking.1 = false;
                return;
            }
            let n = queue.waiting.len().min(MAX_BATCH);
            queue.waiting.drain(..n).collect()
        };
        let max_waits: Vec<Duration> =
            batch.iter().map(|w| w.max_wait.saturating_sub(w.since.elapsed())).collect();
        let answer = match store.permits(&limits, &cool_downs, &max_waits).await {
            Ok(permits) if permits.len() == batch.len() => {
                for (waiting, permit) in batch.into_iter().zip(permits) {
                    // A call dropped meanwhile does not need its answer.
                    let _ = waiting.answer.send(Ok(permit));
                }
                continue;
            }
            Ok(permits) => StoreError(format!(
                "the rate store answered {} permits to {} requests",
                permits.len(),
                max_waits.len()
            )),
            Err(e) => e,
        };
        for waiting in batch {
            let _ = waiting.answer.send(Err(answer.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::auth::store::BoxFuture;
    use crate::limit::{LocalRateStore, Planned, RateLimit};

    /// The local store, answering each question after `delay`, recording how many permits
    /// each question carried.
    struct Slow {
        inner: LocalRateStore,
        delay: Duration,
        questions: Mutex<Vec<usize>>,
    }

    impl RateStore for Slow {
        fn permit<'a>(&'a self, request: PermitRequest<'a>) -> BoxFuture<'a, Result<Permit, StoreError>> {
            self.inner.permit(request)
        }

        fn permits<'a>(
            &'a self,
            limits: &'a [KeyedLimit<'a>],
            cool_downs: &'a [&'a str],
            max_waits: &'a [Duration],
        ) -> BoxFuture<'a, Result<Vec<Permit>, StoreError>> {
            Box::pin(async move {
                self.questions.lock().unwrap().push(max_waits.len());
                tokio::time::sleep(self.delay).await;
                let ask = |max_wait| self.inner.permit_now(PermitRequest { limits, cool_downs, max_wait });
                Ok(max_waits.iter().map(|&m| ask(m)).collect())
            })
        }

        fn cool_down<'a>(&'a self, key: &'a str, d: Duration) -> BoxFuture<'a, Result<(), StoreError>> {
            self.inner.cool_down(key, d)
        }
    }

    fn plan(limit: RateLimit) -> Arc<Plan> {
        let key = "k:rate-us:app".to_string();
        let limits = vec![Planned { scope: "app".into(), key, limit, alone: limit }];
        Arc::new(Plan { limits, cool_downs: Vec::new(), queue: Default::default() })
    }

    fn slow(delay: Duration) -> Arc<Slow> {
        Arc::new(Slow { inner: LocalRateStore::new(), delay, questions: Mutex::default() })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn calls_that_come_while_a_question_is_out_go_together_in_the_next() {
        let store = slow(Duration::from_millis(50));
        let dyn_store: Arc<dyn RateStore> = store.clone();
        let plan = plan(RateLimit::per_second(10).burst(3));
        let first = {
            let (s, p) = (dyn_store.clone(), plan.clone());
            tokio::spawn(async move { ask_shared(&s, &p, Duration::from_secs(5)).await })
        };
        while store.questions.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        // Five more while the first question is out; the fourth may not wait at all.
        // Polled in this order, so they queue in it.
        let later = futures_util::future::join_all(
            [5_000, 5_000, 5_000, 0, 5_000]
                .map(|ms| ask_shared(&dyn_store, &plan, Duration::from_millis(ms))),
        )
        .await;
        let mut permits = vec![first.await.unwrap().unwrap()];
        permits.extend(later.into_iter().map(Result::unwrap));
        assert_eq!(*store.questions.lock().unwrap(), [1, 5], "one question, then one for all who came");
        let waits: Vec<Option<Duration>> = permits
            .iter()
            .map(|p| match p {
                Permit::Granted { wait, .. } => Some(*wait),
                Permit::Refused { .. } => None,
            })
            .collect();
        // As if asked one by one: a burst of three, the refused one reserves nothing, and the
        // next two are 100 ms apart.
        assert!(waits[..3].iter().all(|w| w.is_some_and(|w| w.is_zero())), "{waits:?}");
        assert_eq!(waits[4], None, "{permits:?}");
        let (w3, w5) = (waits[3].unwrap(), waits[5].unwrap());
        assert!(!w3.is_zero() && w3 <= Duration::from_millis(100), "{waits:?}");
        let apart = w5 - w3;
        assert!(apart > Duration::from_millis(99) && apart <= Duration::from_millis(100), "{waits:?}");
    }

    #[tokio::test]
    async fn a_call_dropped_while_it_waits_holds_no_one_up() {
        let store = slow(Duration::from_millis(30));
        let dyn_store: Arc<dyn RateStore> = store.clone();
        let plan = plan(RateLimit::per_second(1_000_000));
        let ask = |d| {
            let (s, p) = (dyn_store.clone(), plan.clone());
            tokio::spawn(async move { ask_shared(&s, &p, d).await })
        };
        let first = ask(Duration::from_secs(1));
        tokio::task::yield_now().await;
        let dropped = ask(Duration::from_secs(1));
        let kept = ask(Duration::from_secs(1));
        tokio::task::yield_now().await;
        dropped.abort();
        assert!(first.await.unwrap().is_ok());
        assert!(kept.await.unwrap().is_ok());
        // The queue is idle again: a new call is asked for at once, alone.
        assert!(ask(Duration::from_secs(1)).await.unwrap().is_ok());
        let questions = store.questions.lock().unwrap().clone();
        assert_eq!(questions.iter().sum::<usize>(), 4, "the dropped call was still asked for: {questions:?}");
        assert_eq!(questions.last(), Some(&1), "{questions:?}");
    }
}
