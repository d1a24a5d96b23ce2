//! Semantic validation: from the file entries to the typed model, collecting
//! every problem instead of stopping at the first.
//!
//! Checked here: format version, identifiers and their uniqueness inside a
//! check, references to the source register, capabilities, step and capture
//! names, phrase lists, CSS selectors, regular expressions, interpolation
//! variables (including that a capture is taken before it is used), numeric
//! bounds. Uniqueness across files is checked by `catalog`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::diagnostic::Diagnostic;
use super::file::{
    AssertionEntry, CaptureEntry, CheckEntry, LoginEntry, PersonalDataEntry, RefEntry,
    SecurityHeaderEntry, StepEntry, StepOnlyEntry, SuiteFile, ZoneEntry,
};
use super::located::Located;
use super::model::{
    AccessibilityState, Action, Assertion, AssertionKind, Capture, CaptureKind, Check,
    CookieAttribute, Css, HeaderProtection, LoginStep, Pattern, PhraseList, Reference, SsoService,
    Step, Suite, VirtualUser, Zone,
};
use super::problems::Problems;
use super::quantity::parse_duration;
use super::target::Capability;
use super::template::{Template, is_identifier};
use crate::gar::{GarRule, GarStep};
use crate::idp::Attack;
use crate::privacy::PersonalDataRule;
use crate::reversibility::{DelcertRule, ExportRule};
use crate::sec::{AccessRule, LocalLoginRule, TlsRule};
use crate::stats::{StatsRule, StatsSpec};

/// What a check's validation needs to know about the suite.
struct SuiteScope<'a> {
    id: &'a str,
    sources: &'a BTreeMap<String, super::file::SourceEntry>,
    phrases: &'a BTreeMap<String, PhraseList>,
    /// The `statistics:` block, validated; `Err(true)` when it was given
    /// but is invalid (already reported), `Err(false)` when absent.
    statistics: Result<Arc<StatsSpec>, bool>,
}

/// Validates one parsed file; returns the suite when it has no problem, and
/// appends every problem to `problems` otherwise.
pub(super) fn validate_suite(
    file: &str,
    text: &str,
    sha256: String,
    raw: SuiteFile,
    problems: &mut Vec<Diagnostic>,
) -> Option<Suite> {
    let mut cx = Problems::new(file, text);
    if raw.schema.value != 1 {
        cx.error(
            &raw.schema,
            format!(
                "version de format {} inconnue : seule la version 1 existe",
                raw.schema.value
            ),
        );
    }
    let suite_id = raw.suite.value.clone();
    if !is_suite_id(&suite_id) {
        cx.error(
            &raw.suite,
            format!(
                "identifiant de suite « {suite_id} » invalide : majuscules et chiffres, ex. FOOTER"
            ),
        );
    }
    if raw.title.trim().is_empty() {
        cx.error(&raw.suite, "la suite doit avoir un titre (title)");
    }
    for (name, source) in &raw.sources {
        if source.title.trim().is_empty() {
            cx.error(&raw.suite, format!("la source « {name} » n'a pas de titre"));
        }
    }
    let mut phrases = BTreeMap::new();
    for (name, list) in &raw.phrases {
        if !is_identifier(name) {
            cx.error(
                list,
                format!("nom de liste « {name} » invalide : minuscules, chiffres, _"),
            );
        }
        let empty = |p: &String| {
            p.split('|')
                .any(|w| w.trim().trim_start_matches('^').trim().is_empty())
        };
        if list.value.is_empty() || list.value.iter().any(empty) {
            cx.error(
                list,
                format!("la liste « {name} » doit contenir des formulations non vides"),
            );
        }
        phrases.insert(
            name.clone(),
            PhraseList {
                name: name.clone(),
                phrases: list.value.clone().into(),
            },
        );
    }
    if raw.checks.is_empty() {
        cx.error(&raw.suite, "la suite ne contient aucun contrôle (checks)");
    }
    let statistics = match &raw.statistics {
        Some(entry) => crate::stats::validate_spec(&mut cx, entry)
            .map(Arc::new)
            .ok_or(true),
        None => Err(false),
    };
    let scope = SuiteScope {
        id: &suite_id,
        sources: &raw.sources,
        phrases: &phrases,
        statistics,
    };
    let mut seen_ids: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let mut checks = Vec::new();
    for entry in raw.checks {
        let id = &entry.value.id;
        if let Some((line, column)) = seen_ids.get(&id.value) {
            cx.error(
                id,
                format!(
                    "identifiant de contrôle « {} » déjà utilisé ({file}:{line}:{column})",
                    id.value
                ),
            );
        } else {
            seen_ids.insert(id.value.clone(), (id.line, id.column));
        }
        if let Some(check) = validate_check(&mut cx, &scope, entry) {
            checks.push(Arc::new(check));
        }
    }
    let ok = cx.is_empty();
    problems.append(&mut cx.into_problems());
    ok.then(|| Suite {
        id: suite_id,
        title: raw.title,
        description: raw.description,
        file: file.to_owned(),
        sha256,
        checks,
    })
}

