//! The STATS part of the suite format: the `statistics:` block as authors
//! write it (`StatisticsEntry`, whose JSON Schema is generated with the
//! suite file's), its validation, the typed specification the scenario and
//! the judges read (`StatsSpec`), and the rules a `statistics` assertion
//! names (`StatsRule`).
//!
//! Regulation-dependent parameters (columns, confidentiality threshold,
//! activity) stay in the suite file; this module only gives them meaning.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;

use super::Level;
use crate::suite::{Located, Problems, is_identifier, parse_duration};

// --- As written in the suite file ---

/// The `statistics:` block of a suite.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatisticsEntry {
    /// Profile column suffixes (DNMA: `eleve`, `parent`, `enseignant`, `admin_vie_scol_tech`).
    pub profiles: Vec<String>,
    /// Service column suffixes (DNMA service taxonomy), each a page the target maps in `[stats.services]`.
    pub services: Vec<String>,
    /// Device column suffixes (`ordinateur`, `smartphone`, `tablette`, `autresappareil`).
    pub devices: Vec<String>,
    /// Measures (`visites`, `utilisateurs`, `duree`), whether they add up across levels, and their breakdowns.
    pub measures: Vec<MeasureEntry>,
    /// Deployment indicators given per profile (`comptes_charges`, `comptes_actives`); additive.
    #[serde(default)]
    pub deployment: Vec<DeploymentEntry>,
    /// Suffix of the all-profiles column (DNMA: `globales`).
    pub total_suffix: String,
    /// Definitions the candidate must publish under `definitions`.
    #[serde(default)]
    pub definitions: Vec<String>,
    /// Statistical confidentiality rule.
    pub small_cells: SmallCellsEntry,
    /// Keys that would name a person (`nom`, `email`, …): forbidden in every document.
    #[serde(default)]
    pub forbidden_keys: Vec<String>,
    /// CSV separator (one ASCII character other than `"`; DNMA uses `;`).
    pub csv_separator: Located<String>,
    /// Context columns of the DNMA-shaped export.
    #[serde(default)]
    pub dnma_keys: Vec<String>,
    /// User-Agent header sent for each device of the activity.
    pub user_agents: BTreeMap<String, String>,
    /// Allowance on each visit's measured duration, e.g. `2s`.
    pub duration_tolerance: Located<String>,
    /// The activity played in every dedicated school before reading.
    pub activity: Vec<Located<ActivityEntry>>,
}

/// A measure of the `statistics:` block.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureEntry {
    /// Column prefix, e.g. `visites`.
    pub name: String,
    /// An upper level must be the sum of its children (false for unique users).
    pub additive: bool,
    /// What it counts: `visits`, `people` or `seconds`.
    pub counts: Located<String>,
    /// Breakdowns: `total`, `profile`, `service`, `device`.
    pub by: Vec<Located<String>>,
}

/// A deployment indicator of the `statistics:` block.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentEntry {
    /// Column prefix, e.g. `comptes_charges`.
    pub name: String,
    /// What it counts: `loaded` (accounts from the directory) or `activated` (used at least once).
    pub counts: Located<String>,
}

/// The confidentiality rule.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SmallCellsEntry {
    /// Counts from 1 to `below - 1` must be left empty.
    pub below: u64,
    /// Levels where the rule applies (`ecole`, `circonscription`, …).
    pub levels: Vec<Located<String>>,
    /// Measures it applies to.
    pub measures: Vec<Located<String>>,
}

/// One line of the scripted activity.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityEntry {
    /// `pupils`, `parents`, `teachers` or `director` of the dedicated school.
    pub who: Located<String>,
    /// Profile column they must be counted in.
    pub profile: Located<String>,
    /// Distinct people.
    pub people: usize,
    /// Visits (login … logout) of each.
    pub visits_each: usize,
    /// Services opened in each visit.
    #[serde(default)]
    pub services: Vec<Located<String>>,
    /// Device of the visits (a key of `user_agents`).
    pub device: Located<String>,
}

// --- As the scenario and the judges read it ---

