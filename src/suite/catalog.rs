//! Loading suites: from the copies embedded in the binary or from files,
//! parsing with serde-saphyr, then validation, then cross-file uniqueness.
//!
//! A YAML syntax or type error stops the parsing of that file (serde cannot
//! go on), but every file is still read and every semantic problem of the
//! files that parse is reported: one `entconf validate` shows them all.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::diagnostic::{Diagnostic, Diagnostics, utf8_text};
use super::file::SuiteFile;
use super::model::{Action, AssertionKind, CaptureKind, Catalog, Check, Suite};
use super::read::{MAX_DESCRIPTION_FILE, read_bounded};
use super::target::hex_sha256;
use super::template::Segment;
use super::validate::validate_suite;

/// The text of a suite file and the path it is displayed under.
#[derive(Clone, Debug)]
pub struct SuiteSource {
    /// Path as displayed (`suites/footer.yaml`).
    pub path: String,
    /// File content.
    pub text: String,
}

/// Suite files compiled into the binary, so that `entconf demo` and `run`
/// work from any directory with exactly the suites of this version.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "suites/delcert.yaml",
        include_str!("../../suites/delcert.yaml"),
    ),
    (
        "suites/export.yaml",
        include_str!("../../suites/export.yaml"),
    ),
    (
        "suites/footer.yaml",
        include_str!("../../suites/footer.yaml"),
    ),
    ("suites/gar.yaml", include_str!("../../suites/gar.yaml")),
    ("suites/priv.yaml", include_str!("../../suites/priv.yaml")),
    ("suites/sec.yaml", include_str!("../../suites/sec.yaml")),
    ("suites/sso.yaml", include_str!("../../suites/sso.yaml")),
    ("suites/stats.yaml", include_str!("../../suites/stats.yaml")),
];

/// The suites shipped with this version of entconf.
pub fn embedded_sources() -> Vec<SuiteSource> {
    EMBEDDED
        .iter()
        .map(|(path, text)| SuiteSource {
            path: (*path).to_owned(),
            text: (*text).to_owned(),
        })
        .collect()
}

/// Reads suite files: each path is a `.yaml` file or a folder whose `.yaml`
/// and `.yml` files are read (not recursively), in name order.
pub fn read_sources(paths: &[PathBuf]) -> Result<Vec<SuiteSource>, Diagnostics> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        if path.is_dir() {
            match suite_files_in(path) {
                Ok(found) if found.is_empty() => problems.push(Diagnostic::file(
                    &path.display().to_string(),
                    "aucun fichier de suite (.yaml) dans ce dossier",
                )),
                Ok(found) => files.extend(found),
                Err(error) => problems.push(Diagnostic::file(
                    &path.display().to_string(),
                    format!("lecture du dossier impossible : {error}"),
                )),
            }
        } else {
            files.push(path.clone());
        }
    }
    let mut sources = Vec::new();
    for file in files {
        let display = file.display().to_string();
        let text = read_bounded(&file, MAX_DESCRIPTION_FILE)
            .map_err(|error| Diagnostic::file(&display, format!("lecture impossible : {error}")))
            .and_then(|bytes| utf8_text(&display, bytes));
        match text {
            Ok(text) => sources.push(SuiteSource {
                path: display,
                text,
            }),
            Err(diagnostic) => problems.push(diagnostic),
        }
    }
    if problems.is_empty() {
        Ok(sources)
    } else {
        Err(Diagnostics(problems))
    }
}

