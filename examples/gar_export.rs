//! Benchmark of the GAR export validation at département scale: 500
//! schools, 100,000 pupils, 7,000 teachers, classes of 25, files split
//! every 10,000 records as gar-connector does; `--scale N` writes N such
//! départements (an académie of 5 is about 400 MB).
//!
//! `cargo run --release --example gar_export -- generate DIR [--scale N]`
//! writes the files; `cargo run --release --example gar_export -- validate DIR`
//! validates them as the GAR checks do (one libxml2 pass per file, on
//! every core, that checks the schema and reads the records; then the
//! integrity rule) and prints throughput. `ci/bench.sh` runs both and
//! `xmllint --noout --schema` on the same files, at both scales.

#![expect(
    clippy::print_stdout,
    reason = "a benchmark prints its figures for ci/bench.sh"
)]

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use entconf::gar::{XSD_1D, examine};

/// One département.
const SCHOOLS: usize = 500;
const PUPILS: usize = 100_000;
const TEACHERS: usize = 7_000;
/// Départements at most: UAIs stay seven digits.
const MAX_SCALE: usize = 20;
const CLASS_SIZE: usize = 25;
const PER_FILE: usize = 10_000;
const STEM: &str = "BEN_GAR-ENT_Complet_20260901_210000_1D";

fn open(root: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<men:{root} xmlns:men=\"http://data.education.fr/ns/gar/1d\" Version=\"1.0\">\n"
    )
}

fn uai(school: usize) -> String {
    format!("{:07}A", 990_000 + school)
}

fn write(dir: &Path, kind: &str, index: usize, root: &str, body: &str) -> std::io::Result<()> {
    let text = format!("{}{body}</men:{root}>\n", open(root));
    std::fs::write(dir.join(format!("{STEM}_{kind}_{index:04}.xml")), text)
}

/// Writes records in files of `PER_FILE`.
fn split(
    dir: &Path,
    kind: &str,
    root: &str,
    records: impl Iterator<Item = String>,
) -> std::io::Result<()> {
    let (mut body, mut count, mut index) = (String::new(), 0, 0);
    for record in records {
        body.push_str(&record);
        count += 1;
        if count == PER_FILE {
            write(dir, kind, index, root, &body)?;
            body.clear();
            count = 0;
            index += 1;
        }
    }
    if count > 0 || index == 0 {
        write(dir, kind, index, root, &body)?;
    }
    Ok(())
}

fn person(tag: &str, id: &str, school: &str, profile: &str, n: usize) -> String {
    let mut xml = String::with_capacity(600);
    let _ = write!(
        xml,
        "  <men:{tag}>\n    <men:GARPersonIdentifiant>{id}</men:GARPersonIdentifiant>\n    \
         <men:GARPersonProfils>\n      <men:GARStructureUAI>{school}</men:GARStructureUAI>\n      \
         <men:GARPersonProfil>{profile}</men:GARPersonProfil>\n    </men:GARPersonProfils>\n    \
         <men:GARPersonNom>NOM{n}</men:GARPersonNom>\n    <men:GARPersonPrenom>Prénom{n}</men:GARPersonPrenom>\n    \
         <men:GARPersonAutresPrenoms>Prénom{n}</men:GARPersonAutresPrenoms>\n    \
         <men:GARPersonEtab>{school}</men:GARPersonEtab>\n  </men:{tag}>\n"
    );
    xml
}

fn generate(dir: &Path, scale: usize) -> std::io::Result<()> {
    let (schools, pupils, teachers) = (SCHOOLS * scale, PUPILS * scale, TEACHERS * scale);
    std::fs::create_dir_all(dir)?;
    split(
        dir,
        "Etab",
        "GAR-ENT-Etab",
        (0..schools).map(|s| {
            format!(
                "  <men:GAREtab>\n    <men:GARStructureUAI>{}</men:GARStructureUAI>\n    \
                 <men:GARStructureNomCourant>École n° {s}</men:GARStructureNomCourant>\n  </men:GAREtab>\n",
                uai(s)
            )
        }),
    )?;
    split(
        dir,
        "Eleve",
        "GAR-ENT-Eleve",
        (0..pupils).map(|p| {
            person(
                "GAREleve",
                &format!("e{p}"),
                &uai(p % schools),
                "National_elv",
                p,
            )
        }),
    )?;
    split(
        dir,
        "Enseignant",
        "GAR-ENT-Enseignant",
        (0..teachers).map(|t| {
            person(
                "GAREnseignant",
                &format!("t{t}"),
                &uai(t % schools),
                "National_ens",
                t,
            )
        }),
    )?;
    // Pupils of a school, by their order within it, make classes of 25.
    let classes = |p: usize| (uai(p % schools), format!("C{}", (p / schools) / CLASS_SIZE));
    let mut groups: Vec<(String, String)> = (0..pupils).map(classes).collect();
    groups.sort();
    groups.dedup();
    let group_records = groups.iter().map(|(school, code)| {
        format!(
            "  <men:GARGroupe>\n    <men:GARGroupeCode>{code}</men:GARGroupeCode>\n    \
             <men:GARStructureUAI>{school}</men:GARStructureUAI>\n    <men:GARGroupeLibelle>Classe {code}</men:GARGroupeLibelle>\n    \
             <men:GARGroupeStatut>DIVISION</men:GARGroupeStatut>\n  </men:GARGroupe>\n"
        )
    });
    let memberships = (0..pupils).map(|p| {
        let (school, code) = classes(p);
        format!(
            "  <men:GARPersonGroupe>\n    <men:GARStructureUAI>{school}</men:GARStructureUAI>\n    \
             <men:GARPersonIdentifiant>e{p}</men:GARPersonIdentifiant>\n    <men:GARGroupeCode>{code}</men:GARGroupeCode>\n  </men:GARPersonGroupe>\n"
        )
    });
    // Groups first, then memberships, as the schema orders them.
    split(
        dir,
        "Groupe",
        "GAR-ENT-Groupe",
        group_records.chain(memberships),
    )?;
    split(
        dir,
        "RespAff",
        "GAR-ENT-RespAff",
        (0..schools).map(|s| {
            format!(
                "  <men:GARRespAff>\n    <men:GARPersonIdentifiant>t{s}</men:GARPersonIdentifiant>\n    \
                 <men:GARPersonNom>NOM{s}</men:GARPersonNom>\n    <men:GARPersonPrenom>Prénom{s}</men:GARPersonPrenom>\n    \
                 <men:GARPersonMail>directeur{s}@ac-bellerive.test</men:GARPersonMail>\n    \
                 <men:GARRespAffEtab>{}</men:GARRespAffEtab>\n  </men:GARRespAff>\n",
                uai(s)
            )
        }),
    )
}

