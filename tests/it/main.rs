//! The one integration-test binary: the fault matrix, suites, the corpus of
//! notices (recall of the FOOTER phrase lists), reports, the
//! clock, the command line, `entconf init` and the target reference, the
//! scheduler, hostile candidates, and peers no one here wrote (xmlsec1,
//! PyJWT, jwcrypto, Authlib).

mod browser;
mod campaign;
mod certification;
mod cli;
mod clock;
mod docs;
mod export;
mod fault_matrix;
mod hostile;
mod hostile_gar;
mod hostile_inputs;
mod hostile_pages;
mod hostile_secrets;
mod hostile_volume;
mod init;
mod notices;
mod peers;
mod properties;
mod realism;
mod reports;
mod scheduler;
mod suites;
mod support;
