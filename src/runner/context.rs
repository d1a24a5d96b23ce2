//! What every check of a run shares: the target, the HTTP probe and its
//! page cache, the services the harness plays, the once-per-run work of
//! every domain (keyed by type, so this file names no domain's work), the
//! clock and the working folder. Domain scenarios read it; nothing here
//! calls them.

use std::sync::Arc;

use super::once::SharedWork;
use super::services::RunServices;
use crate::check::TargetFacts;
use crate::check::{AssertionResult, Outcome};
use crate::probe::{HttpProbe, PageCache};
use crate::sso::{SsoSetup, SsoWorld};
use crate::suite::{Capability, Target};

/// What every check of a run shares.
pub(crate) struct Context {
    pub(crate) target: Target,
    pub(crate) probe: HttpProbe,
    /// The run's browser, when public pages are also rendered.
    pub(crate) browser: Option<Arc<crate::browser::BrowserProbe>>,
    pub(crate) cache: PageCache,
    pub(crate) facts: TargetFacts,
    /// The IdPs, the GAR web service and the SFTP drop of the run.
    pub(crate) services: RunServices,
    /// Each domain's once-per-run work (the STATS activity, the GAR export,
    /// the exports, the deletions…).
    pub(crate) shared: SharedWork,
    /// Identifier of the run (the lot of seeded data).
    pub(crate) run_id: String,
    /// The run's clock: scenarios take from it the times they record in an
    /// observation, so that judges never read a clock.
    pub(crate) clock: Arc<dyn crate::evidence::Clock>,
    /// Where downloads are written before being read (inside the run's
    /// report folder when run from the command line).
    pub(crate) scratch: std::path::PathBuf,
    /// The ids of the checks this run plays: a missing link is left to the
    /// check that judges it only when that check is in the run.
    pub(crate) planned: std::collections::BTreeSet<String>,
}

impl Context {
    /// The URL the target declares for `capability`, or why there is none.
    pub(crate) fn capability(&self, capability: Capability) -> Result<url::Url, String> {
        self.target.capability(capability)
    }

    /// The run's IdPs and directory, or why there are none; `purpose` says
    /// what needs them.
    pub(crate) fn sso_world(&self, purpose: &str) -> Result<Arc<SsoWorld>, String> {
        match self.services.sso() {
            Some(SsoSetup::Ready(world)) => Ok(Arc::clone(world)),
            Some(SsoSetup::Failed(why)) => Err(why.clone()),
            None => Err(format!(
                "la cible ne déclare pas de section [sso] : {purpose}"
            )),
        }
    }
}

/// How a check ended before its assertions could all be evaluated: by a
/// step that could not be played (the core's fetches, a domain's login).
pub(crate) struct Stop {
    pub(crate) outcome: Outcome,
    pub(crate) reason: Option<String>,
    pub(crate) assertion: Option<AssertionResult>,
}
