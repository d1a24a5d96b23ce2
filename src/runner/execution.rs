//! One check from start to finish: requirements (a missing capability or
//! secret is `skip`), steps (fetches through the run's page cache, public
//! gates, captures), preconditions (`n/a`), assertions, fold.
//!
//! Parsed HTML is not `Send`, so every use of it stays inside a synchronous
//! function between two awaits.

use std::collections::BTreeMap;
use std::sync::Arc;

use reqwest::Url;

use super::context::Context;
use super::context::Stop;
use crate::check::SharedObservation;
use crate::check::{
    self, AssertionResult, AssertionStatus, Documents, LoginObservation, NotPublic, Observations,
    Outcome, PUBLIC_EXPECTED, TargetFacts, Unread, capture_link, public_problem,
};
use crate::probe::{DocumentGuard, Page};
use crate::report::CheckRecord;
use crate::sso::SsoSetup;
use crate::suite::{
    Action, CaptureKind, Check, SecretSlot, Segment, Step, Target, TargetSection, Template,
};

/// Runs one check; the duration is filled in by the scheduler.
pub(crate) async fn execute(check: &Arc<Check>, context: &Arc<Context>) -> CheckRecord {
    let mut record = blank_record(check);
    if let Some(reason) = unmet_requirement(check, &context.target, context.services.sso()) {
        record.outcome = Outcome::Skip;
        record.reason = Some(reason);
        return record;
    }
    let mut pages: BTreeMap<String, Arc<Page>> = BTreeMap::new();
    let mut logins: BTreeMap<String, Arc<LoginObservation>> = BTreeMap::new();
    // Each domain's once-per-run observations, by step id.
    let mut shared: BTreeMap<String, Arc<dyn SharedObservation>> = BTreeMap::new();
    let mut captures: BTreeMap<String, String> = BTreeMap::new();
    // Links another check judges that were not found (capture → why), and
    // the steps that needed them (step → why).
    let mut missing: BTreeMap<String, String> = BTreeMap::new();
    let mut unreached: BTreeMap<String, Unreached> = BTreeMap::new();
    // Steps read on demand whose page could not be read: the assertions
    // that need them say so, the others are judged.
    let mut failed_on_demand: BTreeMap<String, Unread> = BTreeMap::new();
    let mut exchanges: Vec<String> = Vec::new();
    for step in &check.steps {
        let observed: Option<Arc<dyn SharedObservation>> = match &step.action {
            Action::GarExport => Some(crate::gar::observe(context).await),
            Action::Statistics(spec) => Some(crate::stats::observe(context, spec).await),
            Action::GarSso => Some(crate::gar::observe_sso(context).await),
            Action::GarMediacentre => Some(crate::gar::observe_mediacentre(context).await),
            Action::ExportJob { link_expiry: true } => {
                Some(crate::reversibility::observe_expiry(context).await)
            }
            Action::ExportJob { link_expiry: false } => {
                Some(crate::reversibility::observe(context).await)
            }
            Action::Deletion => Some(crate::reversibility::observe_deletion(context).await),
            Action::Tls => Some(crate::sec::observe_tls(context).await),
            Action::Access => Some(crate::sec::observe_access(context).await),
            Action::LoginThrottling => Some(crate::sec::observe_login(context).await),
            Action::Fetch { .. } | Action::Login(_) => None,
        };
        let failed = observed
            .as_ref()
            .and_then(|observed| observed.failure().map(str::to_owned));
        let is_shared = observed.is_some();
        if let Some(observed) = observed {
            shared.insert(step.id.clone(), observed);
        }
        if let Some(why) = failed {
            let stop = Stop {
                outcome: Outcome::Error,
                reason: Some(format!("étape « {} » : {why}", step.id)),
                assertion: None,
            };
            finish_stopped(&mut record, stop, exchanges);
            return record;
        }
        if is_shared {
            continue;
        }
        if let Action::Login(login) = &step.action {
            match crate::sso::run_login(step, login, check, context).await {
                Ok(observation) => {
                    exchanges.extend(observation.trace.exchanges());
                    logins.insert(step.id.clone(), observation);
                }
                Err((stop, seen)) => {
                    exchanges.extend(seen);
                    finish_stopped(&mut record, stop, exchanges);
                    return record;
                }
            }
            continue;
        }
        if let Some(why) = needs_missing_link(step, &missing) {
            unreached.insert(
                step.id.clone(),
                Unreached {
                    expected: LINK_EXPECTED,
                    why,
                },
            );
            continue;
        }
        match run_step(step, check, context, &captures).await {
            Ok(Fetched::Read(page, taken, absent)) => {
                exchanges.extend(page.exchanges());
                captures.extend(taken);
                missing.extend(absent);
                pages.insert(step.id.clone(), page);
            }
            Ok(Fetched::Unjudged {
                why,
                exchanges: seen,
            }) => {
                exchanges.extend(seen);
                // The links this page would have given are missing for
                // the same reason.
                for capture in &step.captures {
                    missing.insert(capture.name.clone(), why.clone());
                }
                unreached.insert(
                    step.id.clone(),
                    Unreached {
                        expected: PUBLIC_EXPECTED,
                        why,
                    },
                );
            }
            Err((stop, seen)) if read_on_demand(check, step) => {
                exchanges.extend(seen);
                let (status, why) = match stop.assertion {
                    Some(assertion) => (assertion.status, assertion.actual),
                    None => (
                        AssertionStatus::Error,
                        stop.reason.unwrap_or_else(|| "page non lue".to_owned()),
                    ),
                };
                failed_on_demand.insert(step.id.clone(), Unread { status, why });
            }
            Err((stop, seen)) => {
                exchanges.extend(seen);
                finish_stopped(&mut record, stop, exchanges);
                return record;
            }
        }
    }
    let observed = Observed {
        logins,
        shared,
        unreached,
        failed: failed_on_demand,
    };
    // Judging is CPU work (pages parsed on first read, trees walked): off
    // the runtime, which keeps serving the other checks' exchanges.
    let judged = {
        let (check, facts) = (Arc::clone(check), context.facts.clone());
        tokio::task::spawn_blocking(move || {
            judge(&check, &pages, observed, &facts, &mut record);
            record
        })
        .await
    };
    let mut record = match judged {
        Ok(record) => record,
        Err(_) => {
            let mut record = blank_record(check);
            record.reason = Some(
                "erreur interne du banc pendant le jugement (panique) : à signaler aux \
                 mainteneurs d'entconf"
                    .to_owned(),
            );
            record
        }
    };
    exchanges.extend(
        record
            .assertions
            .iter()
            .flat_map(|a| a.exchanges.iter().cloned()),
    );
    record.exchanges = sorted_unique(exchanges);
    record
}

