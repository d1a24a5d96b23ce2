//! The fault matrix, read from `fixtures/fault-matrix.toml`: the clean
//! reference ENT passes every check; each seeded fault gives exactly the
//! outcomes its entry lists, with exactly the failing assertions it names,
//! and nothing else; every check is killed by at least one fault.
//!
//! One test per fault (`fault_matrix::<fault_name>`), so that nextest runs
//! them in parallel, `-E 'test(/fault_matrix::notice_missing_dpo/)'`
//! selects one, and a failure names its fault. With `ENTCONF_BLESS=1`, each
//! fault's test also writes what it observed to
//! `target/fault-matrix-observed/<fault>.toml`, to update the file by hand.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use ent_server::Fault;
use entconf::check::{AssertionStatus, Outcome};
use entconf::report::RunRecord;
use serde::Deserialize;

use super::support::{catalog, findings, run_plain_idp, run_reference};

/// The matrix file, relative to the repository.
const MATRIX: &str = "fixtures/fault-matrix.toml";
/// The generated table of the docs.
const TABLE: &str = "docs/faults.md";

/// What one check must give under a fault.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct Expected {
    /// `fail`, `warn`, `error` or `n/a`.
    outcome: String,
    /// For `fail` and `warn`: the labels of the assertions that do not
    /// hold, exactly.
    #[serde(default)]
    assertions: Vec<String>,
    /// For an attack family: the variants that got in, as the message
    /// names them (`enveloppement de signature XSW1`…), exactly.
    #[serde(default)]
    variants: Vec<String>,
}

/// One fault's entry (unknown keys are check ids: a test checks them).
#[derive(Debug, Deserialize)]
pub(crate) struct Entry {
    /// Why the outcomes other than the fault's own target follow.
    #[serde(default)]
    why: Option<String>,
    /// Check id (`FOOTER-07`) → what it gives.
    #[serde(flatten)]
    checks: BTreeMap<String, Expected>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The matrix, fault name → entry.
pub(crate) fn matrix() -> BTreeMap<String, Entry> {
    let path = root().join(MATRIX);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    toml::from_str(&text).unwrap_or_else(|error| panic!("{MATRIX}: {error}"))
}

fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::Warn => "warn",
        Outcome::Error => "error",
        Outcome::NotApplicable => "n/a",
        Outcome::Skip => "skip",
        Outcome::Review => "review",
        Outcome::Waived => "waived",
    }
}

/// What a run gave, in the matrix's terms: every check that neither passed
/// nor awaits review, with its failing assertions when it failed or warned.
fn observed(record: &RunRecord) -> BTreeMap<String, Expected> {
    let outcomes = findings(record);
    record
        .checks
        .iter()
        .filter_map(|check| {
            let outcome = *outcomes.get(&check.id)?;
            let failed = || {
                check
                    .assertions
                    .iter()
                    .filter(|a| a.status == AssertionStatus::Failed)
            };
            let assertions = if matches!(outcome, Outcome::Fail | Outcome::Warn) {
                failed()
                    .map(|a| a.label.clone())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect()
            } else {
                Vec::new()
            };
            let variants = failed()
                .filter(|a| a.expected.contains("variantes de l'attaque"))
                .flat_map(|a| variants_in(&a.actual))
                .collect();
            Some((
                check.id.clone(),
                Expected {
                    outcome: outcome_name(outcome).to_owned(),
                    assertions,
                    variants,
                },
            ))
        })
        .collect()
}

/// The variants a family's failure message says got in: the one told in
/// full (« malgré : <variant> : … »), then « autres variantes acceptées : a, b ».
fn variants_in(actual: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(rest) = actual.split_once("malgré : ").map(|(_, rest)| rest) {
        let first = rest.split(" : ").next().unwrap_or(rest);
        found.push(first.split(" ; ").next().unwrap_or(first).to_owned());
    }
    if let Some((_, others)) = actual.split_once("autres variantes acceptées : ") {
        found.extend(others.split(", ").map(str::to_owned));
    }
    found
}

