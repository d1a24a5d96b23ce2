//! Statistics as a candidate serves them, read into typed tables: the five
//! levels of the French school administration, the documents of the
//! conformance statistics API (JSON and `;`-separated CSV, DNMA-shaped
//! rows), and the Europe/Paris calendar weeks they are counted in.
//!
//! Reading is strict but never judges: a cell that is not a count is kept
//! as [`Cell::Invalid`] with what it was, so that the checks can say which
//! row and column is wrong. Only a document that cannot be read at all
//! (not JSON, no rows) is an error here.
//!
//! The STATS domain: the scenario played once per run (`scenario`: the
//! scripted activity, then the reading), the walk of the statistics API
//! (`reading`), what they observe (`observation`) and the pure judges
//! (`judge`).

mod calendar;
mod csv;
mod judge;
mod observation;
mod reading;
mod scenario;
mod spec;

use std::collections::BTreeMap;
use std::fmt;

pub use calendar::{Period, paris_date, week_start};
pub use csv::{CsvTable, parse_csv};
pub use judge::judge_statistics;
pub use observation::StatsObservation;
pub use reading::{
    ActivityLog, ActivityVisit, Answer, Asked, MAX_ENTITIES, MAX_WALK_BYTES, Parsed, ReadPlan,
    StatsReading, parent_of, read_entity, read_statistics, subtree,
};
pub(crate) use scenario::observe;
pub(crate) use spec::validate as validate_spec;
pub use spec::{
    ActivityEntry, ActivityLine, Column, Counted, Deployment, DeploymentEntry, Dimension, Measure,
    MeasureEntry, SmallCells, SmallCellsEntry, StatisticsEntry, StatsRule, StatsSpec, Who,
};

/// The column holding the first day of the week a row counts (DNMA name).
pub const WEEK_COLUMN: &str = "debutsemaine";

/// A level of the administration at which statistics are served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// A school, by UAI.
    Ecole,
    /// An inspection district (IEN).
    Circonscription,
    /// The commune or EPCI that owns the ENT.
    Collectivite,
    /// A département (DASEN).
    Departement,
    /// An académie (rectorat, DRANE).
    Academie,
}

impl Level {
    /// Every level, smallest first.
    pub const ALL: [Self; 5] = [
        Self::Ecole,
        Self::Circonscription,
        Self::Collectivite,
        Self::Departement,
        Self::Academie,
    ];

    /// Name in URLs, documents and target files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ecole => "ecole",
            Self::Circonscription => "circonscription",
            Self::Collectivite => "collectivite",
            Self::Departement => "departement",
            Self::Academie => "academie",
        }
    }

    /// French label for reports.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Ecole => "école",
            Self::Circonscription => "circonscription",
            Self::Collectivite => "collectivité",
            Self::Departement => "département",
            Self::Academie => "académie",
        }
    }

    /// Parses a name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|level| level.as_str() == name)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A school, district, collectivité, département or académie.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Entity {
    /// Its level.
    pub level: Level,
    /// Its identifier at that level (UAI for a school).
    pub id: String,
}

impl Entity {
    /// An entity.
    pub fn new(level: Level, id: impl Into<String>) -> Self {
        Self {
            level,
            id: id.into(),
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.level.label_fr(), self.id)
    }
}

/// One value of a statistics table. Sixteen bytes: an académie holds
/// millions of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    /// A non-negative count (or a duration in seconds).
    Count(u64),
    /// Left empty on purpose (statistical confidentiality).
    Suppressed,
    /// Anything else, described (French).
    Invalid(Box<String>),
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Count(n) => write!(f, "{n}"),
            Self::Suppressed => f.write_str("masqué"),
            Self::Invalid(what) => write!(f, "invalide ({what})"),
        }
    }
}

impl Cell {
    /// A value that is not a count, described.
    pub fn invalid(what: impl Into<String>) -> Self {
        Self::Invalid(Box::new(what.into()))
    }

    /// Reads a CSV field: empty is suppressed.
    pub fn from_text(text: &str) -> Self {
        let text = text.trim();
        if text.is_empty() {
            return Self::Suppressed;
        }
        match text.parse::<u64>() {
            Ok(n) => Self::Count(n),
            Err(_) if text.parse::<i64>().is_ok() => {
                Self::invalid(format!("valeur négative {text}"))
            }
            Err(_) => Self::invalid(format!("« {} » n'est pas un entier", clip(text))),
        }
    }

    fn from_json(value: &serde_json::Value) -> Self {
        use serde_json::Value;
        match value {
            Value::Null => Self::Suppressed,
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(n), _) => Self::Count(n),
                (None, Some(negative)) => Self::invalid(format!("valeur négative {negative}")),
                _ => Self::invalid(format!("nombre non entier {n}")),
            },
            Value::String(text) => Self::invalid(format!("texte « {} »", clip(text))),
            Value::Bool(b) => Self::invalid(format!("booléen {b}")),
            Value::Array(_) => Self::invalid("liste"),
            Value::Object(_) => Self::invalid("objet"),
        }
    }
}

