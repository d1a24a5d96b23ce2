//! Scheduling: at most `jobs` checks at once, `serial` checks alone (a
//! read-write lock: ordinary checks share it, serial ones take it
//! exclusively), a time limit per check, and cancellation that abandons
//! unfinished checks as `error` while keeping every finished result, so an
//! interrupted run still writes its report.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{RwLock, Semaphore, watch};
use tokio::task::JoinSet;

use super::context::Context;
use super::event::{EventSink, RunEvent};
use super::execution::{blank_record, execute};
use super::selection::Plan;
use crate::browser::{BasicGate, BrowserProbe, BrowserSettings};
use crate::check::{Outcome, TargetFacts};
use crate::evidence::{Clock, EvidenceStore, Redactor, millis};
use crate::idp::EvidenceSink;
use crate::probe::{HttpProbe, PageCache, ProbeError};
use crate::report::{
    CheckRecord, FORMAT, FORMAT_VERSION, Harness, RunOptionsInfo, RunRecord, SuiteInfo, Summary,
    TargetInfo,
};
use crate::sso::world::SsoSetup;
use crate::suite::{BrowserMode, Capability, Catalog, Check, Target, display_duration};

/// How a run is carried out.
#[derive(Clone)]
pub struct RunSettings {
    /// Largest number of checks running at once (at least 1).
    pub jobs: usize,
    /// Identifier of the run.
    pub run_id: String,
    /// The run's time: it stamps the record and its evidence, and the
    /// scenarios read the times they observe from it (the statistics
    /// period, when a deletion was asked, when a certificate was checked),
    /// which the judges then compare with the candidate's own dates. The
    /// system clock in production; fixed in tests whose candidate dates
    /// nothing, live against one that does (the reference ENT). The
    /// services the harness plays keep their own clock (`runner::start`).
    pub clock: Arc<dyn Clock>,
    /// Invocation details kept in the record.
    pub options: RunOptionsInfo,
    /// The services the harness plays toward the candidate (IdPs, GAR web
    /// service, SFTP drop), each ready or failed with its reason.
    pub services: super::RunServices,
    /// Working folder for downloads (export archives), created when needed
    /// and emptied by the run; a fresh folder under the system's temporary
    /// directory when `None`.
    pub scratch: Option<std::path::PathBuf>,
}

/// A working folder of its own under the system's temporary directory: an
/// unpredictable name, created now, readable by this user only (runs of one
/// process may share an id: tests do). When it cannot be created, the
/// runner's first download says so.
fn fresh_scratch(run_id: &str) -> std::path::PathBuf {
    use std::os::unix::fs::DirBuilderExt;
    let path =
        std::env::temp_dir().join(format!("entconf-{run_id}-{}", crate::idp::random_token()));
    let _ = std::fs::DirBuilder::new().mode(0o700).create(&path);
    path
}

/// A switch that stops a run; cheap to clone, set from a signal handler.
#[derive(Clone, Debug)]
pub struct Cancellation {
    sender: Arc<watch::Sender<bool>>,
}

impl Default for Cancellation {
    fn default() -> Self {
        Self::new()
    }
}

impl Cancellation {
    /// A switch not yet set.
    pub fn new() -> Self {
        Self {
            sender: Arc::new(watch::channel(false).0),
        }
    }

    /// Asks the run to stop.
    pub fn cancel(&self) {
        self.sender.send_replace(true);
    }

    /// Whether [`Self::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        *self.sender.borrow()
    }

    async fn cancelled(&self) {
        let mut receiver = self.sender.subscribe();
        // The sender lives in `self`, so the channel cannot close while we wait.
        let _ = receiver.wait_for(|cancelled| *cancelled).await;
    }
}