/// A TOML rendering of what was observed, to paste into the matrix.
fn as_toml(name: &str, observed: &BTreeMap<String, Expected>) -> String {
    // JSON string escapes are valid TOML basic-string escapes.
    let quote = |text: &str| serde_json::Value::String(text.to_owned()).to_string();
    let mut out = format!("[{name}]\n");
    for (id, expected) in observed {
        out.push_str(&format!("{id} = {{ outcome = {}", quote(&expected.outcome)));
        if !expected.assertions.is_empty() {
            let labels: Vec<String> = expected.assertions.iter().map(|l| quote(l)).collect();
            out.push_str(&format!(", assertions = [{}]", labels.join(", ")));
        }
        if !expected.variants.is_empty() {
            let names: Vec<String> = expected.variants.iter().map(|l| quote(l)).collect();
            out.push_str(&format!(", variants = [{}]", names.join(", ")));
        }
        out.push_str(" }\n");
    }
    out
}

/// Runs the reference ENT with `fault` and compares with its entry.
async fn prove(test_name: &str) {
    let name = test_name.replace('_', "-");
    let fault = *Fault::all()
        .iter()
        .find(|f| f.name() == name)
        .unwrap_or_else(|| panic!("no fault named {name}"));
    let record = run_reference(&[fault], 4).await;
    let found = observed(&record);
    if std::env::var_os("ENTCONF_BLESS").is_some() {
        let dir = root().join("target/fault-matrix-observed");
        std::fs::create_dir_all(&dir).expect("bless folder");
        std::fs::write(dir.join(format!("{name}.toml")), as_toml(&name, &found))
            .expect("bless file");
    }
    let matrix = matrix();
    let entry = matrix
        .get(&name)
        .unwrap_or_else(|| panic!("{MATRIX} has no entry [{name}]"));
    if found != entry.checks {
        let mut lines = Vec::new();
        let ids: BTreeSet<&String> = found.keys().chain(entry.checks.keys()).collect();
        for id in ids {
            let (want, got) = (entry.checks.get(id), found.get(id));
            if want != got {
                lines.push(format!(
                    "  {id}: attendu {}, obtenu {}",
                    describe(want),
                    describe(got)
                ));
            }
        }
        panic!(
            "fault {name} ({MATRIX}) :\n{}\n\nwhat the run gave:\n{}",
            lines.join("\n"),
            as_toml(&name, &found)
        );
    }
}

fn describe(expected: Option<&Expected>) -> String {
    match expected {
        None => "pass (or review)".to_owned(),
        Some(e) if e.assertions.is_empty() => e.outcome.clone(),
        Some(e) if e.variants.is_empty() => format!("{} {:?}", e.outcome, e.assertions),
        Some(e) => format!(
            "{} {:?} variantes {:?}",
            e.outcome, e.assertions, e.variants
        ),
    }
}

/// One test per fault, named after it; `FAULT_TESTS` lists them so that a
/// test can keep the list equal to the faults and to the matrix.
macro_rules! fault_tests {
    ($($fault:ident),* $(,)?) => {
        const FAULT_TESTS: &[&str] = &[$(stringify!($fault)),*];
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $fault() {
                prove(stringify!($fault)).await;
            }
        )*
    };
}

