//! The README and docs/ cannot drift: every relative link and anchor
//! resolves, every file a code comment cites exists, nothing points outside
//! the repository, every `entconf` command they show exists with the flags
//! they use, and the README stays a quick start.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_entconf");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir` with one of `extensions`, skipping build output
/// and dependencies.
fn files(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !matches!(name.as_str(), "target" | "node_modules" | ".git") {
                    stack.push(path);
                }
            } else if extensions
                .iter()
                .any(|e| path.extension().is_some_and(|x| x == *e))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// README.md and every page of docs/.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![root().join("README.md")];
    pages.extend(files(&root().join("docs"), &["md"]));
    pages
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The anchors a Markdown page offers: its headings, as GitHub spells them.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut fenced = false;
    text.lines()
        .filter(|line| {
            if line.starts_with("```") {
                fenced = !fenced;
            }
            !fenced && line.starts_with('#')
        })
        .map(|line| {
            line.trim_start_matches('#')
                .trim()
                .to_lowercase()
                .chars()
                .filter_map(|c| match c {
                    ' ' => Some('-'),
                    c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                    _ => None,
                })
                .collect()
        })
        .collect()
}

#[test]
fn links_and_anchors_in_readme_and_docs_resolve() {
    let link = regex::Regex::new(r"\]\(([^)\s]+)\)").expect("regex");
    let mut dead = Vec::new();
    let mut seen = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).expect("page");
        for found in link.captures_iter(&text) {
            let target = &found[1];
            if target.starts_with("http://")
                || target.starts_with("https://")
                || target.starts_with("mailto:")
            {
                continue;
            }
            seen += 1;
            let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
            let resolved = if file.is_empty() {
                page.clone()
            } else {
                page.parent().expect("folder").join(file)
            };
            if !resolved.exists() {
                dead.push(format!("{}: {target} (no such file)", relative(&page)));
                continue;
            }
            if !anchor.is_empty() && resolved.extension().is_some_and(|e| e == "md") {
                let text = std::fs::read_to_string(&resolved).expect("linked page");
                if !anchors(&text).contains(anchor) {
                    dead.push(format!("{}: {target} (no such heading)", relative(&page)));
                }
            }
        }
    }
    assert!(seen > 20, "links found: {seen}");
    assert!(dead.is_empty(), "dead links:\n{}", dead.join("\n"));
}

/// Where the project keeps its own files: a cited path starts with one of
/// these, or is a Markdown file at the top.
const TOP: [&str; 8] = [
    "src/",
    "tests/",
    "docs/",
    "ci/",
    "fixtures/",
    "suites/",
    "examples/",
    "reports/",
];

/// The comment part of a line of a file of kind `extension`, if any.
fn comment<'a>(line: &'a str, extension: &str) -> Option<&'a str> {
    match extension {
        "rs" => line.find("//").map(|at| &line[at + 2..]),
        _ => line.trim_start().strip_prefix('#'),
    }
}

#[test]
fn files_cited_in_code_comments_exist_and_nothing_points_outside() {
    let token = regex::Regex::new(r"[A-Za-z0-9_./@-]+").expect("regex");
    let mut dead = Vec::new();
    let mut seen = 0;
    let mut sources = files(&root().join("src"), &["rs"]);
    for dir in ["tests", "examples", "fixtures/ent-server", "ci", "suites"] {
        sources.extend(files(
            &root().join(dir),
            &["rs", "sh", "yaml", "yml", "toml"],
        ));
    }
    sources.push(root().join("Cargo.toml"));
    for source in sources {
        let extension = source
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&source).expect("source");
        for (number, line) in text.lines().enumerate() {
            let Some(comment) = comment(line, &extension) else {
                continue;
            };
            for forbidden in ["DESIGN.md", "../shared", "research/"] {
                if comment.contains(forbidden) {
                    dead.push(format!(
                        "{}:{}: cites {forbidden}, outside the repository",
                        relative(&source),
                        number + 1
                    ));
                }
            }
            for word in token.find_iter(comment) {
                let word = word.as_str().trim_end_matches(['.', ',', ';', ':', ')']);
                let path = word.split(':').next().unwrap_or(word);
                let cited = TOP.iter().any(|top| path.starts_with(top))
                    || (path.ends_with(".md") && !path.contains('/'));
                if !cited || path.contains('@') {
                    continue;
                }
                seen += 1;
                let crate_root = root().join("fixtures/ent-server");
                let exists = root().join(path).exists()
                    || (source.starts_with(&crate_root) && crate_root.join(path).exists());
                if !exists {
                    dead.push(format!(
                        "{}:{}: {path} does not exist",
                        relative(&source),
                        number + 1
                    ));
                }
            }
        }
    }
    assert!(seen > 20, "paths found in comments: {seen}");
    assert!(dead.is_empty(), "dead references:\n{}", dead.join("\n"));
}