/// What the statistics must contain and how the harness exercises them
/// (the suite's `statistics:` block): regulation-dependent parameters stay
/// in the suite file.
#[derive(Debug)]
pub struct StatsSpec {
    /// Profile column suffixes, e.g. `eleve`.
    pub profiles: Vec<String>,
    /// Service column suffixes, e.g. `messagerie`.
    pub services: Vec<String>,
    /// Device column suffixes, e.g. `smartphone`.
    pub devices: Vec<String>,
    /// Measures and their breakdowns.
    pub measures: Vec<Measure>,
    /// Deployment indicators broken down by profile (additive).
    pub deployment: Vec<Deployment>,
    /// Suffix of the all-profiles column, e.g. `globales`.
    pub total_suffix: String,
    /// Definitions the candidate must publish.
    pub definitions: Vec<String>,
    /// Statistical confidentiality.
    pub small_cells: SmallCells,
    /// Keys that name a person (forbidden in any document).
    pub forbidden_keys: Vec<String>,
    /// CSV separator.
    pub csv_separator: char,
    /// Context columns of the DNMA-shaped export.
    pub dnma_keys: Vec<String>,
    /// User-Agent sent per device.
    pub user_agents: BTreeMap<String, String>,
    /// The scripted activity, run in every dedicated school.
    pub activity: Vec<ActivityLine>,
    /// Allowance on the measured duration of each visit.
    pub duration_tolerance: Duration,
}

/// A measure (`visites`) and what it is broken down by.
#[derive(Clone, Debug)]
pub struct Measure {
    /// Column prefix.
    pub name: String,
    /// An upper level is the sum of its children.
    pub additive: bool,
    /// What it counts, for the ground truth.
    pub counts: Counted,
    /// Breakdowns served.
    pub by: Vec<Dimension>,
}

/// A deployment indicator (per profile).
#[derive(Clone, Debug)]
pub struct Deployment {
    /// Column prefix, e.g. `comptes_charges`.
    pub name: String,
    /// What it counts.
    pub counts: Counted,
}

/// What a column counts, so that the harness knows what to expect from
/// the activity it played.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    /// Visits (login to logout).
    Visits,
    /// Distinct people.
    People,
    /// Seconds spent, summed over visits.
    Seconds,
    /// Accounts loaded from the directory.
    Loaded,
    /// Accounts used at least once.
    Activated,
}

impl Counted {
    /// Every kind.
    pub const ALL: [Self; 5] = [
        Self::Visits,
        Self::People,
        Self::Seconds,
        Self::Loaded,
        Self::Activated,
    ];

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visits => "visits",
            Self::People => "people",
            Self::Seconds => "seconds",
            Self::Loaded => "loaded",
            Self::Activated => "activated",
        }
    }
}

/// A breakdown of a measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dimension {
    /// All profiles together (`<measure>_<total_suffix>`).
    Total,
    /// Per profile.
    Profile,
    /// Per service.
    Service,
    /// Per device.
    Device,
}

impl Dimension {
    /// Every dimension.
    pub const ALL: [Self; 4] = [Self::Total, Self::Profile, Self::Service, Self::Device];

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Total => "total",
            Self::Profile => "profile",
            Self::Service => "service",
            Self::Device => "device",
        }
    }
}

/// Statistical confidentiality: counts below `below` are left empty.
#[derive(Clone, Debug)]
pub struct SmallCells {
    /// Smallest count that may be shown (counts from 1 to `below - 1` are hidden).
    pub below: u64,
    /// Levels where the rule applies.
    pub levels: Vec<Level>,
    /// Measures it applies to.
    pub measures: Vec<String>,
}

/// One line of the scripted activity.
#[derive(Clone, Debug)]
pub struct ActivityLine {
    /// Who logs in.
    pub who: Who,
    /// Profile column they are counted in.
    pub profile: String,
    /// Distinct people.
    pub people: usize,
    /// Visits of each.
    pub visits_each: usize,
    /// Services used in each visit.
    pub services: Vec<String>,
    /// Device (User-Agent) used.
    pub device: String,
}

/// The people of a dedicated school an activity line uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Who {
    /// Pupils (ÉduConnect).
    Pupils,
    /// Parents (ÉduConnect); people with children in two dedicated schools first.
    Parents,
    /// Teachers (agents' guichet).
    Teachers,
    /// The school's director (agents' guichet).
    Director,
}

