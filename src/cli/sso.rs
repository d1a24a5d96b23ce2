//! `entconf idp` (the test EduConnect and ARENA, served on their own for a
//! staging ENT) and `entconf aaf generate` (the synthetic directory).

use std::sync::Arc;

use anyhow::Context as _;
use entconf::aaf::{self, GenerateOptions};
use entconf::evidence::{Clock, SystemClock};
use entconf::idp::{
    ARENA_PATH, EDUCONNECT_PATH, IdpSettings, Redirects, SamlSettings, SignaturePlacement,
    SigningKey,
};
use entconf::suite::SpMetadataSource;

use super::Exit;
use super::args::{AafGenerateArgs, IdpArgs};

pub(super) fn generate(args: &AafGenerateArgs) -> anyhow::Result<Exit> {
    let options = GenerateOptions {
        schools: args.schools as usize,
        classes_per_school: args.classes_per_school as usize,
        pupils_per_class: args.pupils_per_class as usize,
        seed: args.seed,
        date: args.date,
    };
    let directory = aaf::generate(&options);
    let written = aaf::write(&directory, options.date, &args.out)
        .with_context(|| format!("écriture de l'annuaire dans {}", args.out.display()))?;
    println!(
        "Annuaire AAF 1D synthétique : {} école(s), {} élève(s), {} fiche(s) parent, {} enseignant(s)",
        directory.schools.len(),
        directory.pupils.len(),
        directory.parents.len(),
        directory.teachers.len()
    );
    for path in written {
        println!("  {}", path.display());
    }
    Ok(Exit::Conformant)
}

pub(super) fn idp(args: IdpArgs) -> anyhow::Result<Exit> {
    let Ok(secret) = std::env::var(&args.client_secret_env) else {
        eprintln!(
            "erreur : la variable d'environnement {} (secret client OpenID Connect) n'est pas définie",
            args.client_secret_env
        );
        return Ok(Exit::Usage);
    };
    let directory = aaf::read_dir(&args.aaf)
        .with_context(|| format!("lecture de l'annuaire AAF {}", args.aaf.display()))?;
    // A standalone IdP serves a real candidate: the system clock.
    let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
    let key = match &args.keys {
        Some(dir) => SigningKey::load_or_create(dir, "entconf IdP de test", clock.as_ref()),
        None => SigningKey::generate("entconf IdP de test", clock.as_ref()),
    }
    .context("clé de signature")?;
    let scheme = if args.tls { "https" } else { "http" };
    let public_url = match &args.public_url {
        Some(url) => reqwest::Url::parse(url).context("--public-url")?,
        None => reqwest::Url::parse(&format!("{scheme}://{}", args.listen)).context("--listen")?,
    };
    if args.tls && public_url.scheme() != "https" {
        anyhow::bail!("--public-url {public_url} : avec --tls, l'URL publique est en https");
    }
    let authority = if args.tls {
        Some(
            SigningKey::idp_authority(args.keys.as_deref(), clock.as_ref())
                .context("AC de test")?,
        )
    } else {
        None
    };
    for uri in &args.redirect_uris {
        reqwest::Url::parse(uri).with_context(|| format!("--redirect-uri {uri}"))?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("démarrage du moteur asynchrone")?;
    runtime.block_on(async move {
        let sp = match args.sp_metadata.as_deref() {
            Some(text) => {
                let source = match reqwest::Url::parse(text) {
                    Ok(url) if matches!(url.scheme(), "http" | "https") => {
                        SpMetadataSource::Url(url)
                    }
                    _ => SpMetadataSource::File(text.into()),
                };
                Some(
                    entconf::sso::read_sp_metadata(
                        &source,
                        &std::collections::BTreeMap::new(),
                        &[],
                    )
                    .await
                    .map_err(|why| anyhow::anyhow!(why))?,
                )
            }
            None => None,
        };
        let saml = SamlSettings {
            signature: SignaturePlacement::parse(&args.saml_signature)
                .context("--saml-signature")?,
            encrypt: !args.no_encryption,
            sp,
            // `entconf idp` judges nothing: no declaration to keep.
            unsolicited: false,
        };
        if let Some(problem) = saml.problem() {
            anyhow::bail!("{problem} (ou --no-encryption)");
        }
        let settings = IdpSettings {
            public_url,
            client_id: args.client_id.clone(),
            client_secret: secret,
            redirect_uris: if args.redirect_uris.is_empty() {
                Redirects::Any
            } else {
                Redirects::Registered(args.redirect_uris.clone())
            },
            saml,
        };
        let (running, world) = entconf::sso::launch(
            args.listen,
            settings,
            args.public_url.is_some() || args.listen.port() != 0,
            key,
            authority,
            directory,
            clock,
        )
        .await
        .map_err(|why| anyhow::anyhow!(why))?;
        let base = entconf::idp::base(&world.public_url);
        println!("Fournisseurs d'identité de test sur {}", running.addr());
        println!("ÉduConnect OpenID Connect : émetteur {base}{EDUCONNECT_PATH}");
        println!("  découverte  {base}{EDUCONNECT_PATH}/.well-known/openid-configuration");
        println!("  client_id   {}", args.client_id);
        match &args.redirect_uris[..] {
            [] => println!("  redirect_uri  toute URI acceptée (--redirect-uri pour enregistrer)"),
            uris => println!("  redirect_uri  {}", uris.join(", ")),
        }
        if let Some(authority) = world.idp.authority() {
            match &args.keys {
                Some(dir) => println!(
                    "TLS : AC de test à faire reconnaître par l'ENT : {}",
                    dir.join(entconf::idp::CA_CERT_FILE).display()
                ),
                None => println!(
                    "TLS : AC de test neuve (--keys la conserve) :\n{}",
                    authority.cert_pem()
                ),
            }
        }
        println!("ÉduConnect SAML : métadonnées {base}{EDUCONNECT_PATH}/shibboleth");
        println!("Guichet agents (ARENA) SAML : métadonnées {base}{ARENA_PATH}/metadata");
        let saml = world.idp.settings().saml;
        println!("  signature sur : {}", saml.signature.as_str());
        match &saml.sp {
            Some(sp) => println!(
                "  fournisseur de service enregistré : {} ; assertions {}",
                sp.entity_id,
                match saml.encryption_for(&sp.entity_id) {
                    Some(to) => format!(
                        "chiffrées ({}, {})",
                        to.key_transport.uri(),
                        to.cipher.uri()
                    ),
                    None => "en clair".to_owned(),
                }
            ),
            None => println!(
                "  aucun fournisseur de service enregistré (--sp-metadata) : assertions en clair"
            ),
        }
        // A login EduConnect starts (SSO-09) needs the SP it goes to.
        if let Ok(url) = world
            .idp
            .unsolicited_url(entconf::idp::SamlService::EduConnect)
        {
            println!("  connexion à l'initiative de l'IdP (non sollicitée) : {url}");
        }
        println!(
            "Certificat de signature (test uniquement) :\n{}",
            world.idp.key().cert_pem()
        );
        println!("Ctrl-C pour arrêter.");
        if !super::run::stop_requested().await {
            anyhow::bail!("attente de Ctrl-C impossible");
        }
        drop(running);
        Ok(Exit::Conformant)
    })
}