/// Runs `plan` against `target` and returns the finished record.
pub async fn run(
    catalog: &Catalog,
    plan: &Plan,
    target: Target,
    settings: RunSettings,
    events: EventSink,
    cancellation: Cancellation,
) -> Result<RunRecord, ProbeError> {
    crate::xmlsec::quiet();
    let clock = Arc::clone(&settings.clock);
    let store = Arc::new(EvidenceStore::new());
    let redactor = Arc::new(Redactor::new(target.secret_values()));
    let mut http = target.http.clone();
    if let Some(SsoSetup::Ready(world)) = settings.services.sso()
        && let Some(authority) = world.idp.authority()
    {
        // The virtual browser meets the IdPs' TLS as the candidate does.
        http.trusted_roots.push(authority.cert_der.clone());
    }
    let probe = HttpProbe::new(
        http,
        Arc::clone(&redactor),
        Arc::clone(&store),
        Arc::clone(&clock),
    )?
    .gated_to(&target.base_url);
    let target_info = target_info(&target, &redactor);
    let (browser, browser_note) = browser_for(&target, &redactor)?;
    let facts = TargetFacts {
        login_page: target.capabilities.get(&Capability::LoginPage).cloned(),
        own_origins: target.own_origins(),
        // Read from the IdPs, which the demonstration starts without a
        // `[sso]` section: their settings hold what the target declared.
        unsolicited_sso: match settings.services.sso() {
            Some(SsoSetup::Ready(world)) => world.idp.settings().saml.unsolicited,
            _ => false,
        },
        now: clock.now(),
    };
    if let Some(SsoSetup::Ready(world)) = settings.services.sso() {
        world.idp.attach_evidence(EvidenceSink {
            store: Arc::clone(&store),
            redactor: Arc::clone(&redactor),
            clock: Arc::clone(&clock),
        });
    }
    let context = Arc::new(Context {
        target,
        probe,
        browser,
        cache: PageCache::new(),
        facts,
        services: settings.services.clone(),
        shared: super::once::SharedWork::default(),
        run_id: settings.run_id.clone(),
        clock: Arc::clone(&clock),
        scratch: settings
            .scratch
            .clone()
            .unwrap_or_else(|| fresh_scratch(&settings.run_id)),
        planned: plan.checks.iter().map(|check| check.id.clone()).collect(),
    });
    let started_at = clock.now();
    let start = clock.monotonic();
    events(&RunEvent::Started {
        total: plan.checks.len(),
    });
    let (mut records, interrupted) =
        schedule(plan, &context, &settings, &events, &cancellation).await;
    // Downloads are deleted once read; a check cut short by its time limit
    // or by Ctrl-C may leave one behind.
    let _ = std::fs::remove_dir_all(&context.scratch);
    // The browser is closed and reaped before the record is made.
    let (renderings, browser_note) = match &context.browser {
        Some(browser) => {
            let renderings = browser.finish().await;
            let note = match (browser.product(), browser.launch_failure()) {
                (Some(product), _) => format!(
                    "pages publiques ouvertes aussi dans {product} (sans interface) : {} page(s) \
                     rendue(s), scripts exécutés, captures d'écran en preuves",
                    renderings.len()
                ),
                (None, Some(why)) => format!("{why} ([browser] mode = \"auto\") : {AS_SERVED}"),
                (None, None) => "navigateur prévu mais non lancé : aucune page à rendre".to_owned(),
            };
            (renderings, Some(note))
        }
        None => (Vec::new(), browser_note),
    };
    for (slot, check) in records.iter_mut().zip(&plan.checks) {
        if slot.is_none() {
            let mut record = blank_record(check);
            record.reason =
                Some("interrompu avant la fin (Ctrl-C) : vérification non évaluée".to_owned());
            *slot = Some(record);
        }
    }
    let mut checks: Vec<CheckRecord> = records.into_iter().flatten().collect();
    // Reported in catalog order, whatever order they ran in (destructive
    // checks run last).
    let rank: HashMap<&str, usize> = catalog
        .checks()
        .enumerate()
        .map(|(position, check)| (check.id.as_str(), position))
        .collect();
    checks.sort_by_key(|check| rank.get(check.id.as_str()).copied().unwrap_or(usize::MAX));
    let suites = catalog
        .suites
        .iter()
        .filter(|suite| checks.iter().any(|c| c.suite == suite.id))
        .map(|suite| SuiteInfo {
            id: suite.id.clone(),
            title: suite.title.clone(),
            file: suite.file.clone(),
            sha256: suite.sha256.clone(),
        })
        .collect();
    let summary = Summary::of(&checks);
    Ok(RunRecord {
        format: FORMAT.to_owned(),
        version: FORMAT_VERSION,
        run_id: settings.run_id.clone(),
        harness: Harness::current(),
        target: target_info,
        suites,
        options: settings.options.clone(),
        started_at,
        finished_at: clock.now(),
        duration_ms: millis(clock.monotonic().saturating_sub(start)),
        interrupted,
        checks,
        evidence_dropped: store.dropped(),
        exchanges: store.take(),
        browser: browser_note,
        renderings,
        summary,
        strictness: Vec::new(),
    })
}

