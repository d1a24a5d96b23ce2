//! `entconf run` and `entconf demo`: load, select, run on tokio with Ctrl-C
//! handling, write the reports, print the summary, pick the exit code.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use ent_server::Fault;
use entconf::bundle;
use entconf::evidence::{Clock, SystemClock};
use entconf::report::{self, Format, RunOptionsInfo};
use entconf::runner::{
    self, Cancellation, Plan, RunServices, RunSettings, Selection, ServiceNotice,
};
use entconf::sso::SsoSetup;
use entconf::suite::{Catalog, ProcessEnvironment, Target, TargetSection, load_target};
use entconf::text::for_terminal;
use entconf::waiver::{self, Waivers};

use super::Exit;
use super::args::{DemoArgs, PlanArgs, RunArgs};
use super::catalog::{load_catalog, report_load_error};
use super::progress;

/// Everything a run needs once the command line is understood.
struct Prepared {
    certify: bool,
    catalog: Catalog,
    plan: Plan,
    waivers: Option<Waivers>,
    formats: Vec<Format>,
    out: PathBuf,
    options: RunOptionsInfo,
}

pub(super) fn run(args: RunArgs) -> anyhow::Result<Exit> {
    let prepared = match prepare(&args.plan, Vec::new()) {
        Ok(prepared) => prepared,
        Err(exit) => return Ok(exit),
    };
    let target = match load_target(&args.target, &ProcessEnvironment) {
        Ok(target) => target,
        Err(diagnostics) => {
            if !args.target.exists() {
                eprintln!(
                    "erreur : fichier cible introuvable : {}\n  Donnez-le avec --target FICHIER ; `entconf init --base-url URL` en écrit un pour\n  commencer (chaque clé : docs/reference/target.md), ou essayez d'abord `entconf demo`.",
                    args.target.display()
                );
                return Ok(Exit::LoadError);
            }
            return Ok(report_load_error("cible", &diagnostics));
        }
    };
    runtime()?.block_on(async move {
        // The services the harness plays (IdPs, GAR web service) date what
        // they send by the system clock, as the candidate checks it; the
        // run keeps its own clock (`execute`). They live as long as the run.
        let services = RunServices::start(&target, Arc::new(SystemClock::new())).await;
        // An SSO the selected checks need and that cannot be prepared (an
        // unreadable AAF folder, a port taken) is one error for the run,
        // not the same error repeated on every check that logs in.
        if let Some(SsoSetup::Failed(why)) = services.sso() {
            let needing: Vec<&str> = prepared
                .plan
                .checks
                .iter()
                .filter(|check| check.sections().contains(&TargetSection::Sso))
                .map(|check| check.id.as_str())
                .collect();
            if !needing.is_empty() {
                eprintln!(
                    "erreur : connexion SSO impossible à préparer : {why}\n  Section [sso] de {} \
                     à corriger ; {} vérification(s) sélectionnée(s) en ont besoin : {}.\n  \
                     Sans elles : --suite ou --check pour n'exécuter que les autres.",
                    args.target.display(),
                    needing.len(),
                    entconf::check::list(&needing, 6, ", ")
                );
                return Ok(Exit::LoadError);
            }
        }
        for notice in services.notices() {
            match notice {
                ServiceNotice::Started(what) => eprintln!("{what}"),
                ServiceNotice::Failed(why) => eprintln!("attention : {why}"),
            }
        }
        execute(prepared, target, services).await
    })
}