impl Who {
    /// Every kind.
    pub const ALL: [Self; 4] = [Self::Pupils, Self::Parents, Self::Teachers, Self::Director];

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pupils => "pupils",
            Self::Parents => "parents",
            Self::Teachers => "teachers",
            Self::Director => "director",
        }
    }
}

/// A column the statistics must have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// Name, e.g. `visites_eleve`.
    pub name: String,
    /// Measure prefix.
    pub measure: String,
    /// Sums up the levels.
    pub additive: bool,
    /// What it counts.
    pub counts: Counted,
    /// Breakdown.
    pub dimension: Dimension,
    /// Profile, service or device (empty for totals).
    pub value: String,
}

impl StatsSpec {
    /// Every column the suite expects, measures first, then deployment.
    pub fn columns(&self) -> Vec<Column> {
        let mut columns = Vec::new();
        for measure in &self.measures {
            for dimension in &measure.by {
                let values: Vec<&String> = match dimension {
                    Dimension::Total => vec![&self.total_suffix],
                    Dimension::Profile => self.profiles.iter().collect(),
                    Dimension::Service => self.services.iter().collect(),
                    Dimension::Device => self.devices.iter().collect(),
                };
                for value in values {
                    columns.push(Column {
                        name: format!("{}_{value}", measure.name),
                        measure: measure.name.clone(),
                        additive: measure.additive,
                        counts: measure.counts,
                        dimension: *dimension,
                        value: if *dimension == Dimension::Total {
                            String::new()
                        } else {
                            value.clone()
                        },
                    });
                }
            }
        }
        for indicator in &self.deployment {
            for profile in &self.profiles {
                columns.push(Column {
                    name: format!("{}_{profile}", indicator.name),
                    measure: indicator.name.clone(),
                    additive: true,
                    counts: indicator.counts,
                    dimension: Dimension::Profile,
                    value: profile.clone(),
                });
            }
        }
        columns
    }

    /// Whether a count is one the confidentiality rule hides at `level`.
    pub fn hidden(&self, column: &Column, level: Level, count: u64) -> bool {
        (1..self.small_cells.below).contains(&count)
            && self.small_cells.levels.contains(&level)
            && self.small_cells.measures.contains(&column.measure)
    }
}

/// What a `statistics` assertion verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatsRule {
    /// Every level is served, reachable from the académie down.
    Levels,
    /// Every expected column is there, every value a count or hidden.
    Indicators,
    /// The definitions are published.
    Definitions,
    /// The dedicated schools count exactly the scripted activity.
    GroundTruth,
    /// Additive measures of a level are the sum of its children.
    Additive,
    /// Unique users are never summed across children.
    UniqueUsers,
    /// The CSV has the declared separator and the JSON's values.
    Csv,
    /// Small counts are hidden where the suite says.
    SmallCells,
    /// Weeks start on Monday, inside the period asked for.
    Weeks,
    /// Requests without credentials get nothing.
    Anonymous,
    /// Each viewer gets their scope and nothing else.
    Scoped,
    /// No document names or identifies a person.
    NoIdentifiers,
    /// The DNMA-shaped export: one row per UAI and week, with the context keys.
    Dnma,
}

impl StatsRule {
    /// Every rule.
    pub const ALL: [Self; 13] = [
        Self::Levels,
        Self::Indicators,
        Self::Definitions,
        Self::GroundTruth,
        Self::Additive,
        Self::UniqueUsers,
        Self::Csv,
        Self::SmallCells,
        Self::Weeks,
        Self::Anonymous,
        Self::Scoped,
        Self::NoIdentifiers,
        Self::Dnma,
    ];

