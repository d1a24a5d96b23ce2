//! The run's collection of exchanges, shared by every probe. Identifiers are
//! handed out when a request starts, so they follow the order of requests.
//!
//! What the store keeps is bounded per run, whatever the candidate sends:
//! whole bodies (written to `evidence/`) up to [`FULL_TEXT_BUDGET`], body
//! excerpts (in `results.json`) up to [`EXCERPT_BUDGET`]. Past a budget an
//! exchange keeps its request, status, headers, size and digest, and says
//! what was dropped; the store counts it for the run's record.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use super::exchange::Exchange;

/// Bytes of whole bodies kept per run.
pub const FULL_TEXT_BUDGET: usize = 32 << 20;
/// Bytes of body excerpts kept per run.
pub const EXCERPT_BUDGET: usize = 8 << 20;

/// Exchanges recorded during a run.
#[derive(Debug, Default)]
pub struct EvidenceStore {
    next: AtomicU32,
    exchanges: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    exchanges: Vec<Exchange>,
    full_text: usize,
    excerpts: usize,
    /// Exchanges whose whole body was not kept.
    dropped_full: usize,
    /// Exchanges whose excerpt was not kept either.
    dropped_excerpts: usize,
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

    /// Keeps an exchange (already redacted), within the run's budgets.
    pub fn record(&self, mut exchange: Exchange) {
        // A poisoned lock only means another probe panicked mid-push; the
        // vector itself is still consistent, so evidence is kept.
        let mut kept = self
            .exchanges
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(full) = exchange.full_text() {
            if kept.full_text + full.len() > FULL_TEXT_BUDGET {
                exchange.drop_full_text();
                kept.dropped_full += 1;
            } else {
                kept.full_text += full.len();
            }
        }
        if let Some(body) = exchange.body() {
            if kept.excerpts + body.excerpt().len() > EXCERPT_BUDGET {
                exchange.drop_excerpt(format!(
                    "[extrait non conservé : les extraits de cette exécution dépassent déjà {} Mio ; \
                     taille et SHA-256 du corps ci-dessus]",
                    EXCERPT_BUDGET >> 20
                ));
                kept.dropped_excerpts += 1;
            } else {
                kept.excerpts += body.excerpt().len();
            }
        }
        kept.exchanges.push(exchange);
    }

    /// What the budgets made the store drop, in French, if anything.
    pub fn dropped(&self) -> Option<String> {
        let kept = self
            .exchanges
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (kept.dropped_full > 0 || kept.dropped_excerpts > 0).then(|| {
            format!(
                "preuves bornées par exécution : corps entiers de {} échange(s) non conservés \
                 (au-delà de {} Mio), extraits de {} échange(s) non conservés (au-delà de {} Mio) ; \
                 chaque échange garde sa requête, son statut, ses en-têtes, la taille et le \
                 SHA-256 de son corps",
                kept.dropped_full,
                FULL_TEXT_BUDGET >> 20,
                kept.dropped_excerpts,
                EXCERPT_BUDGET >> 20
            )
        })
    }

    /// Every exchange, in identifier order.
    pub fn take(&self) -> Vec<Exchange> {
        let mut guard = self
            .exchanges
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut all = std::mem::take(&mut guard.exchanges);
        all.sort_by(|a, b| a.id().cmp(b.id()));
        all
    }
}
