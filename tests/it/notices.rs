//! The corpus of notices (`fixtures/data/notices/`): recall of the FOOTER
//! suite's phrase lists on privacy notices, mentions légales and
//! accessibility declarations written in the wording real French
//! public-sector pages use, and no false pass on their negative variants
//! (the document with one item removed).
//!
//! The matching is the product's own ([`entconf::footer::mention::states`],
//! what the `phrases` judge decides with) and the lists are those of the
//! suite file the binary embeds (`suites/footer.yaml`, read from the working
//! tree so that a list can be tuned without a rebuild), taken from the
//! `phrases` assertions of the step each kind of document is fetched as:
//! nothing here is a copy that could drift.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use ego_tree::NodeId;
use entconf::footer::mention::states;
use entconf::probe::{Document, Scope};
use entconf::suite::{AssertionKind, PhraseList, load, read_sources};
use scraper::{ElementRef, Html, Node, Selector};
use serde::Deserialize;

const DIR: &str = "fixtures/data/notices";
/// Real public documents, each under the licence of its repository.
const REAL_DIR: &str = "fixtures/data/notices/real";
/// The licences under which a real document may be copied here.
const REAL_LICENCES: &[&str] = &["MIT", "Apache-2.0", "Licence Ouverte"];

/// Share of the (document, item) pairs of the corpus whose phrase list the
/// matching finds, in per cent, rounded down: 98 of 162 when the corpus was
/// written (2026-12-03), before any work on the matching; 126 of 162 with
/// block boundaries, link targets, inflection, numbers in words,
/// enumerations and heading scope; 158 of 162 once the lists took the
/// wordings of question headings (« Qui est responsable ? », « Pourquoi ce
/// traitement ? »), labels (« Durée : »), verbs (« faire corriger ») and the
/// feminine titles (« directrice académique »), each kept only if it passes
/// no negative variant; 155 of 162 once a review removed the wordings too
/// generic to state an item on their own (« accès aux données », bare
/// « conservation », « effacés »); 154 of 161 once bare heading words
/// (« finalités », « destinataires ») counted only as headings or labels
/// (`^` entries), after the held-out real documents showed them stating
/// nothing in prose, and once the ministry left `state_controller`, which
/// names the académie authority. A ratchet: raise it when the matching
/// improves, never lower it. The target was 95 % (issue 19).
const RECALL_FLOOR_PERCENT: f64 = 95.6;

/// The same ratchet for the real documents: 25 documents read in public
/// repositories of State services (2026-12-04), 171 stated items: 149
/// found with the `^` heading entries, 160 once the lists took the standard
/// wordings of State notices (« Pays destinataire », « Qui nous aide à
/// traiter vos données ? ») and line breaks of the source read as spaces,
/// 164 once a table cell could be a label. What the lists still miss is in
/// the folder's README.
const REAL_RECALL_FLOOR_PERCENT: f64 = 95.9;

