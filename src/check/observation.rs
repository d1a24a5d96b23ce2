//! The observations of one check, with each HTML page parsed once, and the
//! rules shared by every assertion that reads a page: non-HTML answers and
//! content missing from script-rendered pages are `error`, not `fail`.

use std::collections::BTreeMap;
use std::sync::Arc;

use reqwest::Url;

use super::outcome::{AssertionStatus, Verdict};
use super::wording::list;
use crate::browser::{Rendering, Settled};
use crate::probe::{Document, DocumentGuard, LoginTrace, Page, ParseRefused, Scope};
use crate::suite::Zone;

/// Facts about the target that some assertions need.
#[derive(Clone, Debug, Default)]
pub struct TargetFacts {
    /// The declared login page, to recognise a login wall.
    pub login_page: Option<Url>,
    /// The candidate's origins (its base URL, capabilities and declared
    /// origins): anything else is a third party.
    pub own_origins: Vec<url::Origin>,
    /// Whether the candidate declares that it accepts SAML responses it
    /// did not ask for (`[sso] unsolicited_sso`).
    pub unsolicited_sso: bool,
    /// The run's time when judging began, read from its clock, for the
    /// judges that compare a date the candidate published with now.
    pub now: chrono::DateTime<chrono::Utc>,
}

impl TargetFacts {
    /// Whether `url` is one of the candidate's origins.
    pub fn owns(&self, url: &Url) -> bool {
        let origin = url.origin();
        self.own_origins.contains(&origin)
    }
}

struct Observed<'a> {
    page: Arc<Page>,
    /// `None` when the page is not HTML text.
    document: Option<Result<&'a Document, ParseRefused>>,
}

/// The parsed documents of a check's pages, locked while the check is
/// judged: parsed once per run, shared by every check, read by one at a
/// time. Locks are taken in one global order (the pages' addresses), so
/// two checks judging the same pages never wait on each other.
pub struct Documents<'p> {
    locked: Vec<(usize, DocumentGuard<'p>)>,
}

impl<'p> Documents<'p> {
    /// Locks the documents of `pages` (parsing those not parsed yet).
    pub fn lock(pages: impl IntoIterator<Item = &'p Arc<Page>>) -> Self {
        let mut unique: Vec<&'p Arc<Page>> = pages.into_iter().collect();
        unique.sort_by_key(|page| Arc::as_ptr(page) as usize);
        unique.dedup_by_key(|page| Arc::as_ptr(page) as usize);
        let locked = unique
            .into_iter()
            .filter_map(|page| Some((Arc::as_ptr(page) as usize, page.document()?)))
            .collect();
        Self { locked }
    }

    /// No document.
    pub fn none() -> Self {
        Self { locked: Vec::new() }
    }

    fn of(&self, page: &Arc<Page>) -> Option<Result<&Document, ParseRefused>> {
        let key = Arc::as_ptr(page) as usize;
        self.locked
            .iter()
            .find(|(at, _)| *at == key)
            .map(|(_, guard)| guard.get().map_err(Clone::clone))
    }
}

/// A step whose page was not read: left unfetched for a cause another
/// check judges (`n/a`), or failed to read (`error`, or `fail` when the
/// page is not public and no other check says so).
#[derive(Clone, Debug)]
pub struct Unread {
    /// What an assertion needing the page becomes.
    pub status: AssertionStatus,
    /// Why, in French.
    pub why: String,
}

/// Someone as the candidate should show them on the account page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Person {
    /// "Prénom Nom".
    pub name: String,
    /// Name of the school.
    pub school: String,
    /// Names of the children a parent's account must list.
    pub children: Vec<String>,
}

/// What a `login` step observed, with what the check must compare it to.
#[derive(Clone, Debug)]
pub struct LoginObservation {
    /// The login as played (with its attack, if any).
    pub trace: LoginTrace,
    /// The same person logging in with a well-behaved IdP, run first so
    /// that a refusal proves something.
    pub control: Option<LoginTrace>,
    /// Who the IdP authenticated.
    pub expected: Person,
    /// What the IdP asserted of them (names, identifiers, e-mail): the
    /// personal data the candidate received.
    pub asserted: crate::idp::Identity,
    /// Who must not get in: the person the bad answer names.
    pub intruder: Person,
    /// The bad answer, described (French), if any.
    pub attack: Option<String>,
    /// The other variants of the attack's family, played after the first
    /// (the one above), each in a fresh browser.
    pub variants: Vec<Attempt>,
    /// The service, described (French).
    pub service: String,
}