fault_tests!(
    footer_missing_on_home,
    footer_missing_beside_menu_script,
    footer_rendered_by_script_on_home,
    footer_built_by_script_missing_notice,
    footer_script_fails_to_load,
    tracker_loaded_by_script,
    notice_link_missing,
    notice_link_in_cookie_dialog,
    home_forbidden,
    notice_requires_login,
    legal_notice_pdf,
    legal_page_huge,
    notice_missing_purposes,
    notice_missing_rights,
    notice_missing_source,
    notice_single_controller,
    notice_missing_dpo,
    notice_missing_cnil,
    login_no_first_layer,
    notice_legalese,
    notice_retention_vague,
    notice_recipients_vague,
    legal_missing_host,
    accessibility_mention_missing,
    accessibility_mention_ambiguous,
    accessibility_declaration_incomplete,
    accessibility_mention_overstated,
    accessibility_mention_overstated_on_home,
    tracker_before_consent,
    video_embed_before_consent,
    third_party_undeclared,
    no_charter_link,
    notice_undated,
    notice_update_date_far,
    html_lang_missing,
    notice_redirect_loop,
    notice_invalid_utf8,
    home_hangs,
    oidc_skip_signature,
    oidc_accept_alg_none,
    oidc_trust_embedded_jwk,
    oidc_hs256_public_key,
    oidc_skip_iat,
    oidc_any_extra_audience,
    oidc_userinfo_sub_unchecked,
    oidc_cached_jwks,
    oidc_skip_issuer,
    oidc_skip_audience,
    oidc_skip_expiry,
    oidc_skip_nonce,
    oidc_skip_state,
    oidc_code_replay,
    oidc_create_unknown_user,
    saml_accept_unsigned,
    saml_trust_embedded_key,
    saml_skip_audience,
    saml_unbound_response,
    saml_skip_recipient,
    saml_skip_destination,
    saml_skip_expiry,
    saml_no_replay_cache,
    saml_signature_wrapping,
    saml_xsw_naive_verify,
    saml_comment_truncation,
    saml_trust_key_value,
    saml_hmac_public_cert,
    saml_accept_sha1,
    saml_idp_logout_ignored,
    saml_accept_unsolicited,
    cookie_not_httponly,
    cookie_not_secure,
    cookie_no_samesite,
    session_fixation,
    session_id_in_url,
    logout_keeps_session,
    logout_skips_idp,
    oidc_wrong_academy_code,
    no_profile_chooser,
    saml_sha1_only,
    agents_no_ctemail,
    stats_missing_level,
    stats_scope_not_enforced,
    stats_no_device,
    stats_no_definitions,
    stats_counts_off_by_one,
    stats_level_sum_wrong,
    stats_unique_users_summed,
    stats_csv_wrong_columns,
    stats_no_small_cell_suppression,
    stats_week_starts_sunday,
    stats_anonymous_access,
    stats_leaks_names,
    stats_dnma_missing_keys,
    stats_huge_response,
    stats_malformed,
    gar_export_invalid_xsd,
    gar_export_dangling_group,
    gar_export_missing_pupil,
    gar_export_leaks_parents,
    gar_export_bad_md5,
    gar_export_traversal,
    gar_export_bomb,
    gar_export_ids_unstable,
    gar_metadata_cert_expired,
    gar_idp_any_issuer,
    gar_idp_any_acs,
    gar_mediacentre_no_client_cert,
    gar_mediacentre_everyone,
    gar_mediacentre_no_links,
    gar_assertion_unsigned,
    gar_assertion_leaks_name,
    export_anyone_can_start,
    export_missing_comments,
    export_file_corrupted,
    export_zip_unsafe_name,
    export_no_national_ids,
    export_link_public,
    export_other_school_leak,
    export_local_dates,
    delete_anyone,
    delcert_unsigned,
    delcert_no_signer,
    delcert_backups_late,
    delete_keeps_messages,
    delcert_lies,
    delete_keeps_accounts,
    delete_stats_stale,
    delcert_deferred,
    delcert_processors_silent,
    delcert_no_notifications,
    delcert_keeps_content,
    reversibility_plan_incomplete,
    reversibility_charges_hidden,
    export_read_only,
    deletion_log_keeps_names,
    portability_whole_school,
    security_txt_expired,
    stack_trace_on_error,
    server_version_header,
    csp_missing,
    csp_unsafe_inline,
    frame_protection_missing,
    nosniff_missing,
    referrer_policy_unsafe_url,
    security_headers_public_only,
    tls_old_versions,
    tls_cbc_suites,
    no_hsts,
    http_no_redirect,
    idor_other_school_news,
    idor_other_class_homework,
    no_login_throttling,
    name_in_third_party_url,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_reference_passes_every_check() {
    let record = run_reference(&[], 4).await;
    assert_eq!(
        findings(&record),
        BTreeMap::new(),
        "the clean reference ENT must pass"
    );
    assert_eq!(record.checks.len(), catalog().checks().count());
}

/// The matrix runs the IdPs over TLS, as EduConnect is, where SSO-10's
/// faults are a warning (OIDC Core §3.1.3.7 (6) lets TLS stand in for the
/// ID token's signature). In clear, nothing stands in: both are failures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sso_10_faults_fail_when_no_tls_stands_in_for_the_signature() {
    let selection = entconf::runner::Selection {
        checks: vec!["SSO-10".to_owned()],
        ..entconf::runner::Selection::default()
    };
    for fault in [Fault::OidcSkipSignature, Fault::OidcTrustEmbeddedJwk] {
        let record = run_plain_idp(&[fault], &selection).await;
        let check = record
            .checks
            .iter()
            .find(|c| c.id == "SSO-10")
            .expect("SSO-10 ran");
        assert_eq!(check.outcome, Outcome::Fail, "{}: {check:?}", fault.name());
        let said = format!("{check:?}");
        assert!(!said.contains("toléré"), "{}: {said}", fault.name());
        assert!(said.contains("clé inconnue"), "{}: {said}", fault.name());
    }
}