/// What the record says when pages are read without a browser that was
/// wanted.
const AS_SERVED: &str = "pages lues telles que servies, sans exécuter de script (un contenu \
                         produit par script est signalé en erreur)";

/// The run's browser as the target's `[browser]` asks, or the note saying
/// why pages are read as served; a `required` browser that cannot run
/// stops the run.
fn browser_for(
    target: &Target,
    redactor: &Arc<Redactor>,
) -> Result<(Option<Arc<BrowserProbe>>, Option<String>), ProbeError> {
    let wanted = &target.browser;
    if wanted.mode == BrowserMode::Off {
        return Ok((
            None,
            Some(
                "navigateur désactivé ([browser] mode = \"off\") : pages lues telles que \
                 servies, sans exécuter de script"
                    .to_owned(),
            ),
        ));
    }
    let settings = BrowserSettings {
        executable: wanted.executable.clone(),
        loopback_only: wanted.loopback_only,
        resolve: target.http.resolve.clone(),
        trusted_roots: target.http.trusted_roots.clone(),
        settle: wanted.settle_timeout,
        // As the HTTP probe: the staging gate's password goes to the
        // origin of base_url only.
        basic_auth: target
            .http
            .basic_auth
            .as_ref()
            .map(|(user, password)| BasicGate {
                origin: target.base_url.origin(),
                user: user.clone(),
                password: password.clone(),
            }),
        ..BrowserSettings::default()
    };
    let why_not = settings.find_executable().err().map(|e| e.to_string());
    match (why_not, wanted.mode) {
        (Some(why), BrowserMode::Required) => Err(ProbeError::BrowserRequired(why)),
        (Some(why), _) => Ok((None, Some(format!("{why} : {AS_SERVED}")))),
        (None, _) => {
            // The candidate's origins, gathered once: the browser asks for
            // every request and cookie of every page.
            let own = target.own_origins();
            let probe = BrowserProbe::new(
                settings,
                wanted.mode == BrowserMode::Auto,
                wanted.readiness.clone(),
                Arc::clone(redactor),
                Arc::new(move |url: &url::Url| own.contains(&url.origin())),
            );
            Ok((Some(Arc::new(probe)), None))
        }
    }
}

fn target_info(target: &Target, redactor: &Redactor) -> TargetInfo {
    TargetInfo {
        id: target.id.clone(),
        name: target.name.clone(),
        base_url: redactor.url(&target.base_url),
        capabilities: target
            .capabilities
            .iter()
            .map(|(capability, url)| (capability.as_str().to_owned(), redactor.url(url)))
            .collect(),
        description_sha256: target.description_sha256.clone(),
    }
}