/// One more variant of an attack, as played.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// The bad answer, described (French).
    pub attack: Option<String>,
    /// The login as played.
    pub trace: LoginTrace,
    /// Who must not get in.
    pub intruder: Person,
}

/// The pages a check fetched, by step id.
pub struct Observations<'a> {
    steps: BTreeMap<String, Observed<'a>>,
    logins: BTreeMap<String, Arc<LoginObservation>>,
    /// Each domain's once-per-run observations, by step id.
    shared: BTreeMap<String, Arc<dyn SharedObservation>>,
    /// Steps whose page was not read, with why.
    unread: BTreeMap<String, Unread>,
    /// Facts about the target.
    pub target: TargetFacts,
}

/// A domain's once-per-run observation (the GAR export, the statistics,
/// the exports…), as the core holds it without knowing its type: the
/// evidence it rests on, and its type for the domain's judges to get it
/// back ([`Observations::shared`]).
pub trait DomainObservation: std::any::Any + Send + Sync {
    /// Ids of the evidence exchanges it rests on.
    fn exchanges(&self) -> Vec<String>;
}

/// A step's shared observation, or why the work failed, type erased.
pub trait SharedObservation: Send + Sync {
    /// For the domain's judges, which know the type.
    fn as_any(&self) -> &dyn std::any::Any;
    /// Why there is no observation, if the work failed.
    fn failure(&self) -> Option<&str>;
    /// Ids of the evidence exchanges it rests on (none if it failed).
    fn exchanges(&self) -> Vec<String>;
}

impl<T: DomainObservation> SharedObservation for Result<T, String> {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn failure(&self) -> Option<&str> {
        self.as_ref().err().map(String::as_str)
    }

    fn exchanges(&self) -> Vec<String> {
        self.as_ref()
            .map(DomainObservation::exchanges)
            .unwrap_or_default()
    }
}

impl<'a> Observations<'a> {
    /// The pages of a check, with their documents as `documents` holds
    /// them locked.
    pub fn new(
        pages: &BTreeMap<String, Arc<Page>>,
        documents: &'a Documents<'_>,
        target: TargetFacts,
    ) -> Self {
        let steps = pages
            .iter()
            .map(|(step, page)| {
                (
                    step.clone(),
                    Observed {
                        page: Arc::clone(page),
                        document: documents.of(page),
                    },
                )
            })
            .collect();
        Self {
            steps,
            logins: BTreeMap::new(),
            shared: BTreeMap::new(),
            unread: BTreeMap::new(),
            target,
        }
    }

    /// Adds the once-per-run observations of the check's steps.
    #[must_use]
    pub fn with_shared(mut self, shared: BTreeMap<String, Arc<dyn SharedObservation>>) -> Self {
        self.shared = shared;
        self
    }

    /// The observation of type `T` a step shares, or the verdict saying why
    /// there is none: the work failed (`what` names what was expected), the
    /// step is unknown, or it observes something else.
    pub fn shared<T: DomainObservation>(&self, step: &str, what: &str) -> Result<&T, Verdict> {
        let Some(shared) = self.shared.get(step) else {
            return Err(missing_step(step));
        };
        match shared.as_any().downcast_ref::<Result<T, String>>() {
            Some(Ok(observation)) => Ok(observation),
            Some(Err(why)) => Err(Verdict::error(what, why.clone())),
            None => Err(Verdict::error(
                what,
                format!("l'étape « {step} » n'observe pas cela (fichier de suite à corriger)"),
            )),
        }
    }

    /// Adds the steps whose page was not read, with why.
    #[must_use]
    pub fn with_unread(mut self, unread: BTreeMap<String, Unread>) -> Self {
        self.unread = unread;
        self
    }

    /// Why a step's page was not read, if it was not: for assertions that
    /// read a step only when they need it
    /// ([`crate::suite::AssertionKind::needed_steps`]).
    pub fn unread(&self, step: &str) -> Option<&Unread> {
        self.unread.get(step)
    }

