//! Writing a run's report folder: `results.json` (canonical; written
//! whenever a file format is asked for, since the other files are renderings
//! of it), `junit.xml`, `index.html`, `evidence/<id>.txt` (the full
//! redacted transcript of each exchange), and for each page the browser
//! rendered `evidence/<id>.html` (its DOM, redacted) and `evidence/<id>.png`
//! (its screenshot).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::record::RunRecord;
use super::{html, junit};

/// An output format of `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// Summary printed by the CLI.
    Console,
    /// `junit.xml`.
    Junit,
    /// `index.html`.
    Html,
    /// `results.json` and `evidence/`.
    Json,
}

impl Format {
    /// Every format, as accepted by `--format`.
    pub const ALL: [Self; 4] = [Self::Console, Self::Junit, Self::Html, Self::Json];

    /// Its name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Console => "console",
            Self::Junit => "junit",
            Self::Html => "html",
            Self::Json => "json",
        }
    }

    /// Whether it writes into the report folder.
    pub fn is_file(self) -> bool {
        self != Self::Console
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = Self::ALL.iter().map(|f| f.as_str()).collect();
                format!("format inconnu « {name} » (formats : {})", known.join(", "))
            })
    }
}

/// Writing or rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be written or read.
    #[error("{path} : {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// JSON (de)serialization.
    #[error("results.json : {0}")]
    Json(#[from] serde_json::Error),
    /// The JSON is not an entconf record of a supported version.
    #[error("{0}")]
    Format(String),
    /// JUnit serialization.
    #[error("junit.xml : {0}")]
    Junit(#[from] quick_junit::SerializeError),
    /// HTML template.
    #[error("index.html : {0}")]
    Html(#[from] minijinja::Error),
}

/// The canonical JSON of a record.
pub fn to_json(record: &RunRecord) -> Result<String, ReportError> {
    Ok(serde_json::to_string_pretty(record)? + "\n")
}

/// Reads a record back from its JSON.
pub fn from_json(text: &str) -> Result<RunRecord, ReportError> {
    let record: RunRecord = serde_json::from_str(text)?;
    if record.format != super::record::FORMAT || record.version != super::record::FORMAT_VERSION {
        return Err(ReportError::Format(format!(
            "format « {} » version {} non pris en charge (attendu {} version {})",
            record.format,
            record.version,
            super::record::FORMAT,
            super::record::FORMAT_VERSION
        )));
    }
    Ok(record)
}

/// Writes the files of `formats` into `folder` (created if needed) and
/// returns their paths.
pub fn write(
    record: &RunRecord,
    folder: &Path,
    formats: &[Format],
) -> Result<Vec<PathBuf>, ReportError> {
    if !formats.iter().any(|f| f.is_file()) {
        return Ok(Vec::new());
    }
    let evidence = folder.join("evidence");
    create_dir(&evidence)?;
    let mut written = Vec::new();
    let json = to_json(record)?;
    written.push(save(folder.join("results.json"), &json)?);
    // Rendered from the JSON just written, so what the reports show is
    // exactly what the canonical file holds.
    let canonical = from_json(&json)?;
    if formats.contains(&Format::Junit) {
        written.push(save(folder.join("junit.xml"), &junit::render(&canonical)?)?);
    }
    if formats.contains(&Format::Html) {
        written.push(save(folder.join("index.html"), &html::render(&canonical)?)?);
    }
    for exchange in &record.exchanges {
        save(
            evidence.join(format!("{}.txt", exchange.id())),
            &exchange.transcript(),
        )?;
    }
    // A record read back from results.json has no files: they were
    // written with it.
    for rendering in &record.renderings {
        if !rendering.files.dom.is_empty() {
            save(evidence.join(&rendering.dom_file), &rendering.files.dom)?;
        }
        if let (Some(shot), Some(png)) = (&rendering.screenshot, &rendering.files.png) {
            let path = evidence.join(&shot.file);
            std::fs::write(&path, png.as_slice()).map_err(|source| ReportError::Io {
                path: path.clone(),
                source,
            })?;
        }
    }
    Ok(written)
}

fn create_dir(path: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(path).map_err(|source| ReportError::Io {
        path: path.to_owned(),
        source,
    })
}

fn save(path: PathBuf, text: &str) -> Result<PathBuf, ReportError> {
    std::fs::write(&path, text).map_err(|source| ReportError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}