    /// Name in suite files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Levels => "levels",
            Self::Indicators => "indicators",
            Self::Definitions => "definitions",
            Self::GroundTruth => "ground_truth",
            Self::Additive => "additive",
            Self::UniqueUsers => "unique_users",
            Self::Csv => "csv",
            Self::SmallCells => "small_cells",
            Self::Weeks => "weeks",
            Self::Anonymous => "anonymous",
            Self::Scoped => "scoped",
            Self::NoIdentifiers => "no_identifiers",
            Self::Dnma => "dnma",
        }
    }

    /// French label used when the suite gives none.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Levels => "Statistiques servies à chaque niveau, de l'académie à l'école",
            Self::Indicators => "Indicateurs et dimensions attendus, valeurs entières ou masquées",
            Self::Definitions => "Définitions publiées (visite, utilisateur unique, durée)",
            Self::GroundTruth => "Les écoles dédiées comptent exactement l'activité jouée",
            Self::Additive => "Chaque niveau est la somme de ses enfants (mesures additives)",
            Self::UniqueUsers => "Les utilisateurs uniques ne sont pas additionnés entre niveaux",
            Self::Csv => "Export CSV : séparateur déclaré, mêmes valeurs que le JSON",
            Self::SmallCells => "Petits effectifs masqués (secret statistique)",
            Self::Weeks => "Semaines du lundi au dimanche, dans la période demandée",
            Self::Anonymous => "Aucune statistique sans authentification",
            Self::Scoped => "Chaque compte ne voit que son périmètre",
            Self::NoIdentifiers => "Aucune donnée identifiant une personne",
            Self::Dnma => "Export au format DNMA : une ligne par UAI et par semaine",
        }
    }
}

// --- From the one to the other ---

