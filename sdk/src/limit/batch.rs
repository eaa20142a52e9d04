//! The limiter's questions to a shared store that answers many permits at once
//! ([`RateStore::answers_many`]): a call of an endpoint that comes while a question of that
//! endpoint is out waits, and the next question carries every call waiting
//! ([`RateStore::permits`]). One background task per endpoint asks while calls wait. A
//! question is one script, one round trip, for all the calls it carries; a call waits for the
//! question out before it and then for its own, and under load about 20 calls share a script.
//! The store answers the calls in order exactly as it would one by one, so the limits hold
//! the same.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::runtime::RuntimeFlavor;
use tokio::sync::oneshot;

use super::{Permit, PermitRequest, Plan, RateStore};
use crate::auth::store::StoreError;

/// The permits of one endpoint's calls waiting for the shared store: while a question is out,
/// the calls that come meanwhile wait here and go together in the next one.
#[derive(Debug, Default)]
pub(super) struct Queue {
    /// A task is asking the store ([`ask_for_queue`]).
    asking: bool,
    /// That task runs on a current-thread runtime, which runs it only while something drives
    /// the runtime.
    on_current_thread: bool,
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

/// How long a call waits for its answer from a task on a current-thread runtime before it
/// takes the task for stuck (the runtime no longer driven, when a client is shared across
/// runtimes): far above two questions of a working store, each within its own timeout. A
/// multi-threaded runtime's workers run the task while the runtime lives; when it stops, the
/// task's guard tells the calls waiting, which ask again.
const STUCK: Duration = Duration::from_secs(5);

/// Asks the shared store for one permit of `plan`'s endpoint (see the module docs).
pub(super) async fn ask_shared(
    store: &Arc<dyn RateStore>,
    plan: &Arc<Plan>,
    max_wait: Duration,
) -> Result<Permit, StoreError> {
    let runtime = match tokio::runtime::Handle::try_current() {
        Ok(runtime) if store.answers_many() => runtime,
        // A store that answers one permit a question, or no runtime to ask from: ask alone.
        _ => {
            let (limits, cool_downs) = (plan.keyed_limits(), plan.cool_down_keys());
            return store.permit(PermitRequest { limits: &limits, cool_downs: &cool_downs, max_wait }).await;
        }
    };
    let asked = Instant::now();
    // A second time only when the task asking for the first was dropped with its runtime.
    for last in [false, true] {
        let (answer, answered) = oneshot::channel();
        let (start, timed) = {
            let mut queue = plan.queue.lock().unwrap_or_else(|p| p.into_inner());
            queue.waiting.push(Waiting { since: asked, max_wait, answer });
            let start = !std::mem::replace(&mut queue.asking, true);
            if start {
                queue.on_current_thread = runtime.runtime_flavor() == RuntimeFlavor::CurrentThread;
            }
            (start, queue.on_current_thread)
        };
        if start {
            runtime.spawn(ask_for_queue(store.clone(), plan.clone()));
        }
        let answered = async {
            if timed {
                tokio::time::timeout(STUCK, answered).await
            } else {
                Ok(answered.await)
            }
        };
        match answered.await {
            Ok(Ok(answer)) => return answer,
            Ok(Err(_)) if !last => continue,
            Ok(Err(_)) => break,
            Err(_) => {
                // The next call starts a task of its own.
                plan.queue.lock().unwrap_or_else(|p| p.into_inner()).asking = false;
                return Err(StoreError(format!("no answer from the rate store's task within {STUCK:?}")));
            }
        }
    }
    Err(StoreError("the tasks asking the rate store stopped before they answered".into()))
}

/// Marks `plan`'s queue as asked for until dropped: the task is done, or it was dropped, even
/// before it first ran (its runtime stopping). Then no task asks any more, and the calls still
/// waiting are told so (each asks again, from a task on its own runtime).
struct Asking {
    plan: Arc<Plan>,
    finished: bool,
}

impl Asking {
    /// The queue is empty and no longer marked: nothing to do when dropped.
    fn finish(&mut self) {
        self.finished = true;
    }
}

impl Drop for Asking {
    fn drop(&mut self) {
        if !self.finished {
            let mut queue = self.plan.queue.lock().unwrap_or_else(|p| p.into_inner());
            queue.asking = false;
            queue.waiting.clear();
        }
    }
}

/// Asks the store for the permits waiting in `plan`'s queue, in batches of at most
/// [`MAX_BATCH`], until none waits.
fn ask_for_queue(store: Arc<dyn RateStore>, plan: Arc<Plan>) -> impl Future<Output = ()> + Send + 'static {
    // Made before the task runs, so dropping it unstarted still clears the mark.
    let mut asking = Asking { plan, finished: false };
    async move {
        let plan = Arc::clone(&asking.plan);
        let (limits, cool_downs) = (plan.keyed_limits(), plan.cool_down_keys());
        loop {
            let batch: Vec<Waiting> = {
                let mut queue = plan.queue.lock().unwrap_or_else(|p| p.into_inner());
                // A call dropped meanwhile spends no permit.
                queue.waiting.retain(|w| !w.answer.is_closed());
                if queue.waiting.is_empty() {
                    queue.asking = false;
                    asking.finish();
                    return;
                }
                let n = queue.waiting.len().min(MAX_BATCH);
                queue.waiting.drain(..n).collect()
            };
            let max_waits: Vec<Duration> =
                batch.iter().map(|w| w.max_wait.saturating_sub(w.since.elapsed())).collect();
            let failed = match store.permits(&limits, &cool_downs, &max_waits).await {
                Ok(permits) if permits.len() == batch.len() => {
                    for (waiting, permit) in batch.into_iter().zip(permits) {
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
            // Every call waiting is told at once (each falls back to the local limiter), not
            // one batch a store timeout after the other.
            let rest = std::mem::take(&mut plan.queue.lock().unwrap_or_else(|p| p.into_inner()).waiting);
            for waiting in batch.into_iter().chain(rest) {
                let _ = waiting.answer.send(Err(failed.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::auth::store::BoxFuture;
    use crate::limit::{KeyedLimit, LocalRateStore, Planned, RateLimit};

    /// The local store, answering each question after `delay`, recording how many permits
    /// each question carried.
    struct Slow {
        inner: LocalRateStore,
        delay: Duration,
        questions: Mutex<Vec<usize>>,
    }

    impl RateStore for Slow {
        fn answers_many(&self) -> bool {
            true
        }

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
        assert!(apart > Duration::from_millis(90) && apart <= Duration::from_millis(100), "{waits:?}");
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
        assert_eq!(questions.iter().sum::<usize>(), 3, "the dropped call spent no permit: {questions:?}");
        assert_eq!(questions.last(), Some(&1), "{questions:?}");
    }
    /// A runtime of its own, never driven: tasks spawned on it do not run.
    fn idle_runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    /// Queues a call whose task is spawned on `idle`, and drops the call.
    fn queue_on(idle: &tokio::runtime::Runtime, store: &Arc<dyn RateStore>, plan: &Arc<Plan>) {
        let _in = idle.enter();
        let mut call = Box::pin(ask_shared(store, plan, Duration::from_secs(1)));
        assert!(futures_util::FutureExt::now_or_never(call.as_mut()).is_none(), "answered without a task");
    }

    #[test]
    fn a_task_dropped_before_it_ran_holds_no_later_call_up() {
        let store: Arc<dyn RateStore> = slow(Duration::ZERO);
        let plan = plan(RateLimit::per_second(1_000_000));
        let idle = idle_runtime();
        queue_on(&idle, &store, &plan);
        // The runtime stops with the task never run.
        drop(idle);
        let answer = idle_runtime().block_on(async {
            tokio::time::timeout(Duration::from_secs(2), ask_shared(&store, &plan, Duration::from_secs(1)))
                .await
        });
        assert!(matches!(answer, Ok(Ok(Permit::Granted { .. }))), "{answer:?}");
    }

    #[test]
    fn a_task_on_a_runtime_that_no_longer_runs_holds_calls_up_only_for_a_while() {
        let store: Arc<dyn RateStore> = slow(Duration::ZERO);
        let plan = plan(RateLimit::per_second(1_000_000));
        let idle = idle_runtime();
        queue_on(&idle, &store, &plan);
        idle_runtime().block_on(async {
            let started = Instant::now();
            let stuck = ask_shared(&store, &plan, Duration::from_secs(1)).await;
            assert!(stuck.is_err() && started.elapsed() >= STUCK, "{stuck:?} after {:?}", started.elapsed());
            // The next call asks from a task of its own.
            let next = tokio::time::timeout(
                Duration::from_secs(2),
                ask_shared(&store, &plan, Duration::from_secs(1)),
            )
            .await;
            assert!(matches!(next, Ok(Ok(Permit::Granted { .. }))), "{next:?}");
        });
        drop(idle);
    }
    #[test]
    fn calls_waiting_on_a_task_whose_runtime_stops_ask_again_from_their_own() {
        let store: Arc<dyn RateStore> = slow(Duration::ZERO);
        let plan = plan(RateLimit::per_second(1_000_000));
        let idle = idle_runtime();
        queue_on(&idle, &store, &plan);
        let running =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let waiting = {
            let (store, plan) = (store.clone(), plan.clone());
            running.spawn(async move { ask_shared(&store, &plan, Duration::from_secs(1)).await })
        };
        std::thread::sleep(Duration::from_millis(100));
        assert!(!waiting.is_finished(), "queued behind the task that does not run");
        drop(idle);
        let answer = running.block_on(async { tokio::time::timeout(Duration::from_secs(2), waiting).await });
        assert!(matches!(answer, Ok(Ok(Ok(Permit::Granted { .. })))), "{answer:?}");
    }
}
