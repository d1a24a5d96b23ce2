//! Benchmark of reading a reversibility export: a ZIP shaped like what an ENT
//! hands back at the end of a contract (pupils' photos, documents, JSON data,
//! thousands of small files), checked against its own manifest.
//!
//! `cargo run --release --example export_archive -- generate DIR [--size-mib N]`
//! writes `DIR/export.zip` (about N MiB, 2048 by default; the number of
//! entries does not depend on N, so that memory figures at two sizes compare
//! like with like). `cargo run --release --example export_archive -- validate
//! DIR/export.zip` reads it as the EXPORT checks do (`reversibility::examine`:
//! bounded opening, `manifest.json` and the record files parsed, every entry
//! digested on all cores, or `--threads N`) and compares with the manifest. `ci/bench.sh` runs both,
//! and `unzip -tq` plus `sha256sum` over the same data.

#![expect(
    clippy::print_stdout,
    reason = "a benchmark prints its figures for ci/bench.sh"
)]

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use entconf::reversibility::archive::ZipLimits;
use entconf::reversibility::{examine, manifest_problems};
use sha2::{Digest as _, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const MIB: u64 = 1 << 20;
const DEFAULT_MIB: u64 = 2048;
/// 90 % of the default size in 1 MiB photos.
const PHOTOS: u64 = 1_843;
const TEXTS: u64 = 200;
const SMALL_FILES: u64 = 20_000;
const PUPILS: usize = 2_000;
const MESSAGES: usize = 50_000;

/// xorshift64*: enough to make photos incompressible, and reproducible.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn bytes(&mut self, len: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0) + 8);
        while (out.len() as u64) < len {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        out.truncate(usize::try_from(len).unwrap_or(0));
        out
    }

    /// French-looking prose that deflates about five times.
    fn prose(&mut self, len: u64) -> Vec<u8> {
        const WORDS: [&str; 48] = [
            "les",
            "élèves",
            "de",
            "la",
            "classe",
            "ont",
            "visité",
            "le",
            "musée",
            "et",
            "rédigé",
            "un",
            "compte",
            "rendu",
            "pour",
            "leurs",
            "parents",
            "maîtresse",
            "cahier",
            "sortie",
            "école",
            "mardi",
            "jeudi",
            "vendredi",
            "cantine",
            "récréation",
            "bibliothèque",
            "poésie",
            "calcul",
            "dictée",
            "sciences",
            "géographie",
            "chorale",
            "spectacle",
            "kermesse",
            "piscine",
            "gymnase",
            "projet",
            "atelier",
            "conseil",
            "réunion",
            "autorisation",
            "signée",
            "rappel",
            "merci",
            "bonne",
            "semaine",
            "à",
        ];
        let mut out = String::with_capacity(usize::try_from(len).unwrap_or(0) + 32);
        while (out.len() as u64) < len {
            out.push_str(WORDS[usize::try_from(self.below(48)).unwrap_or(0)]);
            out.push(if self.below(12) == 0 { '\n' } else { ' ' });
        }
        out.into_bytes()
    }
}

/// The archive being written, and what the manifest will say of it.
struct Export {
    zip: ZipWriter<BufWriter<File>>,
    listed: Vec<(String, u64, String)>,
}