/// The `statistics:` block: every name it uses must be declared in it.
pub(crate) fn validate(
    cx: &mut Problems<'_>,
    entry: &Located<StatisticsEntry>,
) -> Option<StatsSpec> {
    let before = cx.count();
    let raw = &entry.value;
    let names_ok =
        |list: &[String]| !list.is_empty() && list.iter().all(|name| is_identifier(name));
    for (what, list) in [
        ("profiles", &raw.profiles),
        ("services", &raw.services),
        ("devices", &raw.devices),
    ] {
        if !names_ok(list) {
            cx.error(
                entry,
                format!("statistics.{what} : liste non vide de noms en minuscules, chiffres, _"),
            );
        }
    }
    if !is_identifier(&raw.total_suffix) {
        cx.error(entry, "statistics.total_suffix : minuscules, chiffres, _");
    }
    let mut measures = Vec::new();
    for measure in &raw.measures {
        let mut by = Vec::new();
        for name in &measure.by {
            match Dimension::ALL
                .into_iter()
                .find(|d| d.as_str() == name.value)
            {
                Some(d) => by.push(d),
                None => cx.error(
                    name,
                    format!(
                        "dimension « {} » inconnue (connues : total, profile, service, device)",
                        name.value
                    ),
                ),
            }
        }
        if !is_identifier(&measure.name) || by.is_empty() && measure.by.is_empty() {
            cx.error(
                entry,
                format!(
                    "statistics.measures : « {} » doit être un nom (minuscules, _) avec au moins une dimension (by)",
                    measure.name
                ),
            );
        }
        let counts = counted(
            cx,
            &measure.counts,
            &[Counted::Visits, Counted::People, Counted::Seconds],
        );
        measures.push(Measure {
            name: measure.name.clone(),
            additive: measure.additive,
            counts: counts.unwrap_or(Counted::Visits),
            by,
        });
    }
    if measures.is_empty() {
        cx.error(entry, "statistics.measures : au moins une mesure");
    }
    let measure_names: BTreeSet<&str> = raw.measures.iter().map(|m| m.name.as_str()).collect();
    let mut levels = Vec::new();
    for level in &raw.small_cells.levels {
        match Level::parse(&level.value) {
            Some(l) => levels.push(l),
            None => cx.error(
                level,
                format!(
                    "niveau « {} » inconnu (connus : ecole, circonscription, collectivite, departement, academie)",
                    level.value
                ),
            ),
        }
    }
    for unknown in raw
        .small_cells
        .measures
        .iter()
        .filter(|m| !measure_names.contains(m.value.as_str()))
    {
        cx.error(
            unknown,
            format!(
                "statistics.small_cells : mesure « {} » non déclarée dans measures",
                unknown.value
            ),
        );
    }
    let mut deployment = Vec::new();
    for entry in &raw.deployment {
        if let Some(counts) = counted(cx, &entry.counts, &[Counted::Loaded, Counted::Activated]) {
            deployment.push(Deployment {
                name: entry.name.clone(),
                counts,
            });
        }
    }
    let mut separator = raw.csv_separator.value.chars();
    let csv_separator = match (separator.next(), separator.next()) {
        // ASCII: the CSV parser (csv-core) cuts bytes.
        (Some(c), None) if c.is_ascii() && !matches!(c, '"' | '\n' | '\r') => c,
        _ => {
            cx.error(
                &raw.csv_separator,
                "statistics.csv_separator : un seul caractère ASCII, autre que « \" » (ex. « ; »)",
            );
            ';'
        }
    };
    let duration_tolerance = match parse_duration(&raw.duration_tolerance.value) {
        Ok(d) => d,
        Err(message) => {
            cx.error(&raw.duration_tolerance, message);
            std::time::Duration::ZERO
        }
    };
    for device in &raw.devices {
        if !raw.user_agents.contains_key(device) {
            cx.error(
                entry,
                format!("statistics.user_agents : aucun User-Agent pour l'appareil « {device} »"),
            );
        }
    }
    let mut activity = Vec::new();
    for line in &raw.activity {
        let l = &line.value;
        let who = Who::ALL.into_iter().find(|w| w.as_str() == l.who.value);
        if who.is_none() {
            cx.error(
                &l.who,
                format!(
                    "« {} » inconnu (connus : pupils, parents, teachers, director)",
                    l.who.value
                ),
            );
        }
        if !raw.profiles.contains(&l.profile.value) {
            cx.error(
                &l.profile,
                format!(
                    "profil « {} » absent de statistics.profiles",
                    l.profile.value
                ),
            );
        }
        if !raw.devices.contains(&l.device.value) {
            cx.error(
                &l.device,
                format!(
                    "appareil « {} » absent de statistics.devices",
                    l.device.value
                ),
            );
        }
        for service in &l.services {
            if !raw.services.contains(&service.value) {
                cx.error(
                    service,
                    format!(
                        "service « {} » absent de statistics.services",
                        service.value
                    ),
                );
            }
        }
        if l.people == 0 || l.visits_each == 0 {
            cx.error(line, "activité : people et visits_each valent au moins 1");
        }
        if who == Some(Who::Director) && l.people > 1 {
            cx.error(line, "activité : une école n'a qu'un directeur (people: 1)");
        }
        if let Some(who) = who {
            activity.push(ActivityLine {
                who,
                profile: l.profile.value.clone(),
                people: l.people,
                visits_each: l.visits_each,
                services: l.services.iter().map(|s| s.value.clone()).collect(),
                device: l.device.value.clone(),
            });
        }
    }
    if raw.activity.is_empty() {
        cx.error(entry, "statistics.activity : au moins une ligne d'activité");
    }
    (cx.count() == before).then(|| StatsSpec {
        profiles: raw.profiles.clone(),
        services: raw.services.clone(),
        devices: raw.devices.clone(),
        measures,
        deployment,
        total_suffix: raw.total_suffix.clone(),
        definitions: raw.definitions.clone(),
        small_cells: SmallCells {
            below: raw.small_cells.below,
            levels,
            measures: raw
                .small_cells
                .measures
                .iter()
                .map(|m| m.value.clone())
                .collect(),
        },
        forbidden_keys: raw.forbidden_keys.clone(),
        csv_separator,
        dnma_keys: raw.dnma_keys.clone(),
        user_agents: raw.user_agents.clone(),
        activity,
        duration_tolerance,
    })
}

fn counted(cx: &mut Problems<'_>, name: &Located<String>, allowed: &[Counted]) -> Option<Counted> {
    let found = allowed.iter().copied().find(|c| c.as_str() == name.value);
    if found.is_none() {
        let names: Vec<&str> = allowed.iter().map(|c| c.as_str()).collect();
        cx.error(
            name,
            format!(
                "counts « {} » inconnu ici (connus : {})",
                name.value,
                names.join(", ")
            ),
        );
    }
    found
}