/// Elements that hold one statement: a paragraph, a list item, a term or
/// its definition, a heading, an accordion's label, a table row.
const BLOCKS: &str = "p, li, dt, dd, tr, td, th, h1, h2, h3, h4, h5, h6, summary, caption, \
                     address, blockquote, figcaption";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Corpus {
    schema: u32,
    document: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: String,
    kind: String,
    file: String,
    title: String,
    licence: String,
    #[serde(default)]
    notes: Vec<String>,
    /// A page written for entconf: what it imitates.
    provenance: Option<Provenance>,
    /// A real public page (held-out corpus, not committed): where it was
    /// read.
    source: Option<Source>,
    /// None: a page that states nothing of its kind (a negative example).
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Source {
    repo: String,
    path: String,
    commit: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Provenance {
    written: String,
    imitates: String,
    style: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Item {
    key: String,
    quote: String,
}

/// The step a kind of document is fetched as in the FOOTER suite.
fn step_of(kind: &str) -> &'static str {
    match kind {
        "notice" => "notice",
        "legal" => "legal",
        "accessibility" => "declaration",
        other => panic!("genre de document inconnu : {other}"),
    }
}

/// A list as a `phrases` assertion reads it: its zone, the list, and the
/// headings that scope it.
type Zoned = (Option<Scope>, PhraseList, Option<PhraseList>);

/// The phrase lists a `phrases` assertion of FOOTER reads on each step, with
/// the zone it reads: step → list name → (zone, list, section).
fn lists() -> BTreeMap<String, BTreeMap<String, Zoned>> {
    let sources = read_sources(&[std::path::PathBuf::from("suites")]).expect("suites/ reads");
    let catalog = load(&sources).expect("suites/ loads");
    let suite = catalog.suite("FOOTER").expect("suite FOOTER");
    let mut lists: BTreeMap<String, BTreeMap<String, Zoned>> = BTreeMap::new();
    for check in &suite.checks {
        for assertion in &check.assertions {
            if let AssertionKind::Phrases { zone, any, section } = &assertion.kind {
                let within = zone.within.as_ref().map(|css| css.scope.clone());
                lists
                    .entry(zone.step.clone())
                    .or_default()
                    .insert(any.name.clone(), (within, any.clone(), section.clone()));
            }
        }
    }
    lists
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn element_text(element: ElementRef<'_>) -> String {
    collapse(&element.text().collect::<String>())
}

fn selector(source: &str) -> Selector {
    Selector::parse(source).expect("test selector")
}

/// The innermost blocks of `main` whose text holds `quote` (a cell stands
/// for its row: label and value are one statement).
fn blocks_holding(html: &Html, quote: &str) -> Vec<NodeId> {
    let main = html
        .select(&selector("main"))
        .next()
        .expect("every document has a main");
    let blocks = selector(BLOCKS);
    let holding: Vec<ElementRef<'_>> = main
        .select(&blocks)
        .filter(|block| element_text(*block).contains(quote))
        .collect();
    let innermost = holding.iter().filter(|block| {
        !holding.iter().any(|other| {
            other.id() != block.id() && other.ancestors().any(|a| a.id() == block.id())
        })
    });
    let mut ids: Vec<NodeId> = innermost
        .map(|block| {
            let name = block.value().name();
            if name == "td" || name == "th" {
                block
                    .parent()
                    .and_then(ElementRef::wrap)
                    .filter(|row| row.value().name() == "tr")
                    .map_or(block.id(), |row| row.id())
            } else {
                block.id()
            }
        })
        .collect();
    ids.dedup();
    ids
}

/// The document without any of `quotes`: each block holding one is
/// removed, unless it also states another item of the document (`others`),
/// in which case only the quote's text goes.
fn without(source: &str, quotes: &[&str], others: &[&str]) -> String {
    let mut html = Html::parse_document(source);
    for quote in quotes {
        // None left when an earlier quote of the item shared its block.
        for id in blocks_holding(&html, quote) {
            let block =
                ElementRef::wrap(html.tree.get(id).expect("block node")).expect("block element");
            let text = element_text(block);
            let shared = others
                .iter()
                .any(|other| !quotes.contains(other) && text.contains(other));
            // The text node holding the whole quote, if one does.
            let node = block
                .descendants()
                .find(|node| matches!(node.value(), Node::Text(t) if collapse(t).contains(quote)));
            match node {
                Some(node) if shared => {
                    // A link whose whole label is the quote goes with it:
                    // its target says the same thing.
                    let link = node
                        .ancestors()
                        .take_while(|a| a.id() != block.id())
                        .filter_map(ElementRef::wrap)
                        .find(|a| a.value().name() == "a" && element_text(*a) == *quote)
                        .map(|a| a.id());
                    let id = link.unwrap_or(node.id());
                    let mut node = html.tree.get_mut(id).expect("text node");
                    if link.is_some() {
                        node.detach();
                    } else if let Node::Text(text) = node.value() {
                        let kept = collapse(text).replace(quote, "");
                        text.text = kept.as_str().into();
                    }
                }
                _ => {
                    html.tree.get_mut(id).expect("block node").detach();
                }
            }
        }
    }
    html.html()
}

#[expect(clippy::cast_precision_loss, reason = "a few hundred items")]
fn percent(found: usize, stated: usize) -> String {
    if stated == 0 {
        "—".to_owned()
    } else {
        format!("{:.0} %", 100.0 * found as f64 / stated as f64)
    }
}

#[derive(Default)]
struct Row {
    stated: usize,
    found: usize,
    false_passes: usize,
    found_unstated: usize,
}

impl Row {
    /// One line of the recall table.
    fn line(&self, label: &str) -> String {
        format!(
            "| {label} | {} | {} | {} | {} | {} |",
            self.stated,
            self.found,
            percent(self.found, self.stated),
            self.false_passes,
            self.found_unstated
        )
    }
}

/// What the matching found on a corpus.
#[derive(Default)]
struct Outcome {
    rows: BTreeMap<String, Row>,
    misses: Vec<String>,
    false_passes: Vec<String>,
    unstated: Vec<String>,
}

impl Outcome {
    #[expect(clippy::cast_precision_loss, reason = "a few hundred items")]
    fn recall(&self) -> f64 {
        let stated: usize = self.rows.values().map(|r| r.stated).sum();
        let found: usize = self.rows.values().map(|r| r.found).sum();
        100.0 * found as f64 / stated as f64
    }
}

fn read_corpus(dir: &std::path::Path) -> Corpus {
    let path = dir.join("corpus.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} : lecture impossible : {e}", path.display()));
    let corpus: Corpus =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{} : {e}", path.display()));
    assert_eq!(corpus.schema, 1, "{} : schema 1 attendu", path.display());
    corpus
}

/// Every document of the corpus in `dir`, every key its kind's step reads:
/// found or not, and found or not once the item is removed.
fn measure(dir: &std::path::Path, corpus: &Corpus) -> Outcome {
    let lists = lists();
    let url = reqwest::Url::parse("https://ent.test/notice").expect("test URL");
    let mut outcome = Outcome::default();
    let mut ids = BTreeSet::new();
    for entry in &corpus.document {
        assert!(
            ids.insert(&entry.id),
            "{} : identifiant en double",
            entry.id
        );
        assert_eq!(entry.file, format!("{}.html", entry.id));
        assert!(!entry.title.is_empty() && !entry.licence.is_empty());
        assert!(entry.notes.iter().all(|note| !note.is_empty()));
        let applicable = &lists[step_of(&entry.kind)];
        let path = dir.join(&entry.file);
        let source = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{} : lecture impossible : {e}", path.display()));
        let document = Document::parse(&source, &url).expect("document parses");
        let parsed = Html::parse_document(&source);

        let mut by_key: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for item in &entry.items {
            assert!(
                applicable.contains_key(&item.key),
                "{} : la clé « {} » n'est lue par aucune vérification `phrases` de l'étape « {} »",
                entry.id,
                item.key,
                step_of(&entry.kind)
            );
            assert!(
                !blocks_holding(&parsed, &item.quote).is_empty(),
                "{} : citation absente du texte de main : « {} »",
                entry.id,
                item.quote
            );
            by_key.entry(&item.key).or_default().push(&item.quote);
        }
        let all_quotes: Vec<&str> = entry.items.iter().map(|i| i.quote.as_str()).collect();

        for (key, (within, list, section)) in applicable {
            let row = outcome.rows.entry(key.clone()).or_default();
            let found = states(&document, within.as_ref(), list, section.as_ref());
            let Some(quotes) = by_key.get(key.as_str()) else {
                if let Some(phrase) = found {
                    row.found_unstated += 1;
                    outcome
                        .unstated
                        .push(format!("{} / {key} : « {phrase} »", entry.id));
                }
                continue;
            };
            row.stated += 1;
            if found.is_some() {
                row.found += 1;
            } else {
                outcome.misses.push(format!("{} / {key}", entry.id));
            }
            let variant = without(&source, quotes, &all_quotes);
            // The variant builder itself: no quote of the item is left.
            let left = Html::parse_document(&variant);
            for quote in quotes {
                assert!(
                    blocks_holding(&left, quote).is_empty(),
                    "{} / {key} : la variante garde « {quote} »",
                    entry.id
                );
            }
            let variant = Document::parse(&variant, &url).expect("variant parses");
            assert!(
                variant.text(within.as_ref()).is_some(),
                "{} / {key} : la variante a perdu sa zone",
                entry.id
            );
            if let Some(phrase) = states(&variant, within.as_ref(), list, section.as_ref()) {
                row.false_passes += 1;
                outcome
                    .false_passes
                    .push(format!("{} / {key} : « {phrase} »", entry.id));
            }
        }
    }
    outcome
}

#[test]
fn notices_corpus_recall_and_no_false_pass() {
    let dir = std::path::Path::new(DIR);
    let corpus = read_corpus(dir);
    assert!(
        corpus.document.len() >= 15,
        "au moins 15 documents dans le corpus"
    );
    for entry in &corpus.document {
        let written = entry.provenance.as_ref().is_some_and(|p| {
            p.written.starts_with("écrit pour entconf")
                && !p.imitates.is_empty()
                && !p.style.is_empty()
        });
        assert!(
            written && entry.source.is_none() && entry.licence.starts_with("EUPL-1.2"),
            "{} : provenance incomplète (ce dossier ne contient que des pages écrites pour entconf)",
            entry.id
        );
    }
    assert_measured(DIR, &measure(dir, &corpus), RECALL_FLOOR_PERCENT);
}

/// The real public documents (`fixtures/data/notices/real/`): read in
/// public repositories, converted by hand, annotated without the phrase
/// lists in view. Same measurement; its own ratchet, since these wordings
/// were not written for the lists.
#[test]
fn real_documents_recall_and_no_false_pass() {
    let dir = std::path::Path::new(REAL_DIR);
    let corpus = read_corpus(dir);
    assert!(
        corpus.document.len() >= 15,
        "au moins 15 documents réels dans le corpus"
    );
    check_sources(&corpus, REAL_LICENCES);
    assert_measured(REAL_DIR, &measure(dir, &corpus), REAL_RECALL_FLOOR_PERCENT);
}

/// Prints the table of a committed corpus, then fails on any false pass
/// or on a recall under `floor`.
fn assert_measured(dir: &str, outcome: &Outcome, floor: f64) {
    let table = table(dir, outcome);
    print_table(&table);
    let recall = outcome.recall();
    assert!(
        outcome.false_passes.is_empty(),
        "faux succès sur les variantes négatives :\n{}\n{table}",
        outcome.false_passes.join("\n")
    );
    assert!(
        recall >= floor,
        "rappel {recall:.1} % sous le cliquet {floor} %\n{table}"
    );
}

/// Each real document names its source (repository, path, commit) and a
/// licence that allows the copy (`licences`: the accepted prefixes).
fn check_sources(corpus: &Corpus, licences: &[&str]) {
    for entry in &corpus.document {
        let source = entry.source.as_ref().unwrap_or_else(|| {
            panic!(
                "{} : [document.source] (dépôt, chemin, commit) manquant",
                entry.id
            )
        });
        assert!(
            entry.provenance.is_none()
                && !source.repo.is_empty()
                && !source.path.is_empty()
                && source.commit.len() == 40
                && source.commit.chars().all(|c| c.is_ascii_hexdigit()),
            "{} : source incomplète",
            entry.id
        );
        assert!(
            licences.iter().any(|l| entry.licence.starts_with(l)),
            "{} : licence « {} » hors de {licences:?}",
            entry.id,
            entry.licence
        );
    }
}

/// A further held-out measurement on real public documents that are not
/// committed (their licence is unknown or copyleft): run by hand with the
/// folder of converted pages and their annotations,
/// `ENTCONF_NOTICE_CORPUS=<dir> cargo nextest run --release --run-ignored only -E 'test(held_out)' --no-capture`.
/// It checks the annotations (every quote in `main`, every page's source
/// named) and prints the same table; its figures are reported, not
/// ratcheted, since the folder is not in the repository.
#[test]
#[ignore = "needs ENTCONF_NOTICE_CORPUS, a folder of real documents that is not committed"]
fn notices_held_out_real_documents() {
    let dir = std::env::var_os("ENTCONF_NOTICE_CORPUS")
        .map(std::path::PathBuf::from)
        .expect("ENTCONF_NOTICE_CORPUS : le dossier du corpus de documents réels");
    let corpus = read_corpus(&dir);
    check_sources(&corpus, &[""]);
    let outcome = measure(&dir, &corpus);
    print_table(&table(&dir.display().to_string(), &outcome));
}

fn table(dir: &str, outcome: &Outcome) -> String {
    let Outcome {
        rows,
        misses,
        false_passes,
        unstated,
    } = outcome;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Corpus de notices ({dir}) : rappel des listes de phrases FOOTER"
    );
    let _ = writeln!(
        out,
        "| clé | documents qui l'énoncent | trouvée | rappel | faux succès (variantes négatives) | trouvée sans être énoncée |"
    );
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: |");
    let mut total = Row::default();
    for (key, row) in rows {
        if row.stated == 0 && row.found_unstated == 0 {
            continue;
        }
        let _ = writeln!(out, "{}", row.line(key));
        total.stated += row.stated;
        total.found += row.found;
        total.false_passes += row.false_passes;
        total.found_unstated += row.found_unstated;
    }
    let _ = writeln!(out, "{}", total.line("**total**"));
    let _ = writeln!(
        out,
        "Non trouvées ({}) : {}",
        misses.len(),
        misses.join(", ")
    );
    let _ = writeln!(
        out,
        "Faux succès ({}) : {}",
        false_passes.len(),
        false_passes.join(", ")
    );
    let _ = writeln!(
        out,
        "Trouvées sans être énoncées ({}) : {}",
        unstated.len(),
        unstated.join(", ")
    );
    out
}

/// The table goes to the test's output: `cargo nextest run --no-capture`
/// (and `ci/bench.sh`) show it.
#[expect(clippy::print_stdout, reason = "the measurement is the output")]
fn print_table(table: &str) {
    println!("{table}");
}
