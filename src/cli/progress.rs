//! Progress display: a bar on a terminal; one line per finished check
//! otherwise (CI logs), so a long run is never silent.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use entconf::runner::{EventSink, RunEvent};
use entconf::text::for_terminal;
use indicatif::{ProgressBar, ProgressStyle};

/// An event sink drawing progress on stderr.
pub(super) fn sink() -> EventSink {
    if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Arc::new(move |event: &RunEvent| match event {
            RunEvent::Started { total } => bar.set_length(*total as u64),
            RunEvent::CheckStarted { id } => {
                bar.set_message(format!("{} en cours", for_terminal(id)));
            }
            RunEvent::CheckFinished { id, outcome } => {
                bar.inc(1);
                bar.set_message(format!("{} : {}", for_terminal(id), outcome.label_fr()));
                if bar.position() >= bar.length().unwrap_or(0) {
                    bar.finish_and_clear();
                }
            }
            RunEvent::Interrupted => {
                bar.abandon_with_message("interrompu : écriture du rapport partiel")
            }
        })
    } else {
        let state = Mutex::new((0usize, 0usize));
        Arc::new(move |event: &RunEvent| {
            let mut guard = state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match event {
                RunEvent::Started { total } => guard.1 = *total,
                RunEvent::CheckStarted { .. } => {}
                RunEvent::CheckFinished { id, outcome } => {
                    guard.0 += 1;
                    eprintln!(
                        "[{}/{}] {:<10} {}",
                        guard.0,
                        guard.1,
                        for_terminal(id),
                        outcome.label_fr()
                    );
                }
                RunEvent::Interrupted => eprintln!("interrompu : écriture du rapport partiel"),
            }
        })
    }
}