/// Runs the checks as tasks; returns their records by plan position (None
/// for a check abandoned by cancellation) and whether the run was cancelled.
async fn schedule(
    plan: &Plan,
    context: &Arc<Context>,
    settings: &RunSettings,
    events: &EventSink,
    cancellation: &Cancellation,
) -> (Vec<Option<CheckRecord>>, bool) {
    let semaphore = Arc::new(Semaphore::new(settings.jobs.max(1)));
    let serial = Arc::new(RwLock::new(()));
    let turn = Arc::new(watch::channel(0usize).0);
    let mut tasks = JoinSet::new();
    let mut positions = HashMap::new();
    for (position, check) in plan.checks.iter().enumerate() {
        let task = run_one(
            Admission {
                position,
                turn: Arc::clone(&turn),
                semaphore: Arc::clone(&semaphore),
                serial: Arc::clone(&serial),
            },
            Arc::clone(check),
            Arc::clone(context),
            Arc::clone(&settings.clock),
            Arc::clone(events),
        );
        let handle = tasks.spawn(task);
        positions.insert(handle.id(), position);
    }
    let mut records: Vec<Option<CheckRecord>> = vec![None; plan.checks.len()];
    let mut interrupted = cancellation.is_cancelled();
    if interrupted {
        tasks.abort_all();
    }
    loop {
        let joined = if interrupted {
            tasks.join_next_with_id().await
        } else {
            tokio::select! {
                biased;
                () = cancellation.cancelled() => {
                    interrupted = true;
                    events(&RunEvent::Interrupted);
                    tasks.abort_all();
                    continue;
                }
                joined = tasks.join_next_with_id() => joined,
            }
        };
        let Some(joined) = joined else { break };
        match joined {
            Ok((id, record)) => {
                if let Some(&position) = positions.get(&id) {
                    records[position] = Some(record);
                }
            }
            Err(error) if error.is_panic() => {
                if let Some(&position) = positions.get(&error.id()) {
                    let mut record = blank_record(&plan.checks[position]);
                    record.reason = Some("erreur interne du banc pendant cette vérification (panique) : à signaler aux mainteneurs d'entconf".to_owned());
                    records[position] = Some(record);
                }
            }
            // Cancelled tasks leave their slot empty.
            Err(_) => {}
        }
    }
    (records, interrupted)
}

/// What a check waits for before it starts: its turn in plan order (so
/// that checks start in the order of the suites, and a run with `--jobs 1`
/// is reproducible), the serial lock, then a permit.
struct Admission {
    position: usize,
    turn: Arc<watch::Sender<usize>>,
    semaphore: Arc<Semaphore>,
    serial: Arc<RwLock<()>>,
}

async fn run_one(
    admission: Admission,
    check: Arc<Check>,
    context: Arc<Context>,
    clock: Arc<dyn Clock>,
    events: EventSink,
) -> CheckRecord {
    let Admission {
        position,
        turn,
        semaphore,
        serial,
    } = admission;
    let mut my_turn = turn.subscribe();
    // The sender lives in this task's `turn`, so the channel stays open.
    let _ = my_turn.wait_for(|next| *next == position).await;
    // Lock before permit: a serial check waiting for exclusivity holds no
    // permit, so it can never starve the checks it waits for.
    let (_shared, _exclusive) = if check.runs_alone() {
        (None, Some(Arc::clone(&serial).write_owned().await))
    } else {
        (Some(Arc::clone(&serial).read_owned().await), None)
    };
    let _permit = semaphore.acquire().await;
    turn.send_modify(|next| *next += 1);
    events(&RunEvent::CheckStarted {
        id: check.id.clone(),
    });
    let start = clock.monotonic();
    let limit = check.timeout.unwrap_or(context.target.http.check_timeout);
    let mut record = match tokio::time::timeout(limit, execute(&check, &context)).await {
        Ok(record) => record,
        Err(_) => {
            let mut record = blank_record(&check);
            record.reason = Some(format!(
                "délai de la vérification dépassé ({}) : le candidat n'a pas répondu à temps",
                display_duration(limit)
            ));
            record
        }
    };
    record.duration_ms = millis(clock.monotonic().saturating_sub(start));
    // Judges quote what the candidate sent (link texts decoded from
    // character references, final URLs): masked before the record exists.
    record.redact(context.probe.redactor());
    events(&RunEvent::CheckFinished {
        id: check.id.clone(),
        outcome: record.outcome,
    });
    debug_assert!(
        record.outcome != Outcome::Error
            || record.reason.is_some()
            || !record.assertions.is_empty()
    );
    record
}