fn clip(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}

/// One row: a week of one entity, its values in the order of the
/// document's [`StatsDocument::columns`] (`None`: not given in this row).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The `debutsemaine` value as written.
    pub week: String,
    /// Every other column.
    pub values: Vec<Option<Cell>>,
}

/// The sum of a column over the rows of a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Total {
    /// Every row gives a count.
    Count(u64),
    /// Some rows are suppressed; the others add up to this.
    AtLeast(u64),
    /// No row gives the column.
    Missing,
    /// A row gives something that is not a count.
    Invalid(String),
}

/// A statistics document of one entity (the JSON of the conformance API).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatsDocument {
    /// `niveau` as written.
    pub level: String,
    /// `id` as written.
    pub id: String,
    /// Entities one level down (`enfants`).
    pub children: Vec<Entity>,
    /// Children with an unknown level, as written (`niveau id`).
    pub unknown_children: Vec<String>,
    /// Upper entities of a school (`rattachement`: level → id).
    pub attachment: BTreeMap<String, String>,
    /// Published definitions (`definitions`: name → text).
    pub definitions: BTreeMap<String, String>,
    /// Every column some row gives, `debutsemaine` apart, in first-seen order.
    pub columns: Vec<String>,
    /// Rows (`lignes`), one per week.
    pub rows: Vec<Row>,
}

impl StatsDocument {
    /// Parses the JSON of the conformance API; an error says what is missing.
    pub fn parse_json(text: &str) -> Result<Self, String> {
        use serde_json::Value;
        let value: Value = serde_json::from_str(text).map_err(|error| {
            format!(
                "JSON illisible (ligne {}, colonne {}) : {error}",
                error.line(),
                error.column()
            )
        })?;
        let Value::Object(object) = value else {
            return Err("le document n'est pas un objet JSON".to_owned());
        };
        let text_of = |key: &str| match object.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let mut children = Vec::new();
        let mut unknown_children = Vec::new();
        if let Some(Value::Array(items)) = object.get("enfants") {
            for item in items {
                let level = item.get("niveau").and_then(Value::as_str).unwrap_or("");
                let id = item.get("id").and_then(Value::as_str).unwrap_or("");
                match Level::parse(level) {
                    Some(level) if !id.is_empty() => children.push(Entity::new(level, id)),
                    _ => unknown_children.push(format!("{level} {id}")),
                }
            }
        }
        let strings = |key: &str| -> BTreeMap<String, String> {
            match object.get(key) {
                Some(Value::Object(map)) => map
                    .iter()
                    .map(|(k, v)| {
                        let text = match v {
                            Value::String(s) => s.clone(),
                            Value::Null => String::new(),
                            other => other.to_string(),
                        };
                        (k.clone(), text)
                    })
                    .collect(),
                _ => BTreeMap::new(),
            }
        };
        let Some(Value::Array(lines)) = object.get("lignes") else {
            return Err("le document n'a pas de tableau « lignes »".to_owned());
        };
        let mut columns = Columns::default();
        let mut rows = Vec::with_capacity(lines.len());
        for (index, line) in lines.iter().enumerate() {
            let Value::Object(fields) = line else {
                return Err(format!("lignes[{index}] n'est pas un objet"));
            };
            let week = match fields.get(WEEK_COLUMN) {
                Some(Value::String(s)) => s.clone(),
                _ => String::new(),
            };
            let mut values = vec![None; columns.names.len()];
            for (key, value) in fields.iter().filter(|(key, _)| key.as_str() != WEEK_COLUMN) {
                let at = columns.position(key);
                if values.len() <= at {
                    values.resize(at + 1, None);
                }
                values[at] = Some(Cell::from_json(value));
            }
            rows.push(Row { week, values });
        }
        Ok(Self {
            columns: columns.names,
            level: text_of("niveau"),
            id: text_of("id"),
            children,
            unknown_children,
            attachment: strings("rattachement"),
            definitions: strings("definitions"),
            rows,
        })
    }

    /// A document of `rows` over `columns` (tables read elsewhere, tests).
    pub fn table(
        level: Level,
        id: &str,
        children: Vec<Entity>,
        columns: Vec<String>,
        rows: Vec<Row>,
    ) -> Self {
        Self {
            level: level.as_str().to_owned(),
            id: id.to_owned(),
            children,
            unknown_children: Vec::new(),
            attachment: BTreeMap::new(),
            definitions: BTreeMap::new(),
            columns,
            rows,
        }
    }

