//! Work done once per run and shared by every check that needs it (the
//! STATS activity and reading, the GAR export): started by the first
//! check, in its own task, so that a check that times out while waiting
//! does not cancel it and the next check does not start it again.

use std::future::Future;
use std::sync::{Arc, OnceLock};

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