fn suite_files_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.is_file()
                && path
                    .extension()
                    .is_some_and(|ext| ext == "yaml" || ext == "yml")
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Parses and validates suites; either every suite is valid or every
/// problem found is returned.
pub fn load(sources: &[SuiteSource]) -> Result<Catalog, Diagnostics> {
    let mut problems = Vec::new();
    let mut suites = Vec::new();
    for source in sources {
        let raw = match parse_yaml(source) {
            Ok(raw) => raw,
            Err(diagnostic) => {
                problems.push(diagnostic);
                continue;
            }
        };
        let sha256 = hex_sha256(source.text.as_bytes());
        if let Some(suite) = validate_suite(&source.path, &source.text, sha256, raw, &mut problems)
        {
            suites.push(suite);
        }
    }
    let mut suite_ids: BTreeMap<&str, &str> = BTreeMap::new();
    let mut check_ids: BTreeMap<&str, &str> = BTreeMap::new();
    for suite in &suites {
        if let Some(first) = suite_ids.insert(&suite.id, &suite.file) {
            problems.push(Diagnostic::file(
                &suite.file,
                format!("suite « {} » déjà définie dans {first}", suite.id),
            ));
        }
        for check in &suite.checks {
            if let Some(first) = check_ids.insert(&check.id, &suite.file) {
                problems.push(Diagnostic::file(
                    &suite.file,
                    format!("contrôle « {} » déjà défini dans {first}", check.id),
                ));
            }
        }
    }
    if problems.is_empty() {
        link_captures_to_their_judges(&mut suites);
        link_public_gates_to_their_judges(&mut suites);
        Ok(Catalog {
            suites: suites.into_iter().map(std::sync::Arc::new).collect(),
        })
    } else {
        Err(Diagnostics(problems))
    }
}

/// Fills each link capture's `judged_by`: the other checks whose `link`
/// assertion reads the same page ([`page_key`]), zone and list of names.
fn link_captures_to_their_judges(suites: &mut [Suite]) {
    let mut judges: BTreeMap<(String, Option<String>, String), Vec<String>> = BTreeMap::new();
    for check in suites.iter().flat_map(|suite| suite.checks.iter()) {
        for assertion in &check.assertions {
            let AssertionKind::Link { zone, text } = &assertion.kind else {
                continue;
            };
            if let Some(url) = page_key(check, &zone.step, 0) {
                let key = (
                    url,
                    zone.within.as_ref().map(|css| css.source.clone()),
                    text.name.clone(),
                );
                judges.entry(key).or_default().push(check.id.clone());
            }
        }
    }
    for check in suites.iter_mut().flat_map(|suite| suite.checks.iter_mut()) {
        // Only this function holds the checks yet: nothing shares them.
        let Some(check) = Arc::get_mut(check) else {
            continue;
        };
        let id = check.id.clone();
        let urls: BTreeMap<String, String> = check
            .steps
            .iter()
            .filter_map(|step| Some((step.id.clone(), page_key(check, &step.id, 0)?)))
            .collect();
        for step in &mut check.steps {
            let Some(url) = urls.get(&step.id) else {
                continue;
            };
            for capture in &mut step.captures {
                let CaptureKind::Link { within, text } = &capture.kind;
                let key = (
                    url.clone(),
                    within.as_ref().map(|css| css.source.clone()),
                    text.name.clone(),
                );
                capture.judged_by = judges
                    .get(&key)
                    .map(|ids| ids.iter().filter(|other| **other != id).cloned().collect())
                    .unwrap_or_default();
            }
        }
    }
}

/// What page the fetch step `step` of `check` reads, comparable across
/// checks: its URL template, with each captured link spelled out as the
/// page it was taken from, its zone and its list of names. Two steps with
/// the same key read the same page in any run.
fn page_key(check: &Check, step: &str, depth: usize) -> Option<String> {
    let found = check.steps.iter().find(|s| s.id == step)?;
    let Action::Fetch { url, .. } = &found.action else {
        return None;
    };
    let mut key = String::new();
    for segment in &url.segments {
        match segment {
            Segment::Capture(name) => {
                // A capture is taken by an earlier step; the depth bound
                // only guards against a cycle validation already refuses.
                let (from, capture) = check.steps.iter().find_map(|s| {
                    s.captures
                        .iter()
                        .find(|c| c.name == *name)
                        .map(|c| (s.id.as_str(), c))
                })?;
                let page = (depth < 8)
                    .then(|| page_key(check, from, depth + 1))
                    .flatten()?;
                let CaptureKind::Link { within, text } = &capture.kind;
                let within = within.as_ref().map_or("", |css| css.source.as_str());
                key.push_str(&format!("[lien {} dans {within} de {page}]", text.name));
            }
            Segment::Text(text) => key.push_str(text),
            Segment::Target(capability) => {
                key.push_str(&format!("${{target.{}}}", capability.as_str()));
            }
            Segment::Secret(name) => key.push_str(&format!("${{secret.{name}}}")),
        }
    }
    Some(key)
}