impl Export {
    fn put(&mut self, name: &str, deflate: bool, content: &[u8]) -> zip::result::ZipResult<()> {
        let method = if deflate {
            CompressionMethod::Deflated
        } else {
            CompressionMethod::Stored
        };
        let options = SimpleFileOptions::default().compression_method(method);
        self.zip.start_file(name, options)?;
        self.zip.write_all(content)?;
        self.listed.push((
            name.to_owned(),
            content.len() as u64,
            hex(&Sha256::digest(content)),
        ));
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

fn pupils(noise: &mut Noise) -> String {
    let mut json = String::from("[\n");
    for id in 0..PUPILS {
        let _ = writeln!(
            json,
            "{{\"id\":\"E{id:06}\",\"nom\":\"Nom{}\",\"prenom\":\"Prénom{}\",\"classe\":\"CM{}-{}\",\"naissance\":\"2015-{:02}-{:02}\"}}{}",
            noise.below(5_000),
            noise.below(800),
            1 + noise.below(2),
            noise.below(4),
            1 + noise.below(12),
            1 + noise.below(28),
            if id + 1 < PUPILS { "," } else { "" }
        );
    }
    json.push(']');
    json
}

fn messages(noise: &mut Noise) -> String {
    let mut json = String::from("[\n");
    for id in 0..MESSAGES {
        let len = 60 + noise.below(200);
        let body = String::from_utf8(noise.prose(len)).unwrap_or_default();
        let _ = writeln!(
            json,
            "{{\"id\":{id},\"de\":\"E{:06}\",\"a\":\"P{:04}\",\"date\":\"2025-{:02}-{:02}T{:02}:{:02}:00Z\",\"texte\":\"{}\"}}{}",
            noise.below(PUPILS as u64),
            noise.below(120),
            1 + noise.below(12),
            1 + noise.below(28),
            noise.below(24),
            noise.below(60),
            body.replace('\n', "\\n"),
            if id + 1 < MESSAGES { "," } else { "" }
        );
    }
    json.push(']');
    json
}

fn generate(dir: &Path, size_mib: u64) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let file = File::create(dir.join("export.zip")).map_err(|e| e.to_string())?;
    let mut export = Export {
        zip: ZipWriter::new(BufWriter::with_capacity(MIB as usize, file)),
        listed: Vec::new(),
    };
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    let zip_error = |e: zip::result::ZipError| e.to_string();
    let directory = SimpleFileOptions::default();
    for name in [
        "donnees/",
        "fichiers/",
        "fichiers/photos/",
        "fichiers/documents/",
        "fichiers/pieces-jointes/",
    ] {
        export
            .zip
            .add_directory(name, directory)
            .map_err(zip_error)?;
    }

    let photo_size = size_mib * MIB * 9 / 10 / PHOTOS;
    for n in 0..PHOTOS {
        let photo = noise.bytes(photo_size);
        export
            .put(&format!("fichiers/photos/photo-{n:04}.jpg"), false, &photo)
            .map_err(zip_error)?;
    }
    for n in 0..TEXTS {
        // 0.5 to 2 MiB at the default size, scaled with it.
        let len = (MIB / 2 + noise.below(3 * MIB / 2)) * size_mib / DEFAULT_MIB;
        let text = noise.prose(len);
        export
            .put(
                &format!("fichiers/documents/document-{n:03}.txt"),
                true,
                &text,
            )
            .map_err(zip_error)?;
    }
    for n in 0..SMALL_FILES {
        let len = 1_024 + noise.below(7 * 1_024);
        let (content, deflate, extension) = if n % 2 == 0 {
            (noise.bytes(len), false, "png")
        } else {
            (noise.prose(len), true, "txt")
        };
        export
            .put(
                &format!("fichiers/pieces-jointes/pj-{n:05}.{extension}"),
                deflate,
                &content,
            )
            .map_err(zip_error)?;
    }
    let pupils = pupils(&mut noise);
    export
        .put("donnees/eleves.json", true, pupils.as_bytes())
        .map_err(zip_error)?;
    let messages = messages(&mut noise);
    export
        .put("donnees/messages.json", true, messages.as_bytes())
        .map_err(zip_error)?;

    let manifest = serde_json::json!({
        "format": "entconf-reversibilite",
        "version": "1",
        "perimetre": { "type": "collectivite", "id": "banc" },
        "fichiers": export.listed.iter().map(|(name, size, sha256)| serde_json::json!({
            "chemin": name, "octets": size, "sha256": sha256,
        })).collect::<Vec<_>>(),
    })
    .to_string();
    export
        .put("manifest.json", true, manifest.as_bytes())
        .map_err(zip_error)?;
    let mut out = export.zip.finish().map_err(zip_error)?;
    out.flush().map_err(|e| e.to_string())
}

fn validate(path: &Path, threads: Option<usize>) -> Result<(), String> {
    let start = Instant::now();
    let threads = threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get));
    let examined = examine(path, &ZipLimits::default(), threads)?;
    let problems = manifest_problems(&examined);
    let bytes: u64 = examined
        .digests
        .values()
        .filter_map(|d| d.as_ref().ok())
        .map(|(_, size)| size)
        .sum();
    let seconds = start.elapsed().as_secs_f64();
    for problem in problems.iter().take(5) {
        println!("  {problem}");
    }
    let verdict = if problems.is_empty() {
        "conforme".to_owned()
    } else {
        let n = problems.len();
        format!("{n} écart{}", if n > 1 { "s" } else { "" })
    };
    println!(
        "{bytes} octets ({:.0} Mo décompressés, archive de {:.0} Mo), {} entrées, {seconds:.2} s, {:.0} Mo/s, {threads} tâches : {verdict}",
        bytes as f64 / 1e6,
        examined.size as f64 / 1e6,
        examined.entries.len(),
        bytes as f64 / 1e6 / seconds,
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(verdict)
    }
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["generate", dir] => generate(Path::new(dir), DEFAULT_MIB),
        ["generate", dir, "--size-mib", size] => {
            let size = size
                .parse()
                .ok()
                .filter(|&s: &u64| s >= 16)
                .ok_or("--size-mib attend un nombre de Mio (au moins 16)")?;
            generate(Path::new(dir), size)
        }
        ["validate", file] => validate(Path::new(file), None),
        ["validate", file, "--threads", n] => {
            let n = n
                .parse()
                .ok()
                .filter(|&n: &usize| n >= 1)
                .ok_or("--threads attend un nombre de tâches (au moins 1)")?;
            validate(Path::new(file), Some(n))
        }
        _ => Err(
            "usage : export_archive generate DOSSIER [--size-mib N] | validate DOSSIER/export.zip [--threads N]"
                .to_owned(),
        ),
    }
}