/// SSO-09 follows the target's declaration. Declared (`unsolicited_sso`),
/// the reference ENT that takes unsolicited responses passes and the
/// clean one, which refuses them, fails: the declaration is not kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sso_09_follows_the_declared_unsolicited_sso() {
    let selection = entconf::runner::Selection {
        checks: vec!["SSO-09".to_owned()],
        ..entconf::runner::Selection::default()
    };
    for (faults, expected, said) in [
        (
            &[Fault::SamlAcceptUnsolicited][..],
            Outcome::Pass,
            "sans demande préalable",
        ),
        (&[][..], Outcome::Warn, "retirer unsolicited_sso"),
    ] {
        let record = super::support::run_declaring_unsolicited(faults, &selection).await;
        let check = record
            .checks
            .iter()
            .find(|c| c.id == "SSO-09")
            .expect("SSO-09 ran");
        assert_eq!(check.outcome, expected, "{faults:?}: {check:?}");
        assert!(format!("{check:?}").contains(said), "{faults:?}: {check:?}");
    }
}

/// The reference ENT drawing its footers by script, as most ENTs do (the
/// home page's from an API, the login page's in shadow DOM), passes every
/// check once its pages are rendered by chromium; the faults of that
/// layout (`footer-built-by-script-missing-notice`,
/// `footer-script-fails-to-load`, `tracker-loaded-by-script`) run the
/// browser too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_scripted_reference_passes_every_check_in_the_browser() {
    let record = super::support::run_scripted(&[], &Default::default()).await;
    if record.renderings.is_empty() {
        // No chromium on this machine (CI has it: the run above would have
        // stopped with `required`).
        panic!("no page rendered: {:?}", record.browser);
    }
    assert_eq!(
        findings(&record),
        BTreeMap::new(),
        "the clean script-drawn reference ENT must pass in the browser"
    );
    let login = record
        .renderings
        .iter()
        .find(|r| r.url.ends_with("/auth/login"))
        .expect("the login page is rendered");
    assert!(
        login
            .requests
            .iter()
            .any(|r| r.url.ends_with("/api/pied-de-page?page=login")),
        "the login footer comes from the API: {:?}",
        login.requests
    );
}

/// `name-in-third-party-url` on the reference ENT drawn by script: the
/// account page's audience script sends the name, and only the browser's
/// request log shows it (the matrix proves the same fault read as served,
/// from the image in the markup).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_sent_by_a_script_is_seen_in_the_browser_s_request_log() {
    let selection = entconf::runner::Selection {
        checks: vec!["PRIV-02".to_owned()],
        ..entconf::runner::Selection::default()
    };
    let record = super::support::run_scripted(&[Fault::NameInThirdPartyUrl], &selection).await;
    let check = record
        .checks
        .iter()
        .find(|c| c.id == "PRIV-02")
        .expect("PRIV-02 ran");
    assert_eq!(check.outcome, Outcome::Warn, "{check:?}");
    let urls = &check.assertions[0];
    assert_eq!(urls.status, AssertionStatus::Failed, "{urls:?}");
    assert!(
        urls.actual.contains(
            "dans l'adresse de la requête Image https://mesure.audience-ent.example/matomo.php"
        ) && urls.actual.contains("(page rendue r0"),
        "{}",
        urls.actual
    );
    assert!(
        record.renderings.iter().any(|r| r
            .requests
            .iter()
            .any(|q| q.url.ends_with("/static/mesure-compte.js"))),
        "the name came from the script"
    );
    // The Referer the browser sent there is the ENT's origin only
    // (strict-origin-when-cross-origin): the second assertion holds.
    assert_eq!(
        check.assertions[1].status,
        AssertionStatus::Passed,
        "{:?}",
        check.assertions[1]
    );
}

#[test]
fn every_fault_has_one_test_and_one_entry() {
    let faults: BTreeSet<String> = Fault::all().iter().map(|f| f.name().to_owned()).collect();
    let tests: BTreeSet<String> = FAULT_TESTS.iter().map(|t| t.replace('_', "-")).collect();
    let entries: BTreeSet<String> = matrix().into_keys().collect();
    let missing_tests: Vec<_> = faults.difference(&tests).collect();
    let stray_tests: Vec<_> = tests.difference(&faults).collect();
    let missing_entries: Vec<_> = faults.difference(&entries).collect();
    let stray_entries: Vec<_> = entries.difference(&faults).collect();
    assert!(
        missing_tests.is_empty() && stray_tests.is_empty(),
        "fault_tests! in tests/it/fault_matrix.rs: missing {missing_tests:?}, unknown {stray_tests:?}"
    );
    assert!(
        missing_entries.is_empty() && stray_entries.is_empty(),
        "{MATRIX}: no entry for {missing_entries:?}, entries for unknown faults {stray_entries:?}"
    );
}