/// A record with the check's identity and no result yet.
pub(crate) fn blank_record(check: &Check) -> CheckRecord {
    CheckRecord {
        id: check.id.clone(),
        suite: check.suite.clone(),
        title: check.title.clone(),
        description: check.description.clone(),
        severity: check.severity,
        refs: check.refs.clone(),
        tags: check.tags.clone(),
        review: check.review,
        outcome: Outcome::Error,
        reason: None,
        assertions: Vec::new(),
        exchanges: Vec::new(),
        duration_ms: 0,
        waiver: None,
    }
}

fn finish_stopped(record: &mut CheckRecord, stop: Stop, exchanges: Vec<String>) {
    record.outcome = stop.outcome;
    record.reason = stop.reason;
    record.assertions.extend(stop.assertion);
    record.exchanges = sorted_unique(exchanges);
}

fn sorted_unique(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids.dedup();
    ids
}

/// Why the check cannot run against this target, if it cannot. The
/// sections come from [`Check::sections`], which `entconf init` and the
/// target reference also read: what they announce as `skip` is this.
fn unmet_requirement(check: &Check, target: &Target, sso: Option<&SsoSetup>) -> Option<String> {
    let sections = check.sections();
    if sections.contains(&TargetSection::Sso) && sso.is_none() {
        return Some(
            "la cible ne déclare pas de section [sso] : le candidat n'est pas relié aux \
             fournisseurs d'identité de test d'entconf (voir docs/guide/sso.md)"
                .to_owned(),
        );
    }
    if sections.contains(&TargetSection::Stats) && target.stats.is_none() {
        return Some(
            "la cible ne déclare pas de section [stats] : écoles dédiées, pages des services et \
             comptes de lecture des statistiques (voir docs/guide/stats.md)"
                .to_owned(),
        );
    }
    if sections.contains(&TargetSection::Reversibility) {
        match &target.reversibility {
            None => {
                return Some(
                    "la cible ne déclare pas de section [reversibility] : école exportée, jeton du \
                     responsable des données (voir docs/guide/export.md)"
                        .to_owned(),
                );
            }
            Some(setup) => {
                if let crate::suite::SecretSlot::Missing(name) = &setup.controller.token {
                    return Some(format!(
                        "jeton du responsable des données ([reversibility] controller) non fourni : {name}"
                    ));
                }
            }
        }
    }
    if sections.contains(&TargetSection::Access) && target.access.is_none() {
        return Some(
            "la cible ne déclare pas de section [access] : les adresses où l'ENT montre un \
             billet ou une séance du cahier de textes par son identifiant (voir docs/guide/sec.md)"
                .to_owned(),
        );
    }
    if sections.contains(&TargetSection::LocalLogin) {
        match &target.local_login {
            None => {
                return Some(
                    "la cible ne déclare pas de section [local_login] : le formulaire de \
                     connexion propre à l'ENT et un compte de test (voir docs/guide/sec.md)"
                        .to_owned(),
                );
            }
            Some(local) => {
                if let crate::suite::SecretSlot::Missing(name) = &local.password {
                    return Some(format!(
                        "mot de passe du compte de test ([local_login] password) non fourni : {name}"
                    ));
                }
                if local.page.is_none()
                    && !target
                        .capabilities
                        .contains_key(&crate::suite::Capability::LoginPage)
                {
                    return Some(
                        "ni [local_login] page ni la capacité login_page : la page du formulaire \
                         de connexion n'est pas déclarée"
                            .to_owned(),
                    );
                }
            }
        }
    }
    if sections.contains(&TargetSection::Gar) && target.gar.is_none() {
        return Some(
            "la cible ne déclare pas de section [gar] : idENT, adresse du service ressources du \
             GAR joué par entconf et certificat client du médiacentre (voir docs/guide/gar.md)"
                .to_owned(),
        );
    }
    let missing: Vec<&str> = check
        .requires
        .iter()
        .filter(|capability| !target.capabilities.contains_key(capability))
        .map(|capability| capability.as_str())
        .collect();
    if !missing.is_empty() {
        return Some(format!(
            "la cible ne déclare pas : {} (section [capabilities] du fichier cible)",
            missing.join(", ")
        ));
    }
    let unavailable: Vec<String> = check
        .secrets
        .iter()
        .filter_map(|name| match target.secrets.get(name) {
            Some(SecretSlot::Available(_)) => None,
            Some(SecretSlot::Missing(why)) => Some(format!("{name} ({why})")),
            None => Some(format!("{name} (non déclaré dans la section [secrets])")),
        })
        .collect();
    (!unavailable.is_empty()).then(|| format!("secret indisponible : {}", unavailable.join(", ")))
}

