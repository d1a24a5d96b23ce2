//! `entconf init` (a commented target description to start from) and
//! `entconf schema` (the JSON Schemas and the target reference).

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use entconf::suite::{Catalog, embedded_sources, load, target_reference, target_template};
use reqwest::Url;

use super::Exit;
use super::args::{InitArgs, SchemaArgs};
use super::catalog::report_load_error;

/// Where `init` points when no `--base-url` is given: to be replaced.
const EXAMPLE_URL: &str = "https://recette.ent.example/";

pub(super) fn init(args: &InitArgs) -> anyhow::Result<Exit> {
    let base_url = match parse_base_url(args.base_url.as_deref().unwrap_or(EXAMPLE_URL)) {
        Ok(url) => url,
        Err(message) => {
            eprintln!("erreur : {message}");
            return Ok(Exit::Usage);
        }
    };
    let catalog = match embedded() {
        Ok(catalog) => catalog,
        Err(exit) => return Ok(exit),
    };
    let text = target_template(&base_url, &catalog);
    // `create_new` refuses an existing file without a window between a
    // check and the write.
    let opened = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .create(true)
        .create_new(!args.force)
        .open(&args.out);
    let mut file = match opened {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!(
                "erreur : {} existe déjà ; rien n'a été écrit.\n  Ajoutez --force pour le \
                 remplacer, ou --out FICHIER pour en écrire un autre.",
                args.out.display()
            );
            return Ok(Exit::Usage);
        }
        Err(error) => {
            return Err(error).with_context(|| format!("écriture de {}", args.out.display()));
        }
    };
    file.write_all(text.as_bytes())
        .and_then(|()| file.flush())
        .with_context(|| format!("écriture de {}", args.out.display()))?;
    eprintln!(
        "Fichier cible écrit : {} (cible « {} », {}).",
        args.out.display(),
        entconf::suite::target_id(&base_url),
        base_url
    );
    if args.base_url.is_none() {
        eprintln!(
            "  base_url est une adresse d'exemple : remplacez-la par celle de l'ENT candidat."
        );
    }
    eprintln!(
        "  login_page et home_page sont déclarées (chemins à vérifier) ; les autres sections sont \
         commentées,\n  avec les vérifications qui restent « skip » sans elles. Chaque clé : \
         docs/reference/target.md"
    );
    eprintln!("Ensuite : entconf run --target {}", shell_word(&args.out));
    Ok(Exit::Conformant)
}

pub(super) fn schema(args: &SchemaArgs) -> anyhow::Result<Exit> {
    if args.export_format {
        print!("{}", entconf::reversibility::format::json_schema_text());
    } else if args.target {
        print!("{}", entconf::suite::target_schema());
    } else if args.target_reference {
        match embedded() {
            Ok(catalog) => print!("{}", target_reference(&catalog)),
            Err(exit) => return Ok(exit),
        }
    } else {
        print!("{}", entconf::suite::suite_schema());
    }
    Ok(Exit::Conformant)
}

/// The suites built into the binary: what `skip` lists are computed from.
fn embedded() -> Result<Catalog, Exit> {
    load(&embedded_sources()).map_err(|diagnostics| report_load_error("suites", &diagnostics))
}

fn parse_base_url(text: &str) -> Result<Url, String> {
    match Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => Ok(url),
        Ok(url) => Err(format!(
            "--base-url « {text} » : une adresse http ou https est attendue, pas « {} »",
            url.scheme()
        )),
        Err(error) => Err(format!(
            "--base-url « {text} » n'est pas une URL ({error}) ; exemple : \
             --base-url https://recette.ent.example/"
        )),
    }
}

/// A path as it can be pasted into a shell.
fn shell_word(path: &Path) -> String {
    let text = path.display().to_string();
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
    {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}