/// Fills each public fetch step's `public_judged_by`: the other checks
/// whose `public_page` assertion reads the same page ([`page_key`]).
fn link_public_gates_to_their_judges(suites: &mut [Suite]) {
    let mut judges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for check in suites.iter().flat_map(|suite| suite.checks.iter()) {
        for assertion in &check.assertions {
            let AssertionKind::PublicPage { step } = &assertion.kind else {
                continue;
            };
            if let Some(key) = page_key(check, step, 0) {
                judges.entry(key).or_default().push(check.id.clone());
            }
        }
    }
    for check in suites.iter_mut().flat_map(|suite| suite.checks.iter_mut()) {
        let keys: Vec<Option<String>> = check
            .steps
            .iter()
            .map(|step| page_key(check, &step.id, 0))
            .collect();
        // Only this function holds the checks yet: nothing shares them.
        let Some(check) = Arc::get_mut(check) else {
            continue;
        };
        let id = check.id.clone();
        for (step, key) in check.steps.iter_mut().zip(keys) {
            let (
                Action::Fetch {
                    public: true,
                    public_judged_by,
                    ..
                },
                Some(key),
            ) = (&mut step.action, key)
            else {
                continue;
            };
            *public_judged_by = judges
                .get(&key)
                .map(|ids| ids.iter().filter(|other| **other != id).cloned().collect())
                .unwrap_or_default();
        }
    }
}

fn parse_yaml(source: &SuiteSource) -> Result<SuiteFile, Diagnostic> {
    parse_yaml_as(source)
}

/// Parses a YAML file of the harness (suite, waivers) into `T`, with the
/// same options and French diagnostics at `file:line:col`.
pub fn parse_yaml_as<T: serde::de::DeserializeOwned>(
    source: &SuiteSource,
) -> Result<T, Diagnostic> {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    options.strict_booleans = true;
    serde_saphyr::from_str_with_options::<T>(&source.text, options).map_err(|error| {
        let message = translate(&error.without_snippet().to_string());
        match error.location() {
            Some(location) => Diagnostic::at(
                &source.path,
                &source.text,
                u32::try_from(location.line()).unwrap_or(u32::MAX),
                u32::try_from(location.column()).unwrap_or(u32::MAX),
                message,
            ),
            None => Diagnostic::file(&source.path, message),
        }
    })
}

/// Puts serde's most frequent messages in French; anything else is kept
/// verbatim after a French prefix rather than lost.
fn translate(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(pos) => &message[..pos],
        None => message,
    };
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (field, expected) = rest.split_once(", expected").unwrap_or((rest, ""));
        let expected = expected
            .trim_start_matches(" one of ")
            .trim_start_matches(' ');
        return format!(
            "champ inconnu {} ; champs possibles : {}",
            quote(field),
            expected.replace('`', "")
        );
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (value, expected) = rest.split_once(", expected").unwrap_or((rest, ""));
        let expected = expected
            .trim_start_matches(" one of ")
            .trim_start_matches(' ');
        return format!(
            "valeur inconnue {} ; valeurs possibles : {}",
            quote(value),
            expected.replace('`', "")
        );
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return format!("champ obligatoire absent : {}", quote(rest));
    }
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest);
        return format!("clé « {key} » répétée");
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        return format!("type inattendu : {}", rest.replace('`', ""));
    }
    format!("YAML invalide : {message}")
}

fn quote(backticked: &str) -> String {
    format!("« {} »", backticked.trim().trim_matches('`'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_suites_load() {
        let catalog = load(&embedded_sources()).expect("embedded suites are valid");
        assert!(catalog.checks().count() > 0);
    }

    #[test]
    fn serde_messages_are_translated() {
        assert_eq!(
            translate(
                "unknown field `sevrity`, expected one of `id`, `severity` at line 4, column 5"
            ),
            "champ inconnu « sevrity » ; champs possibles : id, severity"
        );
        assert_eq!(
            translate("missing field `refs`"),
            "champ obligatoire absent : « refs »"
        );
        assert_eq!(translate("something odd"), "YAML invalide : something odd");
    }
}