fn validate_dir(dir: &Path) -> Result<(), String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".xml"))
        .collect();
    names.sort();
    let bytes: u64 = names
        .iter()
        .filter_map(|n| std::fs::metadata(dir.join(n)).ok())
        .map(|m| m.len())
        .sum();
    // Files are read as workers ask for them, as members come out of an
    // archive: only the files being examined are in memory.
    let source = names.iter().map(|name| {
        std::fs::read(dir.join(name)).map(|data| entconf::gar::Member {
            name: name.clone(),
            data,
        })
    });
    let start = Instant::now();
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let examined = examine(source, XSD_1D, threads);
    if let Some(why) = examined.stopped {
        return Err(why);
    }
    let findings = examined.xsd.map(|f| f.len())?;
    if !examined.unreadable.is_empty() || !examined.bad_names.is_empty() {
        return Err(format!(
            "{:?} {:?}",
            examined.unreadable, examined.bad_names
        ));
    }
    let export = examined.export;
    let observed = entconf::gar::GarObservation {
        archive_url: reqwest::Url::parse("http://bench.invalid/export.tar.gz")
            .map_err(|e| e.to_string())?,
        status: 200,
        size: bytes,
        md5: String::new(),
        md5_file: Ok(String::new()),
        cut: None,
        refused: false,
        members: Ok(Vec::new()),
        bad_names: Vec::new(),
        unreadable: Vec::new(),
        xsd: Ok(Vec::new()),
        export,
        kinds: Vec::new(),
        again: Err("non téléchargé".to_owned()),
        directory: None,
        exchanges: Vec::new(),
    };
    let integrity = entconf::gar::judge_gar(entconf::gar::GarRule::Integrity, &observed);
    let export = &observed.export;
    let elapsed = start.elapsed().as_secs_f64();
    println!("intégrité : {:?} — {}", integrity.status, integrity.actual);
    let mb = bytes as f64 / 1e6;
    println!(
        "entconf ({threads} fils) : {} fichiers, {mb:.0} Mo, schéma + lecture + intégrité en {elapsed:.2} s ({:.0} Mo/s) ; \
         {findings} erreur(s) de schéma ; {} élèves, {} enseignants, {} appartenances lus",
        names.len(),
        mb / elapsed,
        export.eleves.len(),
        export.enseignants.len(),
        export.memberships.len()
    );
    Ok(())
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || {
        format!(
            "usage : gar_export generate DOSSIER [--scale N] | gar_export validate DOSSIER\n\
             --scale N : N départements de {SCHOOLS} écoles, {PUPILS} élèves et {TEACHERS} \
             enseignants (1 à {MAX_SCALE} ; 5 ≈ une académie, environ 400 Mo)"
        )
    };
    match args.as_slice() {
        [command, dir] if command == "generate" => {
            generate(Path::new(dir), 1).map_err(|e| e.to_string())
        }
        [command, dir, flag, n] if command == "generate" && flag == "--scale" => {
            let scale: usize = n
                .parse()
                .ok()
                .filter(|n| (1..=MAX_SCALE).contains(n))
                .ok_or_else(|| {
                    format!(
                        "--scale « {n} » : un entier de 1 à {MAX_SCALE}\n{}",
                        usage()
                    )
                })?;
            generate(Path::new(dir), scale).map_err(|e| e.to_string())
        }
        [command, dir] if command == "validate" => validate_dir(Path::new(dir)),
        _ => Err(usage()),
    }
}
