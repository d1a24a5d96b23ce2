//! The HTML report: one self-contained French page (inline CSS, no script,
//! no external resource) that a reviewer can archive or print. Everything
//! from the candidate is escaped by minijinja's HTML auto-escaping.
//!
//! Pages the browser rendered are shown beside the checks that read them:
//! each reduced screenshot is embedded once (an SVG `<image>` in a hidden
//! `<svg>`) and drawn wherever it is referenced (`<use>`), so a page read by
//! twenty checks weighs once. Embedded thumbnails stop at
//! [`THUMBNAIL_BUDGET`]; past it a check links to the full image in
//! `evidence/` instead.

use minijinja::Environment;
use serde::Serialize;

use super::causes::{Cause, causes};
use super::finding::references;
use super::record::{CheckRecord, Conclusion, RunRecord};
use crate::browser::{Rendering, Screenshot, Settled};
use crate::check::Outcome;
use crate::suite::Severity;

const TEMPLATE: &str = include_str!("report.html");

/// Bytes of reduced screenshots (base64) embedded in one report.
pub const THUMBNAIL_BUDGET: usize = 3 << 20;

#[derive(Serialize)]
struct ShotDef<'a> {
    id: &'a str,
    data: &'a str,
    width: u32,
    height: u32,
}

#[derive(Serialize)]
struct ShotView<'a> {
    id: &'a str,
    url: &'a str,
    file: Option<&'a str>,
    embedded: bool,
    width: u32,
    height: u32,
    label: String,
    settled: String,
}

#[derive(Serialize)]
struct RenderingView<'a> {
    rendering: &'a Rendering,
    settled: String,
}

#[derive(Serialize)]
struct View<'a> {
    record: &'a RunRecord,
    conclusion: &'static str,
    conclusion_class: &'static str,
    outcomes: Vec<OutcomeView>,
    severities: Vec<SeverityView>,
    suites: Vec<SuiteView<'a>>,
    /// Checks a human must confirm, for the reviewer section.
    reviewed: Vec<CheckView<'a>>,
    /// Reduced screenshots embedded once.
    shots: Vec<ShotDef<'a>>,
    renderings: Vec<RenderingView<'a>>,
    thumbnail_budget_mib: usize,
}

#[derive(Serialize)]
struct OutcomeView {
    label: &'static str,
    class: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct SeverityView {
    label: String,
    counts: Vec<usize>,
    total: usize,
}

#[derive(Serialize)]
struct SuiteView<'a> {
    id: &'a str,
    title: &'a str,
    file: &'a str,
    sha256: &'a str,
    /// The suite's findings grouped by cause, root failures first.
    causes: Vec<CauseView>,
    checks: Vec<CheckView<'a>>,
}

#[derive(Serialize)]
struct CauseView {
    cause: Cause,
    outcome: &'static str,
    outcome_class: &'static str,
}

#[derive(Serialize)]
struct CheckView<'a> {
    check: &'a CheckRecord,
    anchor: String,
    outcome: &'static str,
    outcome_class: &'static str,
    severity: String,
    references: String,
    /// Screenshots of the pages the check read.
    shots: Vec<ShotView<'a>>,
}