pub(super) fn demo(args: DemoArgs) -> anyhow::Result<Exit> {
    let faults: BTreeSet<Fault> = args.faults.iter().copied().collect();
    let names = faults.iter().map(|f| f.name().to_owned()).collect();
    let prepared = match prepare(&args.plan, names) {
        Ok(prepared) => prepared,
        Err(exit) => return Ok(exit),
    };
    runtime()?.block_on(async move {
        // With a browser, the reference ENT draws its footers by script,
        // as most ENTs do, and the run judges them as a person sees them.
        let browser = entconf::browser::BrowserSettings::default().find_executable();
        let demo = entconf::demo::start_scripted(faults, browser.is_ok())
            .await
            .context(
                "démarrage de l'ENT de référence et des fournisseurs d'identité sur 127.0.0.1",
            )?;
        eprintln!(
            "ENT de référence démarré sur {} ; ÉduConnect et ARENA de test sur {}",
            demo.server.base_url(),
            demo.world.public_url
        );
        match &browser {
            Ok(path) => eprintln!(
                "navigateur : {} ; pieds de page de l'accueil et de la connexion dessinés par script",
                path.display()
            ),
            Err(why) => eprintln!("{why} : pages lues telles que servies, sans exécuter de script"),
        }
        let mut target = entconf::demo::target(
            "demo",
            "ENT de référence d'entconf (Bellerive)",
            &demo.server.base_url(),
            entconf::demo::TargetLimits::DEMO,
        )
        .map_err(|d| anyhow::anyhow!("{d}"))?;
        demo.complete(&mut target)?;
        let exit = execute(prepared, target, demo.services()).await;
        drop(demo);
        exit
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("démarrage du moteur asynchrone")
}

/// `--format` values, deduplicated; an unknown one is a usage error.
pub(super) fn parse_formats(names: &[String]) -> Result<Vec<Format>, Exit> {
    let mut formats = Vec::new();
    for name in names {
        match name.trim().parse::<Format>() {
            Ok(format) if !formats.contains(&format) => formats.push(format),
            Ok(_) => {}
            Err(message) => {
                eprintln!("erreur : {message}");
                return Err(Exit::Usage);
            }
        }
    }
    Ok(formats)
}

fn prepare(args: &PlanArgs, demo_faults: Vec<String>) -> Result<Prepared, Exit> {
    let PlanArgs {
        suites,
        selection,
        output,
    } = args;
    let mut formats = parse_formats(&output.formats)?;
    if output.certify {
        // A bundle holds every report.
        for format in [Format::Json, Format::Junit, Format::Html] {
            if !formats.contains(&format) {
                formats.push(format);
            }
        }
    }
    let catalog = load_catalog(suites).map_err(|d| report_load_error("suites", &d))?;
    let selection = Selection {
        suites: selection.suites.clone(),
        tags: selection.tags.clone(),
        checks: selection.checks.clone(),
    };
    let mut plan = Plan::new(&catalog, &selection).map_err(|problems| {
        for problem in problems {
            eprintln!("erreur : {problem}");
        }
        Exit::Usage
    })?;
    if let Some(shard) = output.shard {
        let destructive = plan.destructive().join(", ");
        if !destructive.is_empty() {
            eprintln!(
                "note : vérifications destructives dans aucune part ({destructive}) : elles \
                 suppriment des données du candidat et ne peuvent pas tourner pendant les autres \
                 parts ; lancez-les ensuite, seules (entconf run --suite DELCERT)"
            );
        }
        plan = plan.shard(shard);
    }
    let waivers = match &output.waivers {
        Some(path) => {
            Some(waiver::load(path, &catalog).map_err(|d| report_load_error("dérogations", &d))?)
        }
        None => None,
    };
    Ok(Prepared {
        certify: output.certify,
        catalog,
        plan,
        waivers,
        formats,
        out: output.out.clone(),
        options: RunOptionsInfo {
            selection: selection.describe(),
            jobs: usize::from(output.jobs),
            demo_faults,
            waivers: None,
            shard: output.shard.map(|s| s.to_string()),
        },
    })
}

async fn execute(
    prepared: Prepared,
    target: Target,
    services: RunServices,
) -> anyhow::Result<Exit> {
    // Said before anything is sent: the operator may want another account.
    if let Some(local) = &target.local_login {
        let ids: Vec<&str> = prepared
            .plan
            .checks
            .iter()
            .filter(|check| {
                check
                    .steps
                    .iter()
                    .any(|step| matches!(step.action, entconf::suite::Action::LoginThrottling))
            })
            .map(|check| check.id.as_str())
            .collect();
        if !ids.is_empty() {
            eprintln!(
                "note : {} envoie jusqu'à {} mauvais mots de passe pour le compte de test « {} » \
                 ([local_login]) : l'ENT peut le bloquer quelque temps ; aucun autre compte \
                 n'est essayé",
                ids.join(", "),
                entconf::sec::ATTEMPTS,
                local.account
            );
        }
    }
    let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
    let run_id = run_id(&prepared.out, &target.id, clock.as_ref());
    let settings = RunSettings {
        jobs: prepared.options.jobs,
        run_id: run_id.clone(),
        clock: Arc::clone(&clock),
        options: prepared.options.clone(),
        services,
        // Downloads stay inside the run's report folder.
        scratch: Some(prepared.out.join(&run_id).join(".travail")),
    };
    let cancellation = Cancellation::new();
    let on_signal = cancellation.clone();
    let watcher = tokio::spawn(async move {
        if stop_requested().await {
            on_signal.cancel();
        }
    });
    let record = runner::run(
        &prepared.catalog,
        &prepared.plan,
        target,
        settings,
        progress::sink(),
        cancellation,
    )
    .await
    .context("préparation du client HTTP")?;
    watcher.abort();
    let mut record = record;
    if let Some(waivers) = &prepared.waivers {
        waiver::apply(&mut record, waivers, clock.now().date_naive());
    }
    let folder = prepared.out.join(&run_id);
    let written = report::write(&record, &folder, &prepared.formats)
        .with_context(|| format!("écriture des rapports dans {}", folder.display()))?;
    if prepared.formats.contains(&Format::Console) {
        print!("{}", report::console::render(&record));
    }
    if !written.is_empty() {
        println!("Rapports : {}", folder.display());
        for path in &written {
            println!("  {}", path.display());
        }
    }
    if prepared.certify {
        let content = bundle::create(&folder, &record).context("paquet de certification")?;
        let path = folder.join("bundle.zip");
        content.save(&path).context("écriture de bundle.zip")?;
        let certification = bundle::certification(&record);
        println!(
            "Paquet de certification : {} ({}) ; signez-le : entconf bundle sign {} --key CLÉ",
            path.display(),
            if certification.certifiable {
                "certifiable".to_owned()
            } else {
                format!("non certifiable : {}", certification.reasons.join(" ; "))
            },
            path.display()
        );
    }
    for problem in &record.strictness {
        eprintln!("dérogation : {}", for_terminal(problem));
    }
    Ok(Exit::of_record(&record))
}

/// `<target>-<UTC date-time>`, with a suffix if that folder already exists.
fn run_id(out: &Path, target: &str, clock: &dyn Clock) -> String {
    let base = format!("{target}-{}", clock.now().format("%Y%m%d-%H%M%S"));
    let mut candidate = base.clone();
    let mut n = 2;
    while out.join(&candidate).exists() {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    candidate
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM, which CI systems send when they
/// cancel a job: either stops the run with a partial report. `false` when
/// no signal can be watched.
pub(super) async fn stop_requested() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut terminate) = signal(SignalKind::terminate()) else {
            return tokio::signal::ctrl_c().await.is_ok();
        };
        tokio::select! {
            interrupted = tokio::signal::ctrl_c() => interrupted.is_ok(),
            _ = terminate.recv() => true,
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.is_ok()
    }
}