    /// Adds the logins of the check.
    #[must_use]
    pub fn with_logins(mut self, logins: BTreeMap<String, Arc<LoginObservation>>) -> Self {
        self.logins = logins;
        self
    }

    /// The login of a step.
    pub fn login(&self, step: &str) -> Result<&LoginObservation, Verdict> {
        self.logins
            .get(step)
            .map(Arc::as_ref)
            .ok_or_else(|| missing_step(step))
    }

    /// The page of a step.
    pub fn page(&self, step: &str) -> Result<&Page, Verdict> {
        self.steps
            .get(step)
            .map(|o| o.page.as_ref())
            .ok_or_else(|| missing_step(step))
    }

    /// The page of a step and its parsed HTML; an error verdict when the
    /// answer is not HTML, since nothing HTML can be judged in it.
    pub fn document(&self, step: &str, expected: &str) -> Result<(&Page, &Document), Verdict> {
        let observed = self.steps.get(step).ok_or_else(|| missing_step(step))?;
        match &observed.document {
            Some(Ok(document)) => Ok((&observed.page, document)),
            Some(Err(refused)) => Err(Verdict::error(
                expected,
                format!(
                    "la page « {step} » ({}) n'a pas pu être lue : {refused}",
                    observed.page.final_url
                ),
            )),
            None => Err(Verdict::error(
                expected,
                format!(
                    "la réponse de la page « {step} » ({}) n'est pas du HTML ({}) : rien à y lire",
                    observed.page.final_url,
                    observed.page.media_type_label()
                ),
            )),
        }
    }

