//! One check from start to finish: requirements (a missing capability or
//! secret is `skip`), steps (fetches through the run's page cache, public
//! gates, captures), preconditions (`n/a`), assertions, fold.
//!
//! Parsed HTML is not `Send`, so every use of it stays inside a synchronous
//! function between two awaits.

use std::collections::BTreeMap;
use std::sync::Arc;

use reqwest::Url;

use crate::check::{
    self, AssertionResult, AssertionStatus, NotPublic, Observations, Outcome, PUBLIC_EXPECTED,
    TargetFacts, capture_link, public_problem,
};
use crate::probe::{Document, HttpProbe, Page, PageCache};
use crate::report::CheckRecord;
use crate::suite::{Action, CaptureKind, Check, SecretSlot, Segment, Step, Target, Template};

/// What every check of a run shares.
pub(crate) struct Context {
    pub(crate) target: Target,
    pub(crate) probe: HttpProbe,
    pub(crate) cache: PageCache,
    pub(crate) facts: TargetFacts,
}

/// How a check ended before its assertions could all be evaluated.
struct Stop {
    outcome: Outcome,
    reason: Option<String>,
    assertion: Option<AssertionResult>,
}

/// Runs one check; the duration is filled in by the scheduler.
pub(crate) async fn execute(check: &Check, context: &Context) -> CheckRecord {
    let mut record = blank_record(check);
    if let Some(reason) = unmet_requirement(check, &context.target) {
        record.outcome = Outcome::Skip;
        record.reason = Some(reason);
        return record;
    }
    let mut pages: BTreeMap<String, Arc<Page>> = BTreeMap::new();
    let mut captures: BTreeMap<String, String> = BTreeMap::new();
    let mut exchanges: Vec<String> = Vec::new();
    for step in &check.steps {
        match run_step(step, check, context, &captures).await {
            Ok((page, taken)) => {
                exchanges.extend(page.exchanges());
                captures.extend(taken);
                pages.insert(step.id.clone(), page);
            }
            Err((stop, seen)) => {
                exchanges.extend(seen);
                finish_stopped(&mut record, stop, exchanges);
                return record;
            }
        }
    }
    judge(check, &pages, &context.facts, &mut record);
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

/// Why the check cannot run against this target, if it cannot.
fn unmet_requirement(check: &Check, target: &Target) -> Option<String> {
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

type StepResult = Result<(Arc<Page>, BTreeMap<String, String>), (Stop, Vec<String>)>;

async fn run_step(
    step: &Step,
    check: &Check,
    context: &Context,
    captures: &BTreeMap<String, String>,
) -> StepResult {
    let Action::Fetch { url, public } = &step.action;
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
    let page = match context.cache.fetch(&context.probe, &url).await {
        Ok(page) => page,
        Err(failure) => {
            let assertion = AssertionResult {
                label: format!("lecture de la page de l'étape « {} »", step.id),
                article: None,
                severity: check.severity,
                status: AssertionStatus::Error,
                expected: "une réponse HTTP complète et lisible".to_owned(),
                actual: failure.error.to_string(),
                exchanges: failure.exchanges.clone(),
            };
            let stop = Stop {
                outcome: Outcome::Error,
                reason: None,
                assertion: Some(assertion),
            };
            return Err((stop, failure.exchanges));
        }
    };
    match inspect(step, check, &page, *public, &context.facts) {
        Ok(taken) => Ok((page, taken)),
        Err(stop) => Err((*stop, page.exchanges())),
    }
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

/// The public gate and the captures of a step, on its freshly fetched page.
fn inspect(
    step: &Step,
    check: &Check,
    page: &Page,
    public: bool,
    facts: &TargetFacts,
) -> Result<BTreeMap<String, String>, Box<Stop>> {
    let document = match (page.is_html(), page.text()) {
        (true, Some(text)) => Some(Document::parse(text, &page.final_url)),
        _ => None,
    };
    if public {
        let observations = Observations::new(&BTreeMap::new(), facts.clone());
        if let Some(problem) = public_problem(page, document.as_ref(), &observations) {
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
    for capture in &step.captures {
        let CaptureKind::Link { within, text } = &capture.kind;
        let Some(document) = &document else {
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
            Err(verdict) => {
                return Err(Box::new(stopped(
                    check,
                    format!("capture « {} »", capture.name),
                    verdict.status,
                    verdict.expected,
                    verdict.actual,
                    page,
                )));
            }
        }
    }
    Ok(taken)
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

/// Preconditions, then assertions, then the fold.
fn judge(
    check: &Check,
    pages: &BTreeMap<String, Arc<Page>>,
    facts: &TargetFacts,
    record: &mut CheckRecord,
) {
    let observations = Observations::new(pages, facts.clone());
    for precondition in &check.only_if {
        let result = check::evaluate(precondition, check.severity, &observations);
        match result.status {
            AssertionStatus::Passed => record.assertions.push(result),
            AssertionStatus::Failed => {
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
    let results: Vec<AssertionResult> = check
        .assertions
        .iter()
        .map(|assertion| check::evaluate(assertion, check.severity, &observations))
        .collect();
    record.outcome = check::fold(&results, check.review);
    record.assertions.extend(results);
}
