//! The services the harness plays toward the candidate during a run: the
//! test ÉduConnect and ARENA (IdPs), the GAR "ressources" web service and
//! the SFTP drop of the GAR export.
//!
//! Built once, here, from the target ([`RunServices::start`]) by `entconf
//! run`, or from the demonstration's own servers (`Demo::services`) by
//! `entconf demo` and the tests: one way to wire a run, whoever runs it.
//! A service that could not start is kept with its reason, so that the
//! checks needing it end in `error` saying why; what started and what did
//! not is also returned as [`ServiceNotice`]s for the command line to show
//! (the library prints nothing).

use std::sync::Arc;

use crate::evidence::Clock;
use crate::gar::{GarSetup, start_ressources};
use crate::gar::{RunningRessources, SftpDrop};
use crate::idp::RunningIdp;
use crate::sso::world::{SsoSetup, start};
use crate::suite::Target;

/// The SFTP drop of a run: listening, or why it did not start.
pub type DropSetup = Result<Arc<SftpDrop>, String>;

/// What the services of a run are, and the servers they keep running.
///
/// Cloning shares the servers: they stop when the last clone is dropped.
#[derive(Clone, Debug, Default)]
pub struct RunServices {
    sso: Option<SsoSetup>,
    gar: Option<GarSetup>,
    gar_drop: Option<DropSetup>,
    /// Servers started here (not those a demonstration owns), kept alive
    /// as long as the run holds them.
    idp: Option<Arc<RunningIdp>>,
    ressources: Option<Arc<RunningRessources>>,
    notices: Vec<ServiceNotice>,
}

/// What happened to one service as the run started, for the operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceNotice {
    /// Listening: where, and what the operator should know.
    Started(String),
    /// It could not start: the checks that need it will be `error`.
    Failed(String),
}

impl RunServices {
    /// No service: a run whose target declares no SSO and no GAR.
    pub fn none() -> Self {
        Self::default()
    }

    /// Starts what the target's `[sso]` and `[gar]` sections describe. The
    /// services date what they send by `clock` (the system clock: the
    /// candidate checks those dates against its own real time, whatever
    /// clock the run keeps). Never fails: a service that cannot start is
    /// kept as failed, with its reason, and said in [`Self::notices`].
    pub async fn start(target: &Target, clock: Arc<dyn Clock>) -> Self {
        let mut services = Self::default();
        if let Some(sso) = &target.sso {
            match start(sso, &target.http, target.own_origins(), Arc::clone(&clock)).await {
                Ok((running, world)) => {
                    let tls = match (&sso.idp_keys, world.idp.authority()) {
                        (_, None) => String::new(),
                        (Some(dir), Some(_)) => format!(
                            " ; TLS, AC de test à faire reconnaître par le candidat : {}",
                            dir.join(crate::idp::CA_CERT_FILE).display()
                        ),
                        (None, Some(_)) => " ; TLS sous une AC de test neuve à chaque exécution, \
                                            que le candidat ne peut pas reconnaître (idp_keys la \
                                            conserve)"
                            .to_owned(),
                    };
                    services.notices.push(ServiceNotice::Started(format!(
                        "Fournisseurs d'identité de test (ÉduConnect, ARENA) sur {}{tls}",
                        world.public_url
                    )));
                    services.sso = Some(SsoSetup::Ready(world));
                    services.idp = Some(Arc::new(running));
                }
                Err(why) => {
                    services.notices.push(ServiceNotice::Failed(format!(
                        "connexion SSO impossible à préparer : {why}"
                    )));
                    services.sso = Some(SsoSetup::Failed(why));
                }
            }
        }
        if let Some(gar) = &target.gar {
            match start_ressources(gar, Arc::clone(&clock)).await {
                Ok(running) => {
                    let kept = match &gar.ressources_keys {
                        Some(dir) => format!(" ; son certificat : {}", dir.display()),
                        None => " ; certificat serveur neuf à chaque exécution (ressources_keys \
                                  le conserve)"
                            .to_owned(),
                    };
                    services.notices.push(ServiceNotice::Started(format!(
                        "Service ressources du GAR de test sur {} (TLS, certificat client \
                         demandé){kept}",
                        gar.ressources_public_url
                    )));
                    services.gar = Some(GarSetup::Ready(Arc::clone(&running.service)));
                    services.ressources = Some(Arc::new(running));
                }
                Err(why) => {
                    services.notices.push(ServiceNotice::Failed(format!(
                        "service ressources du GAR impossible à démarrer : {why}"
                    )));
                    services.gar = Some(GarSetup::Failed(why));
                }
            }
            if let Some(sftp) = gar.sftp.clone() {
                // The SSH server binds and loads its keys synchronously.
                let started = tokio::task::spawn_blocking(move || {
                    SftpDrop::start(sftp.listen, &sftp.public_key)
                })
                .await
                .map_err(|error| error.to_string())
                .and_then(|started| started.map_err(|error| error.to_string()))
                .map(Arc::new);
                services.notices.push(match &started {
                    Ok(drop) => ServiceNotice::Started(format!(
                        "Dépôt SFTP de l'export GAR : {}",
                        drop.url()
                    )),
                    Err(why) => ServiceNotice::Failed(format!(
                        "dépôt SFTP de l'export GAR impossible à démarrer : {why}"
                    )),
                });
                services.gar_drop = Some(started);
            }
        }
        services
    }

    /// With the IdPs and directory of `sso` (started by someone else, who
    /// keeps them running).
    pub fn with_sso(mut self, sso: SsoSetup) -> Self {
        self.sso = Some(sso);
        self
    }

    /// With the GAR web service of `gar` (started by someone else).
    pub fn with_gar(mut self, gar: GarSetup) -> Self {
        self.gar = Some(gar);
        self
    }

    /// With the SFTP drop of `drop` (started by someone else).
    pub fn with_gar_drop(mut self, drop: DropSetup) -> Self {
        self.gar_drop = Some(drop);
        self
    }

    /// The IdPs and the seeded directory, for `login` steps.
    pub fn sso(&self) -> Option<&SsoSetup> {
        self.sso.as_ref()
    }

    /// The GAR web service, for `gar_mediacentre` steps.
    pub fn gar(&self) -> Option<&GarSetup> {
        self.gar.as_ref()
    }

    /// The SFTP drop the candidate pushes its GAR export to.
    pub fn gar_drop(&self) -> Option<&DropSetup> {
        self.gar_drop.as_ref()
    }

    /// What started and what did not, in the order they were started.
    pub fn notices(&self) -> &[ServiceNotice] {
        &self.notices
    }
}