    /// Evidence exchanges of these steps.
    pub fn exchanges(&self, steps: &[&str]) -> Vec<String> {
        let pages = steps
            .iter()
            .filter_map(|step| self.steps.get(*step))
            .flat_map(|o| o.page.exchanges());
        let logins = steps
            .iter()
            .filter_map(|step| self.logins.get(*step))
            .flat_map(|login| {
                let mut ids = login.trace.exchanges();
                if let Some(control) = &login.control {
                    ids.extend(control.exchanges());
                }
                ids
            });
        let shared = steps
            .iter()
            .filter_map(|step| self.shared.get(*step))
            .flat_map(|shared| shared.exchanges());
        let mut ids: Vec<String> = pages.chain(logins).chain(shared).collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// The text of a zone, or the verdict saying why there is none.
    pub fn zone_text(&self, zone: &Zone, expected: &str) -> Result<String, Verdict> {
        let (page, document) = self.document(&zone.step, expected)?;
        let within = zone.within.as_ref().map(|css| &css.scope);
        document
            .text(within)
            .ok_or_else(|| absent(zone, page, document, expected))
    }
}

fn missing_step(step: &str) -> Verdict {
    Verdict::error(
        "une observation de l'étape",
        format!("l'étape « {step} » n'a rien observé"),
    )
}

/// The verdict for a zone or element that the served HTML does not contain.
///
/// `error` only when the markup shows that scripts draw the content
/// ([`Document::script_drawn`]): entconf runs no JavaScript and must not
/// guess. A page that merely loads scripts is judged as served, with a note,
/// since almost every real page loads some.
pub(crate) fn absent(zone: &Zone, page: &Page, document: &Document, expected: &str) -> Verdict {
    let what = match &zone.within {
        Some(css) => format!("aucun élément {}", css.quoted()),
        None => "page vide".to_owned(),
    };
    let within = zone.within.as_ref().map(|css| &css.scope);
    absent_element(&what, page, document, expected, within)
}

/// Like [`absent`], for a described element, sought `within` a scope if
/// any.
pub(crate) fn absent_element(
    what: &str,
    page: &Page,
    document: &Document,
    expected: &str,
    within: Option<&Scope>,
) -> Verdict {
    let found = format!("{what} dans {}", page.final_url);
    not_found(Verdict::fail(expected, found), page, document, within)
}

/// Turns a failed lookup into `error` when the markup shows that scripts
/// draw what was sought, naming that evidence; otherwise keeps the failure
/// and, when the page loads scripts, says that it was judged as served.
pub(crate) fn not_found(
    verdict: Verdict,
    page: &Page,
    document: &Document,
    within: Option<&Scope>,
) -> Verdict {
    if verdict.status != AssertionStatus::Failed {
        return verdict;
    }
    if let Some(rendering) = &page.rendering {
        let verdict = rendered_absent(verdict, rendering);
        if verdict.status != AssertionStatus::Failed {
            return verdict;
        }
        let actual = with_set_aside(verdict.actual, document, within);
        return Verdict::fail(verdict.expected, actual);
    }
    if let Some(evidence) = document.script_drawn(within) {
        return Verdict::error(
            verdict.expected,
            format!(
                "{} — mais {} y montre un contenu produit par JavaScript ({evidence}), \
                 qu'entconf n'exécute pas : à vérifier dans un navigateur, ou servir ce \
                 contenu dans le HTML initial",
                verdict.actual, page.final_url
            ),
        );
    }
    let actual = with_set_aside(verdict.actual, document, within);
    let scripts = document.script_count();
    if scripts == 0 {
        return Verdict::fail(verdict.expected, actual);
    }
    Verdict::fail(
        verdict.expected,
        format!(
            "{actual} ({scripts} script(s) sans indice qu'ils produisent ce contenu : page jugée \
             telle que servie)"
        ),
    )
}

/// `actual`, naming the footers set aside when the page footer was sought:
/// the footer a person sees may be one of these, and the editor must know
/// why it was not taken as the page's.
fn with_set_aside(actual: String, document: &Document, within: Option<&Scope>) -> String {
    if !matches!(within, Some(Scope::Contentinfo)) {
        return actual;
    }
    let aside = document.set_aside_footers();
    if aside.is_empty() {
        return actual;
    }
    format!(
        "{actual} ; écarté(s), car pied de page d'une partie et non de la page : {}",
        aside.join(", ")
    )
}

/// What a page the browser rendered says about missing content, as facts:
/// `error` when what draws the page did not arrive (a script or a call that
/// failed, or requests still pending at the deadline), naming it; a
/// failure otherwise, since the scripts ran and the content is still not
/// there (with the uncaught exceptions, which may be why).
pub(crate) fn rendered_absent(verdict: Verdict, rendering: &Rendering) -> Verdict {
    let bounded = |items: Vec<String>| list(&items, 5, " ; ");
    let failed = rendering.failed_requests();
    if !failed.is_empty() {
        return Verdict::error(
            verdict.expected,
            format!(
                "{} — mais la page rendue par le navigateur ({}) n'a pas reçu ce qui la dessine : {} \
                 ; à corriger ou à relancer avant de conclure",
                verdict.actual,
                rendering.id,
                bounded(failed.iter().map(|r| r.describe()).collect())
            ),
        );
    }
    if let Settled::Deadline {
        after_ms,
        loaded,
        inflight,
    } = &rendering.settled
    {
        let state = if *loaded {
            "chargée"
        } else {
            "pas encore chargée (événement load absent)"
        };
        let pending = if inflight.is_empty() {
            String::new()
        } else {
            format!(", requêtes encore en cours : {}", bounded(inflight.clone()))
        };
        return Verdict::error(
            verdict.expected,
            format!(
                "{} — mais la page rendue par le navigateur ({}) n'était pas stable au bout de {} s \
                 ({state}{pending}) : contenu peut-être pas encore dessiné",
                verdict.actual,
                rendering.id,
                after_ms / 1000
            ),
        );
    }
    let exceptions: Vec<String> = rendering
        .console
        .iter()
        .filter(|c| c.kind == "exception")
        .map(|c| match &c.source {
            Some(source) => format!("{} ({source})", c.text),
            None => c.text.clone(),
        })
        .collect();
    let note = if exceptions.is_empty() {
        String::new()
    } else {
        format!(" ; exceptions non rattrapées : {}", bounded(exceptions))
    };
    Verdict::fail(
        verdict.expected,
        format!(
            "{} (page rendue par le navigateur, {} : scripts exécutés, page stable, contenu \
             toujours absent{note})",
            verdict.actual, rendering.id
        ),
    )
}

/// Turns a failing verdict on a zone's text into `error` when the markup
/// shows that scripts draw it (see [`not_found`]).
pub(crate) fn unless_script_shell(
    verdict: Verdict,
    zone: &Zone,
    observations: &Observations,
) -> Verdict {
    if verdict.status != AssertionStatus::Failed {
        return verdict;
    }
    let Ok((page, document)) = observations.document(&zone.step, &verdict.expected) else {
        return verdict;
    };
    let within = zone.within.as_ref().map(|css| &css.scope);
    not_found(verdict, page, document, within)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::ConsoleEntry;
    use crate::browser::sample::{rendering, request};

    fn missing() -> Verdict {
        Verdict::fail(
            "un pied de page",
            "aucun élément footer dans https://ent.test/accueil",
        )
    }

    #[test]
    fn a_rendered_page_whose_content_is_still_missing_fails_with_its_exceptions() {
        let mut page = rendering(
            Settled::Quiet { after_ms: 700 },
            vec![request(
                "https://ent.test/app.js",
                "Script",
                Some(200),
                None,
            )],
        );
        page.console.push(ConsoleEntry {
            kind: "exception".to_owned(),
            text: "TypeError: footer is null".to_owned(),
            source: Some("https://ent.test/app.js:12".to_owned()),
        });
        let verdict = rendered_absent(missing(), &page);
        assert_eq!(verdict.status, AssertionStatus::Failed, "{verdict:?}");
        assert_eq!(
            verdict.actual,
            "aucun élément footer dans https://ent.test/accueil (page rendue par le navigateur, \
             r0001 : scripts exécutés, page stable, contenu toujours absent ; exceptions non \
             rattrapées : TypeError: footer is null (https://ent.test/app.js:12))"
        );
    }

    #[test]
    fn a_script_that_did_not_load_makes_missing_content_an_error_naming_it() {
        let page = rendering(
            Settled::Quiet { after_ms: 700 },
            vec![
                // A missing icon explains nothing…
                request("https://ent.test/favicon.ico", "Other", Some(404), None),
                // …a script that did not load does.
                request(
                    "https://ent.test/pied.js",
                    "Script",
                    Some(503),
                    Some("net::ERR_ABORTED"),
                ),
            ],
        );
        let verdict = rendered_absent(missing(), &page);
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict.actual.ends_with(
                "n'a pas reçu ce qui la dessine : Script https://ent.test/pied.js (503, \
                 net::ERR_ABORTED, demandée par script https://ent.test/app.js:3) ; à corriger \
                 ou à relancer avant de conclure"
            ),
            "{}",
            verdict.actual
        );
        assert!(!verdict.actual.contains("favicon"));
    }

