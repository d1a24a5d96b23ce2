//! The demonstration set-up: the embedded reference ENT, seeded with a
//! synthetic AAF directory, and the harness's IdPs it trusts, all on
//! loopback ports. Used by `entconf demo` and by the tests.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use ent_server::{Fault, RunningServer, ServerConfig, SsoConfig};

use crate::aaf::{self, GenerateOptions};
use crate::idp::{IdpSettings, RunningIdp, SigningKey, random_token};
use crate::runner::{self, SsoWorld};

/// OpenID Connect client id of the reference ENT at the test EduConnect.
pub const CLIENT_ID: &str = "ent-bellerive";

/// The running demonstration.
#[derive(Debug)]
pub struct Demo {
    /// The reference ENT.
    pub server: RunningServer,
    /// The IdPs and the directory the ENT was seeded with.
    pub world: Arc<SsoWorld>,
    idp: RunningIdp,
}

impl Demo {
    /// Address of the IdPs.
    pub fn idp_addr(&self) -> SocketAddr {
        self.idp.addr()
    }
}

/// Problems starting the demonstration.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The IdPs could not start.
    #[error("fournisseurs d'identité de test : {0}")]
    Idp(String),
    /// The ENT could not start.
    #[error("ENT de référence : {0}")]
    Server(#[from] std::io::Error),
}

/// Generates the directory, starts the IdPs, then the ENT with `faults`.
pub async fn start(faults: BTreeSet<Fault>) -> Result<Demo, DemoError> {
    let options = GenerateOptions::default();
    let directory = aaf::generate(&options);
    let files = aaf::render(&directory, options.date);
    let secret = random_token();
    let key =
        SigningKey::generate("entconf IdP de test").map_err(|e| DemoError::Idp(e.to_string()))?;
    let settings = IdpSettings {
        public_url: reqwest::Url::parse("http://127.0.0.1/")
            .map_err(|e| DemoError::Idp(e.to_string()))?,
        client_id: CLIENT_ID.to_owned(),
        client_secret: secret.clone(),
        redirect_uris: Vec::new(),
    };
    let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let (idp, world) = runner::launch(loopback, settings, false, key, directory)
        .await
        .map_err(DemoError::Idp)?;
    let config = ServerConfig {
        faults,
        basic_auth: None,
        sso: Some(SsoConfig {
            idp_url: crate::idp::base(&world.public_url),
            client_id: CLIENT_ID.to_owned(),
            client_secret: secret,
            aaf: files.into_iter().map(|f| (f.name, f.xml)).collect(),
        }),
    };
    let server = ent_server::spawn(config).await?;
    world
        .idp
        .set_redirect_uris(vec![format!("{}/auth/oidc/callback", server.base_url())]);
    Ok(Demo { server, world, idp })
}