    /// Index of a column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The value of `name` in `row`.
    pub fn get<'a>(&self, row: &'a Row, name: &str) -> Option<&'a Cell> {
        self.column(name)
            .and_then(|at| row.values.get(at))
            .and_then(Option::as_ref)
    }

    /// Every (column, value) `row` gives.
    pub fn cells<'a>(&'a self, row: &'a Row) -> impl Iterator<Item = (&'a str, &'a Cell)> {
        self.columns
            .iter()
            .zip(&row.values)
            .filter_map(|(name, value)| value.as_ref().map(|v| (name.as_str(), v)))
    }

    /// The sum of `column` over every row.
    pub fn total(&self, column: &str) -> Total {
        match self.column(column) {
            Some(at) => total(
                self.rows
                    .iter()
                    .map(|row| row.values.get(at).and_then(Option::as_ref)),
            ),
            None => Total::Missing,
        }
    }
}

/// Column names met so far, with their positions.
#[derive(Default)]
struct Columns {
    names: Vec<String>,
    index: std::collections::HashMap<String, usize>,
}

impl Columns {
    fn position(&mut self, name: &str) -> usize {
        if let Some(at) = self.index.get(name) {
            return *at;
        }
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), self.names.len() - 1);
        self.names.len() - 1
    }
}

/// Adds up cells: a missing cell in some rows only counts as zero.
pub fn total<'a>(cells: impl Iterator<Item = Option<&'a Cell>>) -> Total {
    let (mut sum, mut seen, mut suppressed) = (0u64, false, false);
    for cell in cells {
        match cell {
            None => {}
            Some(Cell::Count(n)) => {
                seen = true;
                sum = sum.saturating_add(*n);
            }
            Some(Cell::Suppressed) => {
                seen = true;
                suppressed = true;
            }
            Some(Cell::Invalid(what)) => return Total::Invalid(what.to_string()),
        }
    }
    match (seen, suppressed) {
        (false, _) => Total::Missing,
        (true, false) => Total::Count(sum),
        (true, true) => Total::AtLeast(sum),
    }
}

impl fmt::Display for Total {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Count(n) => write!(f, "{n}"),
            Self::AtLeast(n) => write!(f, "≥ {n} (cellules masquées)"),
            Self::Missing => f.write_str("absent"),
            Self::Invalid(what) => write!(f, "invalide ({what})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_cells_keep_what_is_not_a_count() {
        let doc = StatsDocument::parse_json(
            r#"{"niveau":"ecole","id":"0990003C","enfants":[{"niveau":"ecole","id":"X"},{"niveau":"canton","id":"Y"}],
                "lignes":[{"debutsemaine":"2026-11-23","visites_globales":7,"utilisateurs_eleve":null,
                "visites_parent":-3,"duree_globales":1.5,"visites_blog":"12"}]}"#,
        )
        .expect("parses");
        let row = &doc.rows[0];
        let cell = |name| doc.get(row, name).cloned();
        assert_eq!(cell("visites_globales"), Some(Cell::Count(7)));
        assert_eq!(cell("utilisateurs_eleve"), Some(Cell::Suppressed));
        assert_eq!(
            cell("visites_parent"),
            Some(Cell::invalid("valeur négative -3"))
        );
        assert_eq!(
            cell("duree_globales"),
            Some(Cell::invalid("nombre non entier 1.5"))
        );
        assert_eq!(cell("visites_blog"), Some(Cell::invalid("texte « 12 »")));
        assert_eq!(cell("absente"), None);
        assert_eq!(doc.total("visites_globales"), Total::Count(7));
        assert_eq!(doc.total("absente"), Total::Missing);
        assert_eq!(doc.children, vec![Entity::new(Level::Ecole, "X")]);
        assert_eq!(doc.unknown_children, vec!["canton Y".to_owned()]);
    }

    #[test]
    fn unreadable_documents_say_why() {
        let nan = StatsDocument::parse_json(r#"{"lignes":[{"visites_globales":NaN}]}"#);
        assert!(nan.is_err_and(|e| e.contains("ligne 1")));
        let no_rows = StatsDocument::parse_json(r#"{"niveau":"ecole"}"#);
        assert!(no_rows.is_err_and(|e| e.contains("lignes")));
        assert!(StatsDocument::parse_json("[]").is_err());
    }

    #[test]
    fn totals_know_suppressed_and_missing_cells() {
        let cells = [Cell::Count(2), Cell::Suppressed, Cell::Count(3)];
        assert_eq!(total(cells.iter().map(Some)), Total::AtLeast(5));
        assert_eq!(total(cells[..1].iter().map(Some)), Total::Count(2));
        assert_eq!(total(std::iter::once(None)), Total::Missing);
        assert_eq!(Cell::from_text(" "), Cell::Suppressed);
        assert_eq!(Cell::from_text("-1"), Cell::invalid("valeur négative -1"));
        assert_eq!(std::mem::size_of::<Option<Cell>>(), 16);
        assert!(matches!(Cell::from_text("NaN"), Cell::Invalid(_)));
    }
}
