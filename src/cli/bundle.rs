//! `entconf bundle keygen|sign|verify` and `entconf review`: the GTCN
//! reviewers' certification bundle.

use entconf::bundle::{self, Bundle, SignatureState};
use entconf::evidence::{Clock as _, SystemClock};
use entconf::text::for_terminal;

use super::Exit;
use super::args::{BundleCommand, ReviewArgs};

fn load_error(error: &bundle::BundleError) -> Exit {
    eprintln!("erreur : {error}");
    Exit::LoadError
}

pub(super) fn bundle(command: BundleCommand) -> anyhow::Result<Exit> {
    match command {
        BundleCommand::Keygen(args) => Ok(match bundle::keygen(&args.secret, &args.public) {
            Ok(key) => {
                println!(
                    "Clé privée : {} (à garder secrète)\nClé publique : {} ({})",
                    args.secret.display(),
                    args.public.display(),
                    entconf::suite::hex(key.as_bytes())
                );
                Exit::Conformant
            }
            Err(error) => load_error(&error),
        }),
        BundleCommand::Sign(args) => {
            let key = match bundle::signing_key(&args.key) {
                Ok(key) => key,
                Err(error) => return Ok(load_error(&error)),
            };
            let mut content = match Bundle::open(&args.bundle) {
                Ok(content) => content,
                Err(error) => return Ok(load_error(&error)),
            };
            content.sign(&key);
            if let Err(error) = content.save(&args.bundle) {
                return Ok(load_error(&error));
            }
            println!(
                "Paquet signé : {} (clé publique {})",
                args.bundle.display(),
                entconf::suite::hex(key.verifying_key().as_bytes())
            );
            Ok(Exit::Conformant)
        }
        BundleCommand::Verify(args) => {
            let expected = match &args.pubkey {
                Some(path) => match bundle::verifying_key(path) {
                    Ok(key) => Some(key),
                    Err(error) => return Ok(load_error(&error)),
                },
                None => None,
            };
            let bytes = match std::fs::read(&args.bundle) {
                Ok(bytes) => bytes,
                Err(error) => {
                    eprintln!("erreur : {} : {error}", args.bundle.display());
                    return Ok(Exit::LoadError);
                }
            };
            let (content, verification) = match Bundle::from_zip(&bytes)
                .and_then(|content| Ok((bundle::verify_file(&bytes, expected.as_ref())?, content)))
            {
                Ok((verification, content)) => (content, verification),
                Err(error) => {
                    println!("ALTÉRÉ ou illisible : {}", for_terminal(&error.to_string()));
                    return Ok(Exit::NotConformant);
                }
            };
            match &verification.first_difference {
                Some(file) => println!(
                    "ALTÉRÉ : premier fichier qui diffère : {}",
                    for_terminal(file)
                ),
                None => println!(
                    "Contenu intact : {} fichiers conformes au manifeste",
                    content.entries.len()
                ),
            }
            match &verification.signature {
                SignatureState::Absent => println!("Signature : absente (entconf bundle sign)"),
                SignatureState::Valid { key, trusted: true } => {
                    println!("Signature : valide, par la clé attendue ({key})");
                }
                SignatureState::Valid {
                    key,
                    trusted: false,
                } => println!(
                    "Signature : valide par la clé jointe au paquet ({key}) ; donnez --pubkey pour l'authentifier"
                ),
                SignatureState::Invalid(why) => {
                    println!("Signature : INVALIDE — {}", for_terminal(why));
                }
            }
            if let Some(certification) = content
                .entries
                .get(bundle::CERTIFICATION)
                .and_then(|b| serde_json::from_slice::<bundle::Certification>(b).ok())
            {
                if certification.certifiable {
                    println!("Certifiable : oui");
                } else {
                    println!("Certifiable : non");
                    for reason in &certification.reasons {
                        println!("  - {}", for_terminal(reason));
                    }
                }
            }
            Ok(if verification.is_valid() {
                Exit::Conformant
            } else {
                Exit::NotConformant
            })
        }
    }
}

pub(super) fn review(args: &ReviewArgs) -> anyhow::Result<Exit> {
    let mut decisions = Vec::new();
    for decision in &args.decisions {
        match decision.split_once('=') {
            Some((id, "pass")) => decisions.push((id.trim().to_owned(), true)),
            Some((id, "fail")) => decisions.push((id.trim().to_owned(), false)),
            _ => {
                eprintln!("erreur : --decide « {decision} » : attendu ID=pass ou ID=fail");
                return Ok(Exit::Usage);
            }
        }
    }
    let key = match bundle::signing_key(&args.key) {
        Ok(key) => key,
        Err(error) => return Ok(load_error(&error)),
    };
    let content = match Bundle::open(&args.bundle) {
        Ok(content) => content,
        Err(error) => return Ok(load_error(&error)),
    };
    if let Some(file) = bundle::verify(&content, None).first_difference {
        eprintln!("erreur : paquet altéré ({file}) : relecture refusée");
        return Ok(Exit::NotConformant);
    }
    // The review is dated by the reviewer's real time.
    let now = SystemClock::new().now();
    let reviewed = match bundle::review(&content, &decisions, &args.note, now, &key) {
        Ok(reviewed) => reviewed,
        Err(error) => {
            eprintln!("erreur : {error}");
            return Ok(Exit::Usage);
        }
    };
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = args
            .bundle
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "bundle".to_owned());
        args.bundle.with_file_name(format!("{stem}-relu.zip"))
    });
    if let Err(error) = reviewed.save(&out) {
        return Ok(load_error(&error));
    }
    println!(
        "{} décision(s) enregistrée(s) dans {} (signé)",
        decisions.len(),
        out.display()
    );
    Ok(Exit::Conformant)
}