#[test]
fn matrix_names_real_checks_outcomes_and_assertions() {
    let catalog = catalog();
    let mut problems = Vec::new();
    for (fault, entry) in matrix() {
        for (id, expected) in &entry.checks {
            if !catalog.checks().any(|c| &c.id == id) {
                problems.push(format!("[{fault}] {id}: no such check"));
                continue;
            }
            match expected.outcome.as_str() {
                // The labels themselves are compared by the fault's own test
                // (a step that failed has a label of its own, not in the suite).
                "fail" | "warn" => {
                    if expected.assertions.is_empty() {
                        problems.push(format!("[{fault}] {id}: name the failing assertion"));
                    }
                }
                "error" | "n/a" => {
                    if !expected.assertions.is_empty() {
                        problems.push(format!(
                            "[{fault}] {id}: assertions are named for fail and warn only"
                        ));
                    }
                }
                other => problems.push(format!("[{fault}] {id}: unknown outcome {other}")),
            }
        }
    }
    assert!(problems.is_empty(), "{MATRIX}:\n{}", problems.join("\n"));
}

#[test]
fn every_check_is_killed_by_some_fault() {
    let killed: BTreeSet<String> = matrix()
        .into_values()
        .flat_map(|entry| {
            entry
                .checks
                .into_iter()
                .filter(|(_, e)| matches!(e.outcome.as_str(), "fail" | "warn"))
                .map(|(id, _)| id)
        })
        .collect();
    let never: Vec<String> = catalog()
        .checks()
        .map(|c| c.id.clone())
        .filter(|id| !killed.contains(id))
        .collect();
    assert!(
        never.is_empty(),
        "checks that no fault makes fail or warn: {never:?}"
    );
}

/// The table of `docs/faults.md`: which fault proves which check.
fn table() -> String {
    let catalog = catalog();
    let matrix = matrix();
    let mut out = String::from(
        "# Which fault proves which check\n\n\
         Generated from `fixtures/fault-matrix.toml` by the test \
         `fault_matrix::faults_table_is_current` (`ENTCONF_BLESS=1` rewrites it). \
         Each seeded fault of the reference ENT (`entconf demo --fault <name>`) \
         gives exactly these outcomes; every other check passes. \
         Under « assertion », the assertion that must not hold, and for an \
         attack family the variants that must get in.\n\n\
         ## By check\n\n| check | severity | killed by |\n|---|---|---|\n",
    );
    for check in catalog.checks() {
        let killers: Vec<String> = matrix
            .iter()
            .filter_map(|(fault, entry)| {
                let e = entry.checks.get(&check.id)?;
                matches!(e.outcome.as_str(), "fail" | "warn")
                    .then(|| format!("`{fault}` ({})", e.outcome))
            })
            .collect();
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            check.id,
            check.severity.as_str(),
            killers.join(", ")
        ));
    }
    out.push_str("\n## By fault\n\n| fault | check | outcome | assertion |\n|---|---|---|---|\n");
    for (fault, entry) in &matrix {
        for (id, e) in &entry.checks {
            let labels = e
                .assertions
                .iter()
                .map(|l| l.replace('|', "\\|"))
                .collect::<Vec<_>>()
                .join(" ; ");
            let variants = if e.variants.is_empty() {
                String::new()
            } else {
                format!(" (variantes acceptées : {})", e.variants.join(", "))
            };
            out.push_str(&format!(
                "| `{fault}` | {id} | {} | {labels}{variants} |\n",
                e.outcome
            ));
        }
        if let Some(why) = &entry.why {
            out.push_str(&format!(
                "| `{fault}` | | | *{}* |\n",
                why.replace('|', "\\|")
            ));
        }
    }
    out
}

#[test]
fn faults_table_is_current() {
    let path = root().join(TABLE);
    let want = table();
    if std::env::var_os("ENTCONF_BLESS").is_some() {
        std::fs::write(&path, &want).expect("write docs/faults.md");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{TABLE} is not the table of {MATRIX}: run `ENTCONF_BLESS=1 cargo nextest run -E 'test(faults_table_is_current)'`"
    );
}
