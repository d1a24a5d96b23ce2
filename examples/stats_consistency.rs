//! Benchmark of the STATS consistency rules at académie scale: 5
//! départements, 150 circonscriptions, 600 collectivités, 3,000 schools,
//! 52 weeks, every column of the suite. Builds the documents in memory (as
//! the probe would have read them), then times the additive and
//! unique-user rules; `ci/bench.sh` runs it in release mode and reports
//! peak memory.
//!
//! `cargo run --release --example stats_consistency`

#![expect(
    clippy::print_stdout,
    reason = "a benchmark prints its figures for ci/bench.sh"
)]

use std::time::Instant;

use entconf::probe::{Page, PageBody};
use entconf::stats::StatsRule;
use entconf::stats::{
    ActivityLog, Answer, Asked, Parsed, StatsObservation, StatsReading, judge_statistics,
};
use entconf::stats::{Cell, Entity, Level, Period, Row, StatsDocument};
use entconf::suite::{embedded_sources, load};

const DEPARTEMENTS: usize = 5;
const CIRCONSCRIPTIONS_PER_DEPARTEMENT: usize = 30;
const SCHOOLS_PER_CIRCONSCRIPTION: usize = 20;
const SCHOOLS_PER_COLLECTIVITE: usize = 5;
const WEEKS: usize = 52;

fn page(url: &str) -> Page {
    let url = reqwest::Url::parse(url).expect("valid URL");
    Page {
        requested: url.clone(),
        final_url: url,
        status: 200,
        hops: Vec::new(),
        media_type: Some("application/json".to_owned()),
        body: PageBody::Text("".into()),
        set_cookies: Vec::new(),
        parsed: Default::default(),
        retry_after: None,
        headers: Vec::new(),
        rendering: None,
    }
}

fn asked(entity: Entity, doc: StatsDocument) -> Asked {
    Asked {
        viewer: None,
        answer: Answer::Http {
            page: Box::new(page("http://bench.invalid/")),
            parsed: Some(Ok(Parsed::Json(doc))),
        },
        entity,
    }
}

/// Deterministic small numbers.
fn value(seed: usize, column: usize, week: usize) -> u64 {
    let mut x = (seed * 7919 + column * 104_729 + week * 1_299_709) as u64;
    x ^= x >> 13;
    x = x.wrapping_mul(0x5bd1_e995);
    x ^= x >> 15;
    5 + x % 200
}

fn weeks() -> Vec<String> {
    let first = chrono::NaiveDate::from_ymd_opt(2025, 9, 1).expect("date");
    (0..WEEKS)
        .map(|w| (first + chrono::Duration::days(7 * w as i64)).to_string())
        .collect()
}

fn count(cell: &Option<Cell>) -> u64 {
    match cell {
        Some(Cell::Count(n)) => *n,
        _ => 0,
    }
}

/// Rows of an upper level: additive columns summed, people columns the
/// largest child (a consistent candidate).
fn combine(children: &[&[Row]], additive: &[bool], weeks: &[String]) -> Vec<Row> {
    weeks
        .iter()
        .enumerate()
        .map(|(w, week)| Row {
            week: week.clone(),
            values: additive
                .iter()
                .enumerate()
                .map(|(i, additive)| {
                    let values = children.iter().map(|rows| count(&rows[w].values[i]));
                    let v = if *additive {
                        values.sum()
                    } else {
                        values.max().unwrap_or(0)
                    };
                    Some(Cell::Count(v))
                })
                .collect(),
        })
        .collect()
}