/// The command lines of a Markdown page: its fenced code lines and its
/// inline code spans.
fn code_of_markdown(text: &str) -> String {
    let mut code = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            code.push_str(line);
            code.push('\n');
            continue;
        }
        for (index, span) in line.split('`').enumerate() {
            if index % 2 == 1 {
                code.push_str(span);
                code.push('\n');
            }
        }
    }
    code
}

/// Checks that every `entconf …` command line of `text` names a real
/// command with flags its `--help` lists; returns how many were checked.
pub(crate) fn check_commands(name: &str, text: &str) -> usize {
    const COMMANDS: [&str; 14] = [
        "run", "demo", "init", "merge", "diff", "compare", "list", "validate", "schema", "idp",
        "aaf", "bundle", "review", "--help",
    ];
    let mut seen = 0;
    for line in text.lines() {
        let Some(at) = line.find("entconf ") else {
            continue;
        };
        let words: Vec<&str> = line[at..]
            .split_whitespace()
            .take_while(|w| !w.starts_with('#'))
            .collect();
        let Some(first) = words.get(1).filter(|w| COMMANDS.contains(w)) else {
            continue;
        };
        let mut command: Vec<&str> = vec![first];
        if matches!(*first, "bundle" | "aaf")
            && let Some(second) = words.get(2).filter(|w| !w.starts_with('-'))
        {
            command.push(second);
        }
        let help = Command::new(BIN)
            .args(command.iter().filter(|w| **w != "--help"))
            .arg("--help")
            .env("COLUMNS", "200")
            .output()
            .expect("help");
        assert!(
            help.status.success(),
            "{name}: `entconf {}` is not a command:\n{line}",
            command.join(" ")
        );
        let help = String::from_utf8_lossy(&help.stdout);
        for flag in words.iter().filter(|w| w.starts_with("--")) {
            let flag = flag.split('=').next().unwrap_or(flag);
            assert!(
                help.contains(flag),
                "{name}: `entconf {}` has no {flag}:\n{line}",
                command.join(" ")
            );
        }
        seen += 1;
    }
    seen
}

#[test]
fn every_command_of_readme_and_docs_exists_with_its_flags() {
    let mut seen = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).expect("page");
        seen += check_commands(&relative(&page), &code_of_markdown(&text));
    }
    assert!(seen >= 20, "entconf commands found: {seen}");
}

#[test]
fn readme_is_a_quick_start_with_the_two_commands_first() {
    let text = std::fs::read_to_string(root().join("README.md")).expect("README");
    let characters = text.chars().count();
    assert!(
        characters <= 8_000,
        "README.md has {characters} characters (at most 8,000: the rest belongs in docs/)"
    );
    let demo = text
        .find("bash ci/deps.sh && cargo run --release -- demo")
        .expect("the demo command");
    let tests = text.find("bash ci/run.sh").expect("the test command");
    assert!(demo < tests, "the demo command comes first");
    // The package list the first command installs is the one CI installs.
    let run = std::fs::read_to_string(root().join("ci/run.sh")).expect("ci/run.sh");
    assert!(
        run.contains("bash ci/deps.sh"),
        "ci/run.sh installs through ci/deps.sh"
    );
}
