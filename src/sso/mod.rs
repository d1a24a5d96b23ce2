//! The SSO domain: the harness's IdPs (the test ÉduConnect and ARENA of
//! `crate::idp`) and the AAF directory of a run (`world`: started once,
//! reachable by the candidate, the people a step logs in as), and the
//! `login` step played through the candidate's SSO (`scenario`). Their
//! judges are the core's login judges (`check::login`), which the GAR,
//! EXPORT, DELCERT and STATS judges also use.

mod scenario;
pub(crate) mod world;

pub(crate) use scenario::run_login;
pub use world::{SsoSetup, SsoWorld, launch, read_sp_metadata, start};