/// What a fetch step gave, or the stop it caused.
type StepResult = Result<Fetched, (Stop, Vec<String>)>;

/// A fetch step that did not stop its check.
enum Fetched {
    /// The page, the links captured from it, and the captured links it
    /// lacks that another check judges (capture → why).
    Read(Arc<Page>, Captured, Captured),
    /// The page is not public, which another check of the run judges: it
    /// is left unjudged here, saying why and naming that check.
    Unjudged { why: String, exchanges: Vec<String> },
}

/// What [`inspect`] found on a page that did not stop its check.
enum Inspected {
    Read(Captured, Captured),
    Unjudged(String),
}

/// Captures by name.
type Captured = BTreeMap<String, String>;

/// What an unjudged step's assertions expected: a page reached by the link
/// that leads to it.
const LINK_EXPECTED: &str = "une page atteinte par le lien qui y mène";

/// A step left unjudged, and why: its assertions are `n/a`, expecting what
/// the step lacked (the link to follow, or a public page) and naming the
/// check that reports it.
struct Unreached {
    expected: &'static str,
    why: String,
}

/// Whether `step` is read only when an assertion asks for it: some
/// assertion reads it, none needs it to be judged at all
/// ([`crate::suite::AssertionKind::needed_steps`]), and it captures
/// nothing for the steps after it. Its failure to read is then that
/// assertion's finding, not the whole check's.
fn read_on_demand(check: &Check, step: &Step) -> bool {
    let id = step.id.as_str();
    let kinds = || {
        check
            .only_if
            .iter()
            .chain(&check.assertions)
            .map(|a| &a.kind)
    };
    step.captures.is_empty()
        && kinds().any(|kind| kind.steps().contains(&id))
        && !kinds().any(|kind| kind.needed_steps().contains(&id))
}

