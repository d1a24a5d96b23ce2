//! Work done once per run and shared by every check that needs it (the
//! STATS activity and reading, the GAR export): started by the first
//! check, in its own task, so that a check that times out while waiting
//! does not cancel it and the next check does not start it again. The
//! core keeps every domain's work in one [`SharedWork`], keyed by type.

use std::any::{Any, TypeId};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::watch;

/// The result of a once-per-run piece of work, or why there is none.
pub(crate) type Shared<T> = Arc<Result<T, String>>;

/// A piece of work done at most once per run.
pub(crate) struct RunOnce<T> {
    result: OnceLock<watch::Receiver<Option<Shared<T>>>>,
}

impl<T> Default for RunOnce<T> {
    fn default() -> Self {
        Self {
            result: OnceLock::new(),
        }
    }
}

impl<T: Send + Sync + 'static> RunOnce<T> {
    /// The result, starting `work` if no check has yet; `what` names the
    /// work in the message when its task ends without a result.
    pub(crate) async fn get<F>(&self, work: impl FnOnce() -> F, what: &str) -> Shared<T>
    where
        F: Future<Output = Result<T, String>> + Send + 'static,
    {
        let mut receiver = self
            .result
            .get_or_init(|| {
                let (sender, receiver) = watch::channel(None);
                let future = work();
                tokio::spawn(async move {
                    let result = future.await;
                    let _ = sender.send(Some(Arc::new(result)));
                });
                receiver
            })
            .clone();
        match receiver.wait_for(Option::is_some).await {
            Ok(value) => value
                .clone()
                .unwrap_or_else(|| Arc::new(Err(format!("{what} : aucun résultat")))),
            Err(_) => Arc::new(Err(format!("{what} : arrêté avant d'aboutir"))),
        }
    }

    /// Waits for the work if a check started it; returns at once if none did.
    pub(crate) async fn settled(&self) {
        if let Some(receiver) = self.result.get() {
            let _ = receiver.clone().wait_for(Option::is_some).await;
        }
    }
}

/// A [`RunOnce`] seen without its type: what [`SharedWork`] needs to wait
/// for any of them.
trait Slot: Send + Sync {
    fn settled(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
    fn typed(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

impl<T: Send + Sync + 'static> Slot for RunOnce<T> {
    fn settled(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(RunOnce::settled(self))
    }

    fn typed(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

/// The once-per-run work of every domain, each piece named by the type of
/// its result and a key: the core holds them without knowing what they
/// are, and a domain asks for its own (`get`).
#[derive(Default)]
pub(crate) struct SharedWork {
    slots: Mutex<Vec<Keyed>>,
}

/// A piece of work with its key: the type of its result and its name.
type Keyed = (TypeId, &'static str, Arc<dyn Slot>);

impl SharedWork {
    /// The result of the work `key` (of result type `T`), starting `work`
    /// if no check has yet; `what` names it when its task ends without a
    /// result.
    pub(crate) async fn get<T, F>(
        &self,
        key: &'static str,
        work: impl FnOnce() -> F,
        what: &str,
    ) -> Shared<T>
    where
        T: Send + Sync + 'static,
        F: Future<Output = Result<T, String>> + Send + 'static,
    {
        self.slot::<T>(key).get(work, what).await
    }

    /// Waits for every piece of work some check started, except `key`'s
    /// (whose caller is that work): a destructive scenario lets the others
    /// end before it changes what they observe.
    pub(crate) async fn settle_others(&self, key: &'static str) {
        let others: Vec<Arc<dyn Slot>> = self
            .lock()
            .iter()
            .filter(|(_, name, _)| *name != key)
            .map(|(_, _, slot)| Arc::clone(slot))
            .collect();
        for slot in others {
            slot.settled().await;
        }
    }

    fn slot<T: Send + Sync + 'static>(&self, key: &'static str) -> Arc<RunOnce<T>> {
        let id = TypeId::of::<T>();
        let mut slots = self.lock();
        let found = slots
            .iter()
            .find(|(kind, name, _)| *kind == id && *name == key)
            .map(|(_, _, slot)| Arc::clone(slot));
        let slot = found.unwrap_or_else(|| {
            let slot: Arc<dyn Slot> = Arc::new(RunOnce::<T>::default());
            slots.push((id, key, Arc::clone(&slot)));
            slot
        });
        match slot.typed().downcast::<RunOnce<T>>() {
            Ok(slot) => slot,
            // The slot was found by `TypeId::of::<T>()`: it is a RunOnce<T>.
            Err(_) => unreachable!("slot keyed by the type of its result"),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Keyed>> {
        // A panic while the list was held leaves it whole (a push or a read).
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_is_done_once_per_type_and_key() {
        let shared = SharedWork::default();
        let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for _ in 0..3 {
            let counter = Arc::clone(&runs);
            let result = shared
                .get::<u32, _>(
                    "a",
                    move || async move {
                        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        Ok(7)
                    },
                    "a",
                )
                .await;
            assert_eq!(*result, Ok(7));
        }
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);
        // Another key, or another type under the same key, is other work.
        let other = shared.get::<u32, _>("b", || async { Ok(8) }, "b").await;
        assert_eq!(*other, Ok(8));
        let text = shared
            .get::<String, _>("a", || async { Ok("x".to_owned()) }, "a")
            .await;
        assert_eq!(*text, Ok("x".to_owned()));
    }

    #[tokio::test]
    async fn others_are_settled_before_a_destructive_step() {
        let shared = Arc::new(SharedWork::default());
        let (release, wait) = tokio::sync::oneshot::channel::<()>();
        let slow = Arc::clone(&shared);
        // A piece of work a timed-out check left running.
        let started = tokio::spawn(async move {
            slow.get::<u8, _>(
                "lent",
                move || async move {
                    let _ = wait.await;
                    Ok(1)
                },
                "lent",
            )
            .await
        });
        tokio::task::yield_now().await;
        let settle = {
            let shared = Arc::clone(&shared);
            tokio::spawn(async move { shared.settle_others("suppressions").await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!settle.is_finished(), "settled before the work ended");
        let _ = release.send(());
        settle.await.expect("settle");
        assert_eq!(*started.await.expect("work"), Ok(1));
    }
}