/// Renders the report page.
pub fn render(record: &RunRecord) -> Result<String, minijinja::Error> {
    let mut environment = Environment::new();
    environment.add_template("report.html", TEMPLATE)?;
    let (conclusion_class, conclusion) = match record.summary.conclusion {
        Conclusion::Conformant => ("pass", "Conforme"),
        Conclusion::NotConformant => ("fail", "Non conforme"),
        Conclusion::Incomplete => (
            "error",
            "Incomplet : des vérifications n'ont pas pu être évaluées",
        ),
    };
    let mut shots = Vec::new();
    let mut spent = 0;
    for rendering in &record.renderings {
        if let Some(shot) = &rendering.screenshot
            && spent + shot.thumbnail.len() <= THUMBNAIL_BUDGET
        {
            spent += shot.thumbnail.len();
            let (width, height) = thumbnail_size(shot);
            shots.push(ShotDef {
                id: &rendering.id,
                data: &shot.thumbnail,
                width,
                height,
            });
        }
    }
    let embedded: Vec<&str> = shots.iter().map(|s| s.id).collect();
    let check_view = |check| check_view(check, record, &embedded);
    let order: Vec<Outcome> = Outcome::ALL.iter().rev().copied().collect();
    let outcomes = order
        .iter()
        .map(|o| OutcomeView {
            label: o.label_fr(),
            class: css_class(*o),
            count: record.summary.count(*o),
        })
        .collect();
    let severities = [Severity::Must, Severity::Should, Severity::Info]
        .into_iter()
        .filter_map(|severity| {
            let counts = record.summary.by_severity.get(&severity)?;
            let row: Vec<usize> = order
                .iter()
                .map(|o| counts.get(o).copied().unwrap_or(0))
                .collect();
            Some(SeverityView {
                label: format!("{} ({})", severity.label_fr(), severity.as_str()),
                total: row.iter().sum(),
                counts: row,
            })
        })
        .collect();
    let suites = record
        .suites
        .iter()
        .map(|suite| {
            let checks: Vec<&CheckRecord> = record
                .checks
                .iter()
                .filter(|c| c.suite == suite.id)
                .collect();
            SuiteView {
                id: &suite.id,
                title: &suite.title,
                file: &suite.file,
                sha256: &suite.sha256,
                causes: causes(&checks)
                    .into_iter()
                    .map(|cause| CauseView {
                        outcome: cause.outcome.label_fr(),
                        outcome_class: css_class(cause.outcome),
                        cause,
                    })
                    .collect(),
                checks: checks.into_iter().map(check_view).collect(),
            }
        })
        .collect();
    let reviewed = record
        .checks
        .iter()
        .filter(|c| c.review)
        .map(check_view)
        .collect();
    let renderings = record
        .renderings
        .iter()
        .map(|rendering| RenderingView {
            rendering,
            settled: settled_label(&rendering.settled),
        })
        .collect();
    let view = View {
        record,
        conclusion,
        conclusion_class,
        outcomes,
        severities,
        suites,
        reviewed,
        shots,
        renderings,
        thumbnail_budget_mib: THUMBNAIL_BUDGET >> 20,
    };
    environment
        .get_template("report.html")?
        .render(minijinja::value::Serde(&view))
}

/// The thumbnail's size in pixels: the top of the page (at most 2,400 CSS
/// pixels) reduced to a quarter.
fn thumbnail_size(shot: &Screenshot) -> (u32, u32) {
    (320, shot.height.clamp(4, 2_400).div_ceil(4))
}

fn settled_label(settled: &Settled) -> String {
    match settled {
        Settled::Quiet { after_ms } => {
            format!("stable après {after_ms} ms (chargée, plus aucune requête en cours)")
        }
        Settled::Condition { after_ms } => {
            format!("prête après {after_ms} ms (condition de la cible remplie)")
        }
        Settled::Deadline {
            after_ms,
            loaded,
            inflight,
        } => format!(
            "pas stable au bout de {after_ms} ms ({}{})",
            if *loaded { "chargée" } else { "pas chargée" },
            if inflight.is_empty() {
                String::new()
            } else {
                format!(", {} requête(s) en cours", inflight.len())
            }
        ),
    }
}

fn check_view<'a>(
    check: &'a CheckRecord,
    record: &'a RunRecord,
    embedded: &[&str],
) -> CheckView<'a> {
    let shots = record
        .renderings
        .iter()
        .filter(|r| check.exchanges.contains(&r.id))
        .map(|r| {
            let (width, height) = r.screenshot.as_ref().map_or((0, 0), thumbnail_size);
            ShotView {
                id: &r.id,
                url: &r.final_url,
                file: r.screenshot.as_ref().map(|s| s.file.as_str()),
                embedded: embedded.contains(&r.id.as_str()),
                width,
                height,
                label: format!(
                    "Capture réduite de {} telle que {} l'a affichée",
                    r.final_url, r.browser
                ),
                settled: settled_label(&r.settled),
            }
        })
        .collect();
    CheckView {
        shots,
        check,
        anchor: format!("v-{}", check.id),
        outcome: check.outcome.label_fr(),
        outcome_class: css_class(check.outcome),
        severity: format!(
            "{} ({})",
            check.severity.label_fr(),
            check.severity.as_str()
        ),
        references: references(check),
    }
}

fn css_class(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "pass",
        Outcome::Review => "review",
        Outcome::Waived => "waived",
        Outcome::Warn => "warn",
        Outcome::Fail => "fail",
        Outcome::Skip => "skip",
        Outcome::NotApplicable => "na",
        Outcome::Error => "error",
    }
}