/// Why `step` cannot be fetched: its URL is a link that was not found.
fn needs_missing_link(step: &Step, missing: &Captured) -> Option<String> {
    let Action::Fetch { url, .. } = &step.action else {
        return None;
    };
    url.segments.iter().find_map(|segment| match segment {
        Segment::Capture(name) => missing.get(name).cloned(),
        _ => None,
    })
}

async fn run_step(
    step: &Step,
    check: &Check,
    context: &Context,
    captures: &BTreeMap<String, String>,
) -> StepResult {
    let Action::Fetch {
        url,
        public,
        public_judged_by,
        any_status,
        method,
    } = &step.action
    else {
        let stop = Stop {
            outcome: Outcome::Error,
            reason: Some(format!("étape « {} » : sonde inattendue", step.id)),
            assertion: None,
        };
        return Err((stop, Vec::new()));
    };
    let captured = url
        .segments
        .iter()
        .any(|segment| matches!(segment, Segment::Capture(_)));
    let url = match render(url, &context.target, captures) {
        Ok(url) => url,
        Err(message) => {
            let stop = Stop {
                outcome: Outcome::Error,
                reason: Some(format!("étape « {} » : {message}", step.id)),
                assertion: None,
            };
            return Err((stop, Vec::new()));
        }
    };
    // A link taken from the candidate's page is followed only to the
    // candidate's own origins: a page must not make the harness fetch, and
    // file in its report, an internal or foreign service.
    if captured && !context.target.owns(&url) {
        return Err(unread(
            step,
            check,
            "un lien vers une origine du candidat (base_url, capacités, [http] origins)",
            format!(
                "le lien mène à {}, hors des origines déclarées du candidat : page non lue \
                 (si c'est bien la sienne, déclarez-la dans [http] origins)",
                context.probe.redactor().url(&url)
            ),
            Vec::new(),
        ));
    }
    let page = match context
        .cache
        .fetch(&context.probe, context.browser.as_deref(), method, &url)
        .await
    {
        Ok(page) => page,
        Err(failure) => {
            return Err(unread(
                step,
                check,
                "une réponse HTTP complète et lisible",
                failure.error.to_string(),
                failure.exchanges,
            ));
        }
    };
    // The page is parsed once per run, on first read: CPU work, done off
    // the runtime.
    let parsing = Arc::clone(&page);
    let _ = tokio::task::spawn_blocking(move || drop(parsing.document())).await;
    // A page the target declares (not a link the candidate's page gave)
    // that answers an HTTP error is not the page the checks are about: its
    // error page is never judged in its place.
    if !captured && !any_status && page.status >= 400 {
        return Err(unread(
            step,
            check,
            "la page déclarée dans la cible, servie avec un statut 2xx",
            format!(
                "{} répond {} : page non jugée (vérifiez l'adresse déclarée dans le fichier \
                 cible et que le banc peut la lire sans compte)",
                context.probe.redactor().url(&page.final_url),
                page.status
            ),
            page.exchanges(),
        ));
    }
    let gate = public.then_some(public_judged_by.as_slice());
    match inspect(step, check, &page, gate, context) {
        Ok(Inspected::Read(taken, absent)) => Ok(Fetched::Read(page, taken, absent)),
        Ok(Inspected::Unjudged(why)) => Ok(Fetched::Unjudged {
            why,
            exchanges: page.exchanges(),
        }),
        Err(stop) => Err((*stop, page.exchanges())),
    }
}