fn main() {
    let catalog = load(&embedded_sources()).expect("embedded suites");
    let spec = catalog
        .checks()
        .flat_map(|c| &c.assertions)
        .find_map(|a| match &a.kind {
            entconf::suite::AssertionKind::Statistics { spec, .. } => Some(spec.clone()),
            _ => None,
        })
        .expect("a statistics assertion");
    let names: Vec<String> = spec.columns().into_iter().map(|c| c.name).collect();
    let additive: Vec<bool> = spec.columns().into_iter().map(|c| c.additive).collect();
    let weeks = weeks();
    let document = |level: Level, id: &str, children: Vec<Entity>, rows: Vec<Row>| {
        StatsDocument::table(level, id, children, names.clone(), rows)
    };
    let started = Instant::now();
    let mut tree = Vec::new();
    let (mut departements, mut department_rows) = (Vec::new(), Vec::new());
    let mut schools_all: Vec<Entity> = Vec::new();
    let mut school_index = 0;
    for d in 0..DEPARTEMENTS {
        let dep = Entity::new(Level::Departement, format!("0{d:02}"));
        let (mut circs, mut circ_rows) = (Vec::new(), Vec::new());
        for c in 0..CIRCONSCRIPTIONS_PER_DEPARTEMENT {
            let circ = Entity::new(Level::Circonscription, format!("{}-C{c:02}", dep.id));
            let (mut schools, mut rows_of) = (Vec::new(), Vec::new());
            for _ in 0..SCHOOLS_PER_CIRCONSCRIPTION {
                let school = Entity::new(Level::Ecole, format!("{:07}X", 990_000 + school_index));
                let rows: Vec<Row> = weeks
                    .iter()
                    .enumerate()
                    .map(|(w, week)| Row {
                        week: week.clone(),
                        values: (0..names.len())
                            .map(|i| Some(Cell::Count(value(school_index, i, w))))
                            .collect(),
                    })
                    .collect();
                rows_of.push(rows);
                schools.push(school);
                school_index += 1;
            }
            let refs: Vec<&[Row]> = rows_of.iter().map(Vec::as_slice).collect();
            let rows = combine(&refs, &additive, &weeks);
            circ_rows.push(rows.clone());
            for (school, rows) in schools.iter().zip(rows_of) {
                tree.push(asked(
                    school.clone(),
                    document(Level::Ecole, &school.id, Vec::new(), rows),
                ));
            }
            schools_all.extend(schools.iter().cloned());
            tree.push(asked(
                circ.clone(),
                document(Level::Circonscription, &circ.id, schools, rows),
            ));
            circs.push(circ);
        }
        let refs: Vec<&[Row]> = circ_rows.iter().map(Vec::as_slice).collect();
        let rows = combine(&refs, &additive, &weeks);
        department_rows.push(rows.clone());
        tree.push(asked(
            dep.clone(),
            document(Level::Departement, &dep.id, circs, rows),
        ));
        departements.push(dep);
    }
    let refs: Vec<&[Row]> = department_rows.iter().map(Vec::as_slice).collect();
    let rows = combine(&refs, &additive, &weeks);
    tree.insert(
        0,
        asked(
            Entity::new(Level::Academie, "99"),
            document(Level::Academie, "99", departements, rows),
        ),
    );
    let school_rows: std::collections::HashMap<Entity, usize> = tree
        .iter()
        .enumerate()
        .filter(|(_, a)| a.entity.level == Level::Ecole)
        .map(|(i, a)| (a.entity.clone(), i))
        .collect();
    let mut collectivites = Vec::new();
    for (n, schools) in schools_all.chunks(SCHOOLS_PER_COLLECTIVITE).enumerate() {
        let id = format!("99{n:03}");
        let refs: Vec<&[Row]> = schools
            .iter()
            .filter_map(|s| tree[school_rows[s]].answer.document())
            .map(|doc| doc.rows.as_slice())
            .collect();
        let rows = combine(&refs, &additive, &weeks);
        collectivites.push(asked(
            Entity::new(Level::Collectivite, id.clone()),
            document(Level::Collectivite, &id, schools.to_vec(), rows),
        ));
    }
    tree.extend(collectivites);
    let built = started.elapsed();
    let observed = StatsObservation {
        activity: ActivityLog::default(),
        reading: StatsReading::walked(
            Period::covering(
                chrono::NaiveDate::from_ymd_opt(2025, 9, 1).expect("date"),
                chrono::NaiveDate::from_ymd_opt(2026, 8, 30).expect("date"),
            ),
            tree,
        ),
        schools: Vec::new(),
        identifiers: Vec::new(),
    };
    let cells = observed.reading.tree.len() * WEEKS * names.len();
    println!(
        "arborescence : {} entités, {WEEKS} semaines, {} colonnes ({cells} cellules), construite en {} ms",
        observed.reading.tree.len(),
        names.len(),
        built.as_millis()
    );
    for rule in [StatsRule::Additive, StatsRule::UniqueUsers] {
        let start = Instant::now();
        let verdict = judge_statistics(rule, &spec, &observed);
        println!(
            "règle {} : {:?} en {} ms — {}",
            rule.as_str(),
            verdict.status,
            start.elapsed().as_millis(),
            verdict.actual
        );
    }
}