fn is_suite_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn validate_check(
    cx: &mut Problems<'_>,
    scope: &SuiteScope<'_>,
    entry: Located<CheckEntry>,
) -> Option<Check> {
    let before = cx.count();
    let raw = entry.value;
    let id = raw.id.value.clone();
    let expected_prefix = format!("{}-", scope.id);
    let well_formed = id
        .strip_prefix(&expected_prefix)
        .is_some_and(|n| n.len() >= 2 && n.chars().all(|c| c.is_ascii_digit()));
    if !well_formed {
        cx.error(
            &raw.id,
            format!(
                "identifiant « {id} » invalide : attendu {}-NN (ex. {}-01)",
                scope.id, scope.id
            ),
        );
    }
    if raw.title.trim().is_empty() {
        cx.error(&raw.id, format!("{id} : titre (title) vide"));
    }
    if raw.refs.is_empty() {
        cx.error(
            &raw.id,
            format!("{id} : au moins une référence (refs: source et article) est requise"),
        );
    }
    let refs: Vec<Reference> = raw
        .refs
        .iter()
        .filter_map(|r| validate_ref(cx, scope, &id, r))
        .collect();

    let mut requires = BTreeSet::new();
    for name in &raw.requires {
        match Capability::parse(&name.value) {
            Some(capability) => {
                requires.insert(capability);
            }
            None => cx.error(
                name,
                format!(
                    "capacité inconnue « {} » (connues : {})",
                    name.value,
                    Capability::names().join(", ")
                ),
            ),
        }
    }
    let timeout = raw
        .timeout
        .as_ref()
        .and_then(|t| match parse_duration(&t.value) {
            Ok(duration) => Some(duration),
            Err(message) => {
                cx.error(t, message);
                None
            }
        });

    if raw.steps.is_empty() {
        cx.error(&raw.id, format!("{id} : aucune étape (steps)"));
    }
    let mut secrets = BTreeSet::new();
    let mut captured: BTreeSet<String> = BTreeSet::new();
    let mut step_ids: BTreeSet<String> = BTreeSet::new();
    let mut steps = Vec::new();
    for step in &raw.steps {
        if let Some(step) = validate_step(
            cx,
            scope,
            &id,
            step,
            &mut step_ids,
            &mut captured,
            &mut requires,
            &mut secrets,
        ) {
            steps.push(step);
        }
    }

    if raw.assert.is_empty() {
        cx.error(&raw.id, format!("{id} : aucune assertion (assert)"));
    }
    let logins: BTreeSet<String> = steps
        .iter()
        .filter(|step| matches!(step.action, Action::Login(_)))
        .map(|step| step.id.clone())
        .collect();
    let rendered: BTreeSet<String> = steps
        .iter()
        .filter(|step| matches!(&step.action, Action::Login(login) if login.render))
        .map(|step| step.id.clone())
        .collect();
    // From the entries, not the validated steps: a statistics step whose
    // suite block is invalid (already reported) is still one.
    // The ids of the steps of one probe.
    let steps_with = |probe: fn(&StepEntry) -> bool| -> BTreeSet<String> {
        raw.steps
            .iter()
            .filter(|step| probe(&step.value))
            .map(|step| step.value.id.value.clone())
            .collect()
    };
    let statistics = steps_with(|step| step.statistics.is_some());
    let gar: BTreeMap<String, GarStep> = raw
        .steps
        .iter()
        .filter_map(|step| Some((step.value.id.value.clone(), gar_step_kind(&step.value)?)))
        .collect();
    let exports = steps_with(|step| step.export_job.is_some());
    let deletions = steps_with(|step| step.deletion.is_some());
    let tls = steps_with(|step| step.tls.is_some());
    let access = steps_with(|step| step.access.is_some());
    let throttling = steps_with(|step| step.login_throttling.is_some());
    let known = KnownSteps {
        all: &step_ids,
        access: &access,
        throttling: &throttling,
        logins: &logins,
        rendered: &rendered,
        statistics: &statistics,
        gar: &gar,
        exports: &exports,
        deletions: &deletions,
        tls: &tls,
    };
    let only_if: Vec<Assertion> = raw
        .only_if
        .iter()
        .filter_map(|a| validate_assertion(cx, scope, &known, a))
        .collect();
    let assertions: Vec<Assertion> = raw
        .assert
        .iter()
        .filter_map(|a| validate_assertion(cx, scope, &known, a))
        .collect();

    (cx.count() == before).then(|| Check {
        id,
        suite: scope.id.to_owned(),
        title: raw.title,
        description: raw.description,
        severity: raw.severity,
        refs,
        tags: raw.tags,
        requires,
        secrets,
        serial: raw.serial,
        destructive: !deletions.is_empty(),
        review: raw.review,
        timeout,
        steps,
        only_if,
        assertions,
    })
}

fn validate_ref(
    cx: &mut Problems<'_>,
    scope: &SuiteScope<'_>,
    id: &str,
    entry: &RefEntry,
) -> Option<Reference> {
    let Some(source) = scope.sources.get(&entry.source.value) else {
        let known: Vec<&str> = scope.sources.keys().map(String::as_str).collect();
        cx.error(
            &entry.source,
            format!(
                "{id} : source inconnue « {} » (déclarées dans sources : {})",
                entry.source.value,
                known.join(", ")
            ),
        );
        return None;
    };
    if entry.article.trim().is_empty() {
        cx.error(
            &entry.source,
            format!(
                "{id} : la référence à {} n'indique pas d'article",
                entry.source.value
            ),
        );
        return None;
    }
    Some(Reference {
        source: entry.source.value.clone(),
        title: source.title.clone(),
        url: source.url.clone(),
        article: entry.article.clone(),
        note: entry.note.clone(),
    })
}