    #[test]
    fn a_page_still_busy_at_the_deadline_is_an_error_naming_its_pending_requests() {
        let page = rendering(
            Settled::Deadline {
                after_ms: 10_000,
                loaded: true,
                inflight: vec!["https://ent.test/api/pied".to_owned()],
            },
            Vec::new(),
        );
        let verdict = rendered_absent(missing(), &page);
        assert_eq!(verdict.status, AssertionStatus::Error, "{verdict:?}");
        assert!(
            verdict.actual.ends_with(
                "n'était pas stable au bout de 10 s (chargée, requêtes encore en cours : \
                 https://ent.test/api/pied) : contenu peut-être pas encore dessiné"
            ),
            "{}",
            verdict.actual
        );
    }

    #[test]
    fn a_holding_verdict_is_left_alone() {
        let page = rendering(
            Settled::Deadline {
                after_ms: 10_000,
                loaded: false,
                inflight: Vec::new(),
            },
            Vec::new(),
        );
        let verdict = Verdict::pass("un pied de page", "présent");
        let page_url = reqwest::Url::parse("https://ent.test/accueil").expect("url");
        let mut served = Page::served(
            page_url,
            200,
            Some("text/html".to_owned()),
            crate::probe::PageBody::Text("<footer>x</footer>".into()),
        );
        served.rendering = Some(Arc::new(page));
        let document = Document::parse("<footer>x</footer>", &served.final_url).expect("parsed");
        let verdict = not_found(verdict, &served, &document, None);
        assert_eq!(verdict.status, AssertionStatus::Passed);
    }
}