/// The step's page could not be read as the page it stands for: the check
/// stops in `error`, with what was expected and what happened.
fn unread(
    step: &Step,
    check: &Check,
    expected: &str,
    actual: String,
    exchanges: Vec<String>,
) -> (Stop, Vec<String>) {
    let assertion = AssertionResult {
        label: format!("lecture de la page de l'étape « {} »", step.id),
        article: None,
        severity: check.severity,
        status: AssertionStatus::Error,
        expected: expected.to_owned(),
        actual,
        exchanges: exchanges.clone(),
    };
    let stop = Stop {
        outcome: Outcome::Error,
        reason: None,
        assertion: Some(assertion),
    };
    (stop, exchanges)
}

/// Interpolates a URL template; capabilities and secrets were checked
/// before the check started, captures by the steps that took them.
fn render(
    template: &Template,
    target: &Target,
    captures: &BTreeMap<String, String>,
) -> Result<Url, String> {
    let mut text = String::new();
    for segment in &template.segments {
        match segment {
            Segment::Text(literal) => text.push_str(literal),
            Segment::Target(capability) => match target.capabilities.get(capability) {
                Some(url) => text.push_str(url.as_str()),
                None => return Err(format!("capacité « {} » non déclarée", capability.as_str())),
            },
            Segment::Capture(name) => match captures.get(name) {
                Some(value) => text.push_str(value),
                None => return Err(format!("capture « {name} » absente")),
            },
            Segment::Secret(name) => match target.secrets.get(name) {
                Some(SecretSlot::Available(secret)) => text.push_str(secret.expose()),
                _ => return Err(format!("secret « {name} » indisponible")),
            },
        }
    }
    let joined = target.base_url.join(&text);
    joined.map_err(|error| format!("URL invalide « {} » : {error}", template.source))
}

/// The public gate (`gate`: the step is public, with the checks that judge
/// whether its page is) and the captures of a step, on its freshly fetched
/// page.
fn inspect(
    step: &Step,
    check: &Check,
    page: &Page,
    gate: Option<&[String]>,
    context: &Context,
) -> Result<Inspected, Box<Stop>> {
    let facts = &context.facts;
    let guard = page.document();
    let document = match guard.as_ref().map(DocumentGuard::get) {
        Some(Err(refused)) => {
            return Err(Box::new(stopped(
                check,
                format!("lecture de la page de l'étape « {} »", step.id),
                AssertionStatus::Error,
                "une page HTML qu'un navigateur sait lire".to_owned(),
                format!("{} : {refused}", page.final_url),
                page,
            )));
        }
        Some(Ok(document)) => Some(document),
        None => None,
    };
    if let Some(judged_by) = gate {
        let documents = Documents::none();
        let observations = Observations::new(&BTreeMap::new(), &documents, facts.clone());
        if let Some(problem) = public_problem(page, document, &observations) {
            // Another check of the run says the page is not public: the
            // page is left unjudged here rather than failed a second time.
            let judges = planned_judges(judged_by, context);
            if !judges.is_empty() {
                return Ok(Inspected::Unjudged(format!(
                    "la page de l'étape « {} » n'est pas une page publique lisible ({}) : voir {}",
                    step.id,
                    problem.message(),
                    judges.join(", ")
                )));
            }
            let status = match problem {
                NotPublic::NotHtml(_) => AssertionStatus::Error,
                _ => AssertionStatus::Failed,
            };
            return Err(Box::new(stopped(
                check,
                format!("la page de l'étape « {} » est publique", step.id),
                status,
                PUBLIC_EXPECTED.to_owned(),
                problem.message().to_owned(),
                page,
            )));
        }
    }
    let mut taken = BTreeMap::new();
    let mut absent = BTreeMap::new();
    for capture in &step.captures {
        let CaptureKind::Link { within, text } = &capture.kind;
        let Some(document) = document else {
            return Err(Box::new(stopped(
                check,
                format!("capture « {} »", capture.name),
                AssertionStatus::Error,
                format!("une page HTML où trouver le lien « {} »", capture.name),
                format!(
                    "{} n'est pas du HTML ({})",
                    page.final_url,
                    page.media_type_label()
                ),
                page,
            )));
        };
        match capture_link(page, document, within.as_ref(), text) {
            Ok(url) => {
                taken.insert(capture.name.clone(), url.to_string());
            }
            // A missing link another check of this run judges: that check
            // names the defect; the pages behind the link are left unjudged
            // here. With no such check in the run, the missing link is this
            // check's own failure (a run must not look conformant because
            // the check that would fail was not selected). An error (a
            // footer scripts draw) is handed over too: the judging check
            // reports it once.
            Err(verdict) => {
                let judges = planned_judges(&capture.judged_by, context);
                let handed_over = matches!(
                    verdict.status,
                    AssertionStatus::Failed | AssertionStatus::Error
                ) && !judges.is_empty();
                if !handed_over {
                    return Err(Box::new(stopped(
                        check,
                        format!("capture « {} »", capture.name),
                        verdict.status,
                        verdict.expected,
                        verdict.actual,
                        page,
                    )));
                }
                absent.insert(
                    capture.name.clone(),
                    format!(
                        "lien « {} » introuvable ({}) : voir {}",
                        capture.name,
                        verdict.actual,
                        judges.join(", ")
                    ),
                );
            }
        }
    }
    Ok(Inspected::Read(taken, absent))
}