#[expect(
    clippy::too_many_arguments,
    reason = "the accumulators are the check's scope; grouping them would only rename them"
)]
fn validate_step(
    cx: &mut Problems<'_>,
    scope: &SuiteScope<'_>,
    check_id: &str,
    entry: &Located<StepEntry>,
    step_ids: &mut BTreeSet<String>,
    captured: &mut BTreeSet<String>,
    requires: &mut BTreeSet<Capability>,
    secrets: &mut BTreeSet<String>,
) -> Option<Step> {
    let before = cx.count();
    let raw = &entry.value;
    let step_id = raw.id.value.clone();
    if !is_identifier(&step_id) {
        cx.error(
            &raw.id,
            format!("nom d'étape « {step_id} » invalide : minuscules, chiffres, _"),
        );
    } else if !step_ids.insert(step_id.clone()) {
        cx.error(
            &raw.id,
            format!("{check_id} : l'étape « {step_id} » est déjà définie"),
        );
    }
    let probes = [
        raw.fetch.is_some(),
        raw.login.is_some(),
        raw.statistics.is_some(),
        raw.gar_export.is_some(),
        raw.gar_sso.is_some(),
        raw.gar_mediacentre.is_some(),
        raw.export_job.is_some(),
        raw.deletion.is_some(),
        raw.tls.is_some(),
        raw.access.is_some(),
        raw.login_throttling.is_some(),
    ];
    if probes.iter().filter(|p| **p).count() > 1 {
        cx.error(
            entry,
            format!("étape « {step_id} » : une seule sonde par étape"),
        );
    }
    // The probes that take no parameter and capture nothing, with the
    // capabilities each needs.
    let plain: [(bool, &str, Action, &[Capability]); 4] = [
        (
            raw.login_throttling.is_some(),
            "login_throttling",
            Action::LoginThrottling,
            &[],
        ),
        // EduConnect's login capability (OIDC or SAML) is chosen at run
        // time: either will do.
        (
            raw.access.is_some(),
            "access",
            Action::Access,
            &[
                Capability::SeedApi,
                Capability::AgentsLogin,
                Capability::AccountPage,
            ],
        ),
        (raw.tls.is_some(), "tls", Action::Tls, &[]),
        (
            raw.deletion.is_some(),
            "deletion",
            Action::Deletion,
            &[
                Capability::SeedApi,
                Capability::ExportApi,
                Capability::DeletionApi,
                Capability::CertificateKeys,
                Capability::ObjectsApi,
            ],
        ),
    ];
    if let Some((_, name, action, needs)) = plain.into_iter().find(|(given, ..)| *given) {
        if let Some(capture) = raw.capture.values().next() {
            cx.error(capture, format!("une étape {name} ne capture rien"));
        }
        requires.extend(needs.iter().copied());
        return (cx.count() == before).then(|| Step {
            id: step_id,
            action,
            captures: Vec::new(),
        });
    }
    if let Some(export) = &raw.export_job {
        if let Some(capture) = raw.capture.values().next() {
            cx.error(capture, "une étape export_job ne capture rien");
        }
        requires.extend([Capability::SeedApi, Capability::ExportApi]);
        return (cx.count() == before).then(|| Step {
            id: step_id,
            action: Action::ExportJob {
                link_expiry: export.link_expiry,
            },
            captures: Vec::new(),
        });
    }
    if let Some(kind) = gar_step_kind(raw) {
        if let Some(capture) = raw.capture.values().next() {
            cx.error(
                capture,
                format!("une étape {} ne capture rien", kind.as_str()),
            );
        }
        let (action, needs): (Action, &[Capability]) = match kind {
            GarStep::Export => (Action::GarExport, &[Capability::GarExport]),
            GarStep::Sso => (
                Action::GarSso,
                &[
                    Capability::GarIdpMetadata,
                    Capability::GarSso,
                    Capability::GarExport,
                    Capability::EduconnectOidcLogin,
                    Capability::AccountPage,
                ],
            ),
            GarStep::Mediacentre => (
                Action::GarMediacentre,
                &[
                    Capability::GarMediacentre,
                    Capability::GarExport,
                    Capability::EduconnectOidcLogin,
                    Capability::AccountPage,
                ],
            ),
        };
        requires.extend(needs.iter().copied());
        return (cx.count() == before).then(|| Step {
            id: step_id,
            action,
            captures: Vec::new(),
        });
    }
    if let Some(statistics) = &raw.statistics {
        let _: &super::file::NoParametersEntry = statistics;
        if raw.fetch.is_some() || raw.login.is_some() {
            cx.error(
                entry,
                format!(
                    "étape « {step_id} » : une seule sonde par étape (fetch, login ou statistics)"
                ),
            );
        }
        if let Some(capture) = raw.capture.values().next() {
            cx.error(capture, "une étape statistics ne capture rien");
        }
        let spec = match &scope.statistics {
            Ok(spec) => Arc::clone(spec),
            Err(reported) => {
                if !reported {
                    cx.error(
                        entry,
                        format!(
                            "étape « {step_id} » : la suite n'a pas de bloc statistics (indicateurs, activité)"
                        ),
                    );
                }
                return None;
            }
        };
        requires.extend([
            Capability::StatisticsApi,
            Capability::EduconnectOidcLogin,
            Capability::AgentsLogin,
            Capability::AccountPage,
            Capability::Logout,
        ]);
        return (cx.count() == before).then(|| Step {
            id: step_id,
            action: Action::Statistics(spec),
            captures: Vec::new(),
        });
    }
    if let Some(login) = &raw.login {
        if raw.fetch.is_some() {
            cx.error(
                entry,
                format!("étape « {step_id} » : une seule sonde par étape (fetch ou login)"),
            );
        }
        if let Some(capture) = raw.capture.values().next() {
            cx.error(capture, "une étape login ne capture rien");
        }
        let login = validate_login(cx, login)?;
        requires.insert(login.service.capability());
        requires.insert(Capability::AccountPage);
        if login.logout {
            requires.insert(Capability::Logout);
        }
        return (cx.count() == before).then(|| Step {
            id: step_id,
            action: Action::Login(login),
            captures: Vec::new(),
        });
    }
    let Some(fetch) = &raw.fetch else {
        cx.error(
            entry,
            format!(
                "étape « {step_id} » : aucune sonde ; sondes connues : fetch, login, statistics, gar_export, gar_sso, gar_mediacentre, export_job, deletion, tls, access, login_throttling"
            ),
        );
        return None;
    };
    let url = match Template::parse(&fetch.url.value) {
        Ok(template) => {
            for capture in template.captures() {
                if !captured.contains(capture) {
                    cx.error(
                        &fetch.url,
                        format!(
                            "${{capture.{capture}}} n'est capturé par aucune étape précédente de {check_id}"
                        ),
                    );
                }
            }
            requires.extend(template.capabilities());
            secrets.extend(template.secrets().map(str::to_owned));
            Some(template)
        }
        Err(error) => {
            cx.error_inside(&fetch.url, error.offset, error.message);
            None
        }
    };
    let mut captures = Vec::new();
    for (name, capture) in &raw.capture {
        if !is_identifier(name) {
            cx.error(
                capture,
                format!("nom de capture « {name} » invalide : minuscules, chiffres, _"),
            );
        }
        if !captured.insert(name.clone()) {
            cx.error(
                capture,
                format!("{check_id} : la capture « {name} » est déjà définie"),
            );
        }
        if let Some(kind) = validate_capture(cx, scope, name, capture) {
            captures.push(Capture {
                name: name.clone(),
                kind,
                judged_by: Vec::new(),
            });
        }
    }
    if fetch.public && fetch.any_status {
        cx.error(
            &fetch.url,
            format!(
                "étape « {step_id} » : public (une page publique, donc 2xx) et any_status \
                 (tout statut) se contredisent"
            ),
        );
    }
    let method = match &fetch.method {
        None => reqwest::Method::GET,
        Some(method) => {
            let known = FETCH_METHODS.iter().find(|m| m.as_str() == method.value);
            if known.is_none() {
                cx.error(
                    method,
                    format!(
                        "étape « {step_id} » : méthode « {} » inconnue (connues : {} ; GET \
                         est la méthode par défaut)",
                        method.value,
                        FETCH_METHODS
                            .iter()
                            .map(reqwest::Method::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            } else if !fetch.any_status {
                cx.error(
                    method,
                    format!(
                        "étape « {step_id} » : une méthode que la page ne prend pas appelle une \
                         réponse d'erreur ; ajoutez any_status: true pour la juger"
                    ),
                );
            }
            known.cloned().unwrap_or(reqwest::Method::GET)
        }
    };
    let url = url?;
    (cx.count() == before).then(|| Step {
        id: step_id,
        action: Action::Fetch {
            url,
            public: fetch.public,
            public_judged_by: Vec::new(),
            any_status: fetch.any_status,
            method,
        },
        captures,
    })
}

/// The methods a `fetch` step may send besides `GET`, always without a
/// body: to a page's address, each can only be refused.
const FETCH_METHODS: [reqwest::Method; 3] = [
    reqwest::Method::PUT,
    reqwest::Method::DELETE,
    reqwest::Method::PATCH,
];

fn validate_login(cx: &mut Problems<'_>, raw: &LoginEntry) -> Option<LoginStep> {
    let service = SsoService::ALL
        .into_iter()
        .find(|s| s.as_str() == raw.service.value);
    if service.is_none() {
        let known: Vec<&str> = SsoService::ALL
            .into_iter()
            .map(SsoService::as_str)
            .collect();
        cx.error(
            &raw.service,
            format!(
                "service inconnu « {} » (connus : {})",
                raw.service.value,
                known.join(", ")
            ),
        );
    }
    let user = VirtualUser::ALL
        .into_iter()
        .find(|u| u.as_str() == raw.user.value);
    if user.is_none() {
        let known: Vec<&str> = VirtualUser::ALL
            .into_iter()
            .map(VirtualUser::as_str)
            .collect();
        cx.error(
            &raw.user,
            format!(
                "personne inconnue « {} » (connues : {})",
                raw.user.value,
                known.join(", ")
            ),
        );
    }
    let mut attack = None;
    if let Some(name) = &raw.attack {
        match Attack::parse(&name.value) {
            Some(found) => attack = Some(found),
            None => {
                let known: Vec<&str> = Attack::ALL.into_iter().map(Attack::as_str).collect();
                cx.error(
                    name,
                    format!(
                        "attaque inconnue « {} » (connues : {})",
                        name.value,
                        known.join(", ")
                    ),
                );
                return None;
            }
        }
    }
    let (service, user) = (service?, user?);
    if let Some(found) = attack
        && found.is_saml() != (service != SsoService::EduConnectOidc)
        && let Some(name) = &raw.attack
    {
        cx.error(
            name,
            format!(
                "l'attaque « {} » ne s'applique pas au service « {} »",
                found.as_str(),
                service.as_str()
            ),
        );
        return None;
    }
    if raw.logout_from_idp && service == SsoService::EduConnectOidc {
        cx.error(
            &raw.service,
            "logout_from_idp : une déconnexion à l'initiative de l'IdP est jouée en SAML \
             (educonnect-saml, agents-saml), pas en OpenID Connect"
                .to_owned(),
        );
        return None;
    }
    if raw.render
        && (attack.is_some()
            || raw.logout
            || raw.logout_from_idp
            || user == VirtualUser::UnknownPupil)
    {
        cx.error(
            &raw.service,
            "render : la page du compte est rendue dans la session ouverte par une connexion \
             sans attaque ni déconnexion, d'une personne que l'annuaire connaît (retirer attack, \
             logout ou logout_from_idp ; pas unknown-pupil)"
                .to_owned(),
        );
        return None;
    }
    Some(LoginStep {
        service,
        user,
        attack,
        logout: raw.logout,
        logout_from_idp: raw.logout_from_idp,
        render: raw.render,
    })
}

fn validate_capture(
    cx: &mut Problems<'_>,
    scope: &SuiteScope<'_>,
    name: &str,
    entry: &Located<CaptureEntry>,
) -> Option<CaptureKind> {
    let Some(link) = &entry.value.link else {
        cx.error(
            entry,
            format!("capture « {name} » : aucun type ; types connus : link"),
        );
        return None;
    };
    let within = optional_css(cx, link.within.as_ref());
    let text = phrase_list(cx, scope, &link.text);
    Some(CaptureKind::Link {
        within: within?,
        text: text?,
    })
}

fn css(cx: &mut Problems<'_>, source: &Located<String>) -> Option<Css> {
    match Css::parse(&source.value) {
        Ok(css) => Some(css),
        Err(reason) => {
            cx.error(
                source,
                format!(
                    "sélecteur CSS invalide « {} » (erreur de syntaxe : {reason} ; ou « {} » \
                     pour le pied de page de la page)",
                    source.value,
                    super::model::CONTENTINFO
                ),
            );
            None
        }
    }
}

/// `Some(None)` when absent, `Some(Some(css))` when valid, `None` when invalid.
fn optional_css(cx: &mut Problems<'_>, source: Option<&Located<String>>) -> Option<Option<Css>> {
    match source {
        None => Some(None),
        Some(source) => css(cx, source).map(Some),
    }
}

fn phrase_list(
    cx: &mut Problems<'_>,
    scope: &SuiteScope<'_>,
    name: &Located<String>,
) -> Option<PhraseList> {
    let found = scope.phrases.get(&name.value).cloned();
    if found.is_none() {
        let known: Vec<&str> = scope.phrases.keys().map(String::as_str).collect();
        cx.error(
            name,
            format!(
                "liste de formulations inconnue « {} » (déclarées dans phrases : {})",
                name.value,
                if known.is_empty() {
                    "aucune".to_owned()
                } else {
                    known.join(", ")
                }
            ),
        );
    }
    found
}

/// An optional list: `Some(None)` when absent, `None` when named but unknown.
fn optional_phrase_list(
    cx: &mut Problems<'_>,
    scope: &SuiteScope<'_>,
    name: Option<&Located<String>>,
) -> Option<Option<PhraseList>> {
    match name {
        None => Some(None),
        Some(name) => phrase_list(cx, scope, name).map(Some),
    }
}

fn pattern(cx: &mut Problems<'_>, source: &Located<String>) -> Option<Pattern> {
    match regex::RegexBuilder::new(&source.value)
        .size_limit(1 << 20)
        .build()
    {
        Ok(regex) => Some(Pattern {
            source: source.value.clone(),
            regex,
        }),
        Err(error) => {
            cx.error(
                source,
                format!(
                    "expression régulière invalide « {} » : {}",
                    source.value,
                    // The regex crate's message spans lines; its last line says what is wrong.
                    error
                        .to_string()
                        .lines()
                        .last()
                        .unwrap_or("")
                        .trim_start_matches("error: ")
                ),
            );
            None
        }
    }
}

fn step_ref(
    cx: &mut Problems<'_>,
    steps: &BTreeSet<String>,
    step: &Located<String>,
) -> Option<String> {
    if steps.contains(&step.value) {
        Some(step.value.clone())
    } else {
        let known: Vec<&str> = steps.iter().map(String::as_str).collect();
        cx.error(
            step,
            format!(
                "étape inconnue « {} » (étapes du contrôle : {})",
                step.value,
                known.join(", ")
            ),
        );
        None
    }
}

fn zone(
    cx: &mut Problems<'_>,
    steps: &BTreeSet<String>,
    step: &Located<String>,
    within: Option<&Located<String>>,
) -> Option<Zone> {
    let step = step_ref(cx, steps, step);
    let within = optional_css(cx, within);
    Some(Zone {
        step: step?,
        within: within?,
    })
}

const ASSERTION_KINDS: &str = "status, public_page, element, link, phrases, pattern, exactly_one, cookies, third_party, declared_third_parties, lang, link_names, readability, accessibility_rate, signed_in, refused, replay_refused, session_cookie, session_renewed, no_secret_in_urls, idp_logout, logout_ends_session, logout_from_idp_ends_session, unsolicited_as_declared, security_txt, discreet_error, security_header, statistics, gar, export, delcert, tls, access, local_login, personal_data";

/// The GAR probe of a step, if it has one.
fn gar_step_kind(raw: &StepEntry) -> Option<GarStep> {
    if raw.gar_export.is_some() {
        Some(GarStep::Export)
    } else if raw.gar_sso.is_some() {
        Some(GarStep::Sso)
    } else if raw.gar_mediacentre.is_some() {
        Some(GarStep::Mediacentre)
    } else {
        None
    }
}

/// The steps of a check an assertion may name: every step, and those that
/// are logins (login assertions read nothing else).
struct KnownSteps<'a> {
    all: &'a BTreeSet<String>,
    logins: &'a BTreeSet<String>,
    /// Login steps whose account page is also rendered (`render`).
    rendered: &'a BTreeSet<String>,
    statistics: &'a BTreeSet<String>,
    gar: &'a BTreeMap<String, GarStep>,
    exports: &'a BTreeSet<String>,
    deletions: &'a BTreeSet<String>,
    tls: &'a BTreeSet<String>,
    access: &'a BTreeSet<String>,
    throttling: &'a BTreeSet<String>,
}

/// `security_header`: fetch or login steps, at least one, and a known
/// protection.
fn security_header(
    cx: &mut Problems<'_>,
    known: &KnownSteps<'_>,
    entry: &SecurityHeaderEntry,
) -> Option<AssertionKind> {
    let before = cx.count();
    if entry.steps.is_empty() {
        cx.error(
            &entry.protection,
            "security_header : au moins une étape dans steps (page lue ou connexion)",
        );
    }
    let mut steps = Vec::new();
    for step in &entry.steps {
        let Some(name) = step_ref(cx, known.all, step) else {
            continue;
        };
        let other = known.statistics.contains(&name)
            || known.gar.contains_key(&name)
            || known.exports.contains(&name)
            || known.deletions.contains(&name)
            || known.tls.contains(&name)
            || known.access.contains(&name)
            || known.throttling.contains(&name);
        if other {
            cx.error(
                step,
                format!(
                    "l'étape « {name} » ne lit ni une page ni une connexion : security_header \
                     juge les en-têtes d'une page (fetch) ou du compte ouvert (login)"
                ),
            );
        } else {
            steps.push(name);
        }
    }
    let protection = HeaderProtection::ALL
        .into_iter()
        .find(|p| p.as_str() == entry.protection.value);
    if protection.is_none() {
        let known: Vec<&str> = HeaderProtection::ALL.iter().map(|p| p.as_str()).collect();
        cx.error(
            &entry.protection,
            format!(
                "protection « {} » inconnue (connues : {})",
                entry.protection.value,
                known.join(", ")
            ),
        );
    }
    if cx.count() != before {
        return None;
    }
    protection.map(|protection| AssertionKind::SecurityHeader { steps, protection })
}

/// `personal_data`: login steps, at least one, and a known rule.
fn personal_data(
    cx: &mut Problems<'_>,
    known: &KnownSteps<'_>,
    entry: &PersonalDataEntry,
) -> Option<AssertionKind> {
    let before = cx.count();
    if entry.steps.is_empty() {
        cx.error(
            &entry.rule,
            "personal_data : au moins une étape de connexion (login) dans steps",
        );
    }
    let mut steps = Vec::new();
    for step in &entry.steps {
        let Some(name) = login_ref(cx, known, step) else {
            continue;
        };
        // Read as served, a page shows only what its markup loads: the
        // requests its scripts make are the browser's to see.
        if !known.rendered.contains(&name) {
            cx.error(
                step,
                format!(
                    "personal_data : l'étape « {name} » doit rendre la page du compte dans le \
                     navigateur (login: {{…, render: true}})"
                ),
            );
            continue;
        }
        steps.push(name);
    }
    let rule = cx.rule_named(
        &PersonalDataRule::ALL,
        PersonalDataRule::as_str,
        &entry.rule,
    );
    if cx.count() != before {
        return None;
    }
    rule.map(|rule| AssertionKind::PersonalData { steps, rule })
}

fn login_ref(
    cx: &mut Problems<'_>,
    known: &KnownSteps<'_>,
    step: &Located<String>,
) -> Option<String> {
    let name = step_ref(cx, known.all, step)?;
    if known.logins.contains(&name) {
        Some(name)
    } else {
        cx.error(
            step,
            format!(
                "l'étape « {name} » n'est pas une étape login : cette assertion lit une connexion"
            ),
        );
        None
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "one arm per assertion kind; splitting would scatter a flat table"
)]
fn validate_assertion(
    cx: &mut Problems<'_>,
    scope: &SuiteScope<'_>,
    known: &KnownSteps<'_>,
    entry: &Located<AssertionEntry>,
) -> Option<Assertion> {
    let steps = known.all;
    let raw = &entry.value;
    let given = [
        raw.status.is_some(),
        raw.public_page.is_some(),
        raw.element.is_some(),
        raw.link.is_some(),
        raw.phrases.is_some(),
        raw.pattern.is_some(),
        raw.exactly_one.is_some(),
        raw.cookies.is_some(),
        raw.third_party.is_some(),
        raw.declared_third_parties.is_some(),
        raw.lang.is_some(),
        raw.link_names.is_some(),
        raw.readability.is_some(),
        raw.accessibility_rate.is_some(),
        raw.signed_in.is_some(),
        raw.refused.is_some(),
        raw.replay_refused.is_some(),
        raw.session_cookie.is_some(),
        raw.session_renewed.is_some(),
        raw.no_secret_in_urls.is_some(),
        raw.idp_logout.is_some(),
        raw.logout_ends_session.is_some(),
        raw.logout_from_idp_ends_session.is_some(),
        raw.unsolicited_as_declared.is_some(),
        raw.security_txt.is_some(),
        raw.discreet_error.is_some(),
        raw.security_header.is_some(),
        raw.statistics.is_some(),
        raw.gar.is_some(),
        raw.export.is_some(),
        raw.delcert.is_some(),
        raw.tls.is_some(),
        raw.access.is_some(),
        raw.local_login.is_some(),
        raw.personal_data.is_some(),
    ]
    .into_iter()
    .filter(|&given| given)
    .count();
    if given != 1 {
        cx.error(
            entry,
            format!(
                "une assertion a exactement un type ({given} donnés) ; types connus : {ASSERTION_KINDS}"
            ),
        );
        return None;
    }
    let before = cx.count();
    let kind = if let Some(s) = &raw.status {
        if s.codes.is_empty() || s.codes.iter().any(|c| !(100..=599).contains(c)) {
            cx.error(
                &s.step,
                "status : liste de codes HTTP (100 à 599) attendue dans in",
            );
        }
        step_ref(cx, steps, &s.step).map(|step| AssertionKind::Status {
            step,
            codes: s.codes.clone(),
        })
    } else if let Some(p) = &raw.public_page {
        step_ref(cx, steps, &p.step).map(|step| AssertionKind::PublicPage { step })
    } else if let Some(s) = &raw.security_txt {
        step_ref(cx, steps, &s.step).map(|step| AssertionKind::SecurityTxt { step })
    } else if let Some(d) = &raw.discreet_error {
        step_ref(cx, steps, &d.step).map(|step| AssertionKind::DiscreetError { step })
    } else if let Some(h) = &raw.security_header {
        security_header(cx, known, h)
    } else if let Some(p) = &raw.personal_data {
        personal_data(cx, known, p)
    } else if let Some(e) = &raw.element {
        let step = step_ref(cx, steps, &e.step);
        let css = css(cx, &e.css);
        step.zip(css)
            .map(|(step, css)| AssertionKind::Element { step, css })
    } else if let Some(l) = &raw.link {
        let zone = zone(cx, steps, &l.step, l.within.as_ref());
        let text = phrase_list(cx, scope, &l.text);
        zone.zip(text)
            .map(|(zone, text)| AssertionKind::Link { zone, text })
    } else if let Some(p) = &raw.phrases {
        let zone = zone(cx, steps, &p.step, p.within.as_ref());
        let any = phrase_list(cx, scope, &p.any);
        let section = optional_phrase_list(cx, scope, p.section.as_ref());
        zone.zip(any)
            .zip(section)
            .map(|((zone, any), section)| AssertionKind::Phrases { zone, any, section })
    } else if let Some(p) = &raw.pattern {
        let zone = zone(cx, steps, &p.step, p.within.as_ref());
        let compiled = pattern(cx, &p.regex);
        let min = p.min.unwrap_or(1);
        if min == 0 {
            cx.error(&p.regex, "pattern : min doit valoir au moins 1");
        }
        let section = optional_phrase_list(cx, scope, p.section.as_ref());
        zone.zip(compiled)
            .zip(section)
            .map(|((zone, pattern), section)| AssertionKind::Pattern {
                zone,
                pattern,
                min,
                section,
            })
    } else if let Some(e) = &raw.exactly_one {
        let zone = zone(cx, steps, &e.step, e.within.as_ref());
        let of = phrase_list(cx, scope, &e.of);
        if of.as_ref().is_some_and(|list| list.phrases.len() < 2) {
            cx.error(
                &e.of,
                "exactly_one : la liste doit contenir au moins deux formulations",
            );
        }
        zone.zip(of)
            .map(|(zone, of)| AssertionKind::ExactlyOne { zone, of })
    } else if let Some(c) = &raw.cookies {
        let step = step_ref(cx, steps, &c.step);
        let forbid = phrase_list(cx, scope, &c.forbid);
        step.zip(forbid)
            .map(|(step, forbid)| AssertionKind::Cookies { step, forbid })
    } else if let Some(t) = &raw.third_party {
        let step = step_ref(cx, steps, &t.step);
        let forbid = phrase_list(cx, scope, &t.forbid);
        step.zip(forbid)
            .map(|(step, forbid)| AssertionKind::ThirdParty { step, forbid })
    } else if let Some(d) = &raw.declared_third_parties {
        let step = step_ref(cx, steps, &d.step);
        let notice = zone(cx, steps, &d.notice.step, d.notice.within.as_ref());
        let except = optional_phrase_list(cx, scope, d.except.as_ref());
        step.zip(notice)
            .zip(except)
            .map(
                |((step, notice), except)| AssertionKind::DeclaredThirdParties {
                    step,
                    notice,
                    except,
                },
            )
    } else if let Some(l) = &raw.lang {
        if l.expect.trim().is_empty() {
            cx.error(&l.step, "lang : langue attendue vide");
        }
        step_ref(cx, steps, &l.step).map(|step| AssertionKind::Lang {
            step,
            expect: l.expect.trim().to_ascii_lowercase(),
        })
    } else if let Some(n) = &raw.link_names {
        let zone = zone(cx, steps, &n.step, n.within.as_ref());
        let forbid = phrase_list(cx, scope, &n.forbid);
        zone.zip(forbid)
            .map(|(zone, forbid)| AssertionKind::LinkNames { zone, forbid })
    } else if let Some(r) = &raw.readability {
        if !(r.max_average_words.is_finite() && r.max_average_words > 0.0) {
            cx.error(
                &r.step,
                "readability : max_average_words doit être un nombre positif",
            );
        }
        zone(cx, steps, &r.step, r.within.as_ref()).map(|zone| AssertionKind::Readability {
            zone,
            max_average_words: r.max_average_words,
        })
    } else if let Some(a) = &raw.accessibility_rate {
        validate_accessibility_rate(cx, steps, a)
    } else if let Some(rule) = &raw.statistics {
        validate_statistics_rule(cx, scope, known, rule)
    } else if let Some(rule) = &raw.gar {
        validate_gar_rule(cx, known, rule)
    } else if let Some(rule) = &raw.export {
        validate_export_rule(cx, known, rule)
    } else if let Some(entry) = &raw.tls {
        step_rule(
            cx,
            known,
            (known.tls, "tls"),
            (&entry.step, &entry.rule),
            &TlsRule::ALL,
            TlsRule::as_str,
        )
        .map(|(step, rule)| AssertionKind::Tls { step, rule })
    } else if let Some(entry) = &raw.local_login {
        step_rule(
            cx,
            known,
            (known.throttling, "login_throttling"),
            (&entry.step, &entry.rule),
            &LocalLoginRule::ALL,
            LocalLoginRule::as_str,
        )
        .map(|(step, rule)| AssertionKind::LocalLogin { step, rule })
    } else if let Some(entry) = &raw.access {
        step_rule(
            cx,
            known,
            (known.access, "access"),
            (&entry.step, &entry.rule),
            &AccessRule::ALL,
            AccessRule::as_str,
        )
        .map(|(step, rule)| AssertionKind::Access { step, rule })
    } else if let Some(entry) = &raw.delcert {
        step_rule(
            cx,
            known,
            (known.deletions, "deletion"),
            (&entry.step, &entry.rule),
            &DelcertRule::ALL,
            DelcertRule::as_str,
        )
        .map(|(step, rule)| AssertionKind::Delcert { step, rule })
    } else {
        validate_login_assertion(cx, scope, known, raw)
    };
    if cx.count() != before {
        return None;
    }
    let kind = kind?;
    Some(Assertion {
        label: raw.label.clone().unwrap_or_else(|| default_label(&kind)),
        article: raw.article.clone(),
        severity: raw.severity,
        kind,
    })
}

fn validate_accessibility_rate(
    cx: &mut Problems<'_>,
    steps: &BTreeSet<String>,
    entry: &super::file::AccessibilityRateEntry,
) -> Option<AssertionKind> {
    let zone_of =
        |cx: &mut Problems<'_>, z: &ZoneEntry| zone(cx, steps, &z.step, z.within.as_ref());
    let mention = zone_of(cx, &entry.mention);
    let declaration = zone_of(cx, &entry.declaration);
    if entry.states.is_empty() {
        cx.error(
            &entry.mention.step,
            "accessibility_rate : aucun état (states)",
        );
    }
    let mut states: Vec<AccessibilityState> = entry
        .states
        .iter()
        .map(|s| AccessibilityState {
            phrase: s.phrase.clone(),
            min_rate: s.min_rate,
        })
        .collect();
    if states
        .iter()
        .any(|s| s.phrase.trim().is_empty() || !(0.0..=100.0).contains(&s.min_rate))
    {
        cx.error(
            &entry.mention.step,
            "accessibility_rate : chaque état a une formulation et un min_rate entre 0 et 100",
        );
    }
    states.sort_by(|a, b| b.min_rate.total_cmp(&a.min_rate));
    if entry.rate_patterns.is_empty() {
        cx.error(
            &entry.declaration.step,
            "accessibility_rate : aucune expression de taux (rate_patterns)",
        );
    }
    let mut rate_patterns = Vec::new();
    for source in &entry.rate_patterns {
        if let Some(p) = pattern(cx, source) {
            if p.regex.captures_len() < 2 {
                cx.error(
                    source,
                    "rate_patterns : l'expression doit capturer le taux dans un groupe ( … )",
                );
            }
            rate_patterns.push(p);
        }
    }
    Some(AssertionKind::AccessibilityRate {
        mention: mention?,
        declaration: declaration?,
        states,
        rate_patterns,
    })
}

/// A login assertion that names only its step, and how to build it.
type SimpleLoginAssertion<'a> = (&'a Option<StepOnlyEntry>, fn(String) -> AssertionKind);

fn validate_login_assertion(
    cx: &mut Problems<'_>,
    scope: &SuiteScope<'_>,
    known: &KnownSteps<'_>,
    raw: &AssertionEntry,
) -> Option<AssertionKind> {
    if let Some(s) = &raw.signed_in {
        let step = login_ref(cx, known, &s.step);
        let profile = phrase_list(cx, scope, &s.profile);
        return step
            .zip(profile)
            .map(|(step, profile)| AssertionKind::SignedIn { step, profile });
    }
    if let Some(c) = &raw.session_cookie {
        let step = login_ref(cx, known, &c.step);
        let attribute = CookieAttribute::ALL
            .into_iter()
            .find(|a| a.as_str() == c.attribute.value);
        if attribute.is_none() {
            cx.error(
                &c.attribute,
                format!(
                    "attribut « {} » inconnu (connus : HttpOnly, Secure, SameSite)",
                    c.attribute.value
                ),
            );
        }
        return step
            .zip(attribute)
            .map(|(step, attribute)| AssertionKind::SessionCookie { step, attribute });
    }
    let simple: [SimpleLoginAssertion<'_>; 8] = [
        (&raw.refused, |step| AssertionKind::Refused { step }),
        (&raw.replay_refused, |step| AssertionKind::ReplayRefused {
            step,
        }),
        (&raw.session_renewed, |step| AssertionKind::SessionRenewed {
            step,
        }),
        (&raw.no_secret_in_urls, |step| {
            AssertionKind::NoSecretInUrls { step }
        }),
        (&raw.idp_logout, |step| AssertionKind::IdpLogout { step }),
        (&raw.logout_ends_session, |step| {
            AssertionKind::LogoutEndsSession { step }
        }),
        (&raw.logout_from_idp_ends_session, |step| {
            AssertionKind::LogoutFromIdpEndsSession { step }
        }),
        (&raw.unsolicited_as_declared, |step| {
            AssertionKind::UnsolicitedAsDeclared { step }
        }),
    ];
    let (entry, build) = simple.into_iter().find(|(entry, _)| entry.is_some())?;
    let entry = entry.as_ref()?;
    login_ref(cx, known, &entry.step).map(build)
}

fn zone_label(zone: &Zone) -> String {
    match &zone.within {
        Some(css) => format!("« {} » de la page « {} »", css.source, zone.step),
        None => format!("la page « {} »", zone.step),
    }
}

/// Label used when the suite gives none: says what is verified, in French.
fn default_label(kind: &AssertionKind) -> String {
    match kind {
        AssertionKind::Status { step, codes } => format!(
            "Statut HTTP de la page « {step} » parmi {}",
            codes
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        AssertionKind::PublicPage { step } => {
            format!("La page « {step} » est publique : HTML, sans connexion")
        }
        AssertionKind::Element { step, css } => {
            format!("Élément « {} » présent sur la page « {step} »", css.source)
        }
        AssertionKind::Link { zone, text } => {
            format!("Lien « {} » dans {}", text.name, zone_label(zone))
        }
        AssertionKind::Phrases { zone, any, .. } => {
            format!("Mention « {} » dans {}", any.name, zone_label(zone))
        }
        AssertionKind::Pattern { zone, pattern, .. } => {
            format!("Motif « {} » dans {}", pattern.source, zone_label(zone))
        }
        AssertionKind::ExactlyOne { zone, of } => {
            format!(
                "Une seule mention « {} » dans {}",
                of.name,
                zone_label(zone)
            )
        }
        AssertionKind::Cookies { step, forbid } => {
            format!(
                "Aucun cookie « {} » déposé par la page « {step} »",
                forbid.name
            )
        }
        AssertionKind::ThirdParty { step, forbid } => {
            format!(
                "Aucune ressource « {} » chargée par la page « {step} »",
                forbid.name
            )
        }
        AssertionKind::DeclaredThirdParties { step, notice, .. } => {
            format!(
                "Tiers contactés par la page « {step} » nommés dans {}",
                zone_label(notice)
            )
        }
        AssertionKind::Lang { step, expect } => {
            format!("Langue de la page « {step} » déclarée « {expect} »")
        }
        AssertionKind::LinkNames { zone, .. } => {
            format!("Intitulés de liens explicites dans {}", zone_label(zone))
        }
        AssertionKind::Readability {
            zone,
            max_average_words,
        } => format!(
            "Phrases de {max_average_words} mots au plus en moyenne dans {}",
            zone_label(zone)
        ),
        AssertionKind::AccessibilityRate { .. } => {
            "Mention d'accessibilité cohérente avec le taux de conformité déclaré".to_owned()
        }
        AssertionKind::SignedIn { step, .. } => {
            format!("Connexion « {step} » : la personne arrive sur son propre compte")
        }
        AssertionKind::Refused { step } => {
            format!("Connexion « {step} » : le candidat refuse la réponse frauduleuse")
        }
        AssertionKind::ReplayRefused { step } => {
            format!("Connexion « {step} » : la réponse rejouée n'ouvre aucune session")
        }
        AssertionKind::SecurityTxt { step } => {
            format!("Page « {step} » : un security.txt (RFC 9116) valide")
        }
        AssertionKind::DiscreetError { step } => {
            format!("Page « {step} » : ni pile d'appels, ni version, ni hôte interne")
        }
        AssertionKind::PersonalData { rule, .. } => rule.label_fr().to_owned(),
        AssertionKind::SecurityHeader { steps, protection } => format!(
            "Pages « {} » : en-tête de sécurité « {} »",
            steps.join(", "),
            protection.as_str()
        ),
        AssertionKind::UnsolicitedAsDeclared { step } => format!(
            "Connexion « {step} » : une réponse non sollicitée n'est acceptée que si le candidat le déclare"
        ),
        AssertionKind::SessionCookie { step, attribute } => format!(
            "Connexion « {step} » : cookie de session avec l'attribut {}",
            attribute.as_str()
        ),
        AssertionKind::SessionRenewed { step } => {
            format!("Connexion « {step} » : identifiant de session renouvelé")
        }
        AssertionKind::NoSecretInUrls { step } => {
            format!("Connexion « {step} » : aucun identifiant de session ni jeton dans les URL")
        }
        AssertionKind::IdpLogout { step } => {
            format!("Connexion « {step} » : la déconnexion est transmise au fournisseur d'identité")
        }
        AssertionKind::LogoutEndsSession { step } => {
            format!("Connexion « {step} » : la session est fermée côté serveur")
        }
        AssertionKind::LogoutFromIdpEndsSession { step } => {
            format!("Connexion « {step} » : la déconnexion demandée par l'IdP ferme la session")
        }
        AssertionKind::Statistics { rule, .. } => rule.label_fr().to_owned(),
        AssertionKind::Gar { rule, .. } => rule.label_fr().to_owned(),
        AssertionKind::Export { rule, .. } => rule.label_fr().to_owned(),
        AssertionKind::Delcert { rule, .. } => rule.label_fr().to_owned(),
        AssertionKind::Tls { rule, .. } => rule.label_fr().to_owned(),
        AssertionKind::Access { rule, .. } => rule.label_fr().to_owned(),
        AssertionKind::LocalLogin { rule, .. } => rule.label_fr().to_owned(),
    }
}

fn validate_export_rule(
    cx: &mut Problems<'_>,
    known: &KnownSteps<'_>,
    entry: &super::file::ExportRuleEntry,
) -> Option<AssertionKind> {
    step_rule(
        cx,
        known,
        (known.exports, "export_job"),
        (&entry.step, &entry.rule),
        &ExportRule::ALL,
        ExportRule::as_str,
    )
    .map(|(step, rule)| AssertionKind::Export { step, rule })
}

/// The step and rule of a domain's rule assertion (`export`, `delcert`,
/// `tls`): the step must be one of `steps`, those of the `probe` that
/// records what the rule reads, and the rule one of `all`.
fn step_rule<R: Copy>(
    cx: &mut Problems<'_>,
    known: &KnownSteps<'_>,
    (steps, probe): (&BTreeSet<String>, &str),
    (step, rule): (&Located<String>, &Located<String>),
    all: &[R],
    as_str: fn(R) -> &'static str,
) -> Option<(String, R)> {
    let name = step_ref(cx, known.all, step)?;
    if !steps.contains(&name) {
        cx.error(
            step,
            format!("l'étape « {name} » n'est pas une étape {probe}"),
        );
        return None;
    }
    let rule = cx.rule_named(all, as_str, rule)?;
    Some((name, rule))
}

fn validate_gar_rule(
    cx: &mut Problems<'_>,
    known: &KnownSteps<'_>,
    entry: &super::file::GarRuleEntry,
) -> Option<AssertionKind> {
    let step = step_ref(cx, known.all, &entry.step)?;
    let Some(kind) = known.gar.get(&step).copied() else {
        cx.error(
            &entry.step,
            format!(
                "l'étape « {step} » n'est pas une étape GAR (gar_export, gar_sso ou gar_mediacentre)"
            ),
        );
        return None;
    };
    let rule = cx.rule_named(&GarRule::ALL, GarRule::as_str, &entry.rule)?;
    if rule.step_kind() != kind {
        cx.error(
            &entry.rule,
            format!(
                "la règle « {} » lit une étape {}",
                rule.as_str(),
                rule.step_kind().as_str()
            ),
        );
        return None;
    }
    Some(AssertionKind::Gar { step, rule })
}

fn validate_statistics_rule(
    cx: &mut Problems<'_>,
    scope: &SuiteScope<'_>,
    known: &KnownSteps<'_>,
    entry: &super::file::StatisticsRuleEntry,
) -> Option<AssertionKind> {
    let step = step_ref(cx, known.all, &entry.step)?;
    if !known.statistics.contains(&step) {
        cx.error(
            &entry.step,
            format!("l'étape « {step} » n'est pas une étape statistics"),
        );
        return None;
    }
    let rule = cx.rule_named(&StatsRule::ALL, StatsRule::as_str, &entry.rule)?;
    let spec = scope.statistics.as_ref().ok().map(Arc::clone)?;
    Some(AssertionKind::Statistics { step, rule, spec })
}
