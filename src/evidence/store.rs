//! The run's collection of exchanges, shared by every probe. Identifiers are
//! handed out when a request starts, so they follow the order of requests.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use super::exchange::Exchange;

/// Exchanges recorded during a run.
#[derive(Debug, Default)]
pub struct EvidenceStore {
    next: AtomicU32,
    exchanges: Mutex<Vec<Exchange>>,
}

impl EvidenceStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A fresh exchange identifier, `x0001`, `x0002`, …
    pub fn next_id(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        format!("x{n:04}")
    }

    /// Keeps an exchange (already redacted).
    pub fn record(&self, exchange: Exchange) {
        // A poisoned lock only means another probe panicked mid-push; the
        // vector itself is still consistent, so evidence is kept.
        let mut guard = self
            .exchanges
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.push(exchange);
    }

    /// Every exchange, in identifier order.
    pub fn take(&self) -> Vec<Exchange> {
        let mut guard = self
            .exchanges
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut all = std::mem::take(&mut *guard);
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }
}