/// The checks of `judged_by` that this run plays: only they can report a
/// finding this check then leaves unjudged.
fn planned_judges<'a>(judged_by: &'a [String], context: &Context) -> Vec<&'a str> {
    judged_by
        .iter()
        .filter(|id| context.planned.contains(*id))
        .map(String::as_str)
        .collect()
}

fn stopped(
    check: &Check,
    label: String,
    status: AssertionStatus,
    expected: String,
    actual: String,
    page: &Page,
) -> Stop {
    let assertion = AssertionResult {
        label,
        article: None,
        severity: check.severity,
        status,
        expected,
        actual,
        exchanges: page.exchanges(),
    };
    let outcome = check::fold(std::slice::from_ref(&assertion), false);
    Stop {
        outcome,
        reason: None,
        assertion: Some(assertion),
    }
}

/// What the steps other than page fetches observed, by step id, and the
/// steps left unfetched because the link they follow was missing.
struct Observed {
    logins: BTreeMap<String, Arc<LoginObservation>>,
    shared: BTreeMap<String, Arc<dyn SharedObservation>>,
    unreached: BTreeMap<String, Unreached>,
    /// Steps read on demand whose page could not be read.
    failed: BTreeMap<String, Unread>,
}

/// Preconditions, then assertions, then the fold.
fn judge(
    check: &Check,
    pages: &BTreeMap<String, Arc<Page>>,
    observed: Observed,
    facts: &TargetFacts,
    record: &mut CheckRecord,
) {
    let documents = Documents::lock(pages.values());
    let unreached = observed.unreached;
    let observations = Observations::new(pages, &documents, facts.clone())
        .with_logins(observed.logins)
        .with_shared(observed.shared)
        .with_unread(
            unreached
                .iter()
                .map(|(step, u)| {
                    let unread = Unread {
                        status: AssertionStatus::NotApplicable,
                        why: u.why.clone(),
                    };
                    (step.clone(), unread)
                })
                .chain(observed.failed)
                .collect(),
        );
    let assess = |assertion: &crate::suite::Assertion| {
        let why = assertion
            .kind
            .needed_steps()
            .into_iter()
            .find_map(|step| unreached.get(step));
        match why {
            Some(step) => check::not_judged(assertion, check.severity, step.expected, &step.why),
            None => check::evaluate(assertion, check.severity, &observations),
        }
    };
    for precondition in &check.only_if {
        let result = assess(precondition);
        match result.status {
            AssertionStatus::Passed => record.assertions.push(result),
            AssertionStatus::Failed | AssertionStatus::NotApplicable => {
                record.outcome = Outcome::NotApplicable;
                record.reason = Some(format!(
                    "condition non remplie : {} — {}",
                    result.label, result.actual
                ));
                record.assertions.push(result);
                return;
            }
            AssertionStatus::Error => {
                record.outcome = Outcome::Error;
                record.assertions.push(result);
                return;
            }
        }
    }
    let results: Vec<AssertionResult> = check.assertions.iter().map(assess).collect();
    record.outcome = check::fold(&results, check.review);
    if record.outcome == Outcome::NotApplicable && !unreached.is_empty() {
        let mut reasons: Vec<&str> = unreached.values().map(|u| u.why.as_str()).collect();
        reasons.dedup();
        record.reason = Some(reasons.join(" ; "));
    }
    record.assertions.extend(results);
}
