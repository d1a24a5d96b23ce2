//! The one integration-test binary: the fault matrix, suites, reports, the
//! command line, the scheduler, hostile candidates, and peers no one here
//! wrote (xmlsec1, PyJWT, jwcrypto, Authlib).

mod campaign;
mod certification;
mod cli;
mod export;
mod fault_matrix;
mod hostile;
mod hostile_inputs;
mod peers;
mod realism;
mod reports;
mod scheduler;
mod suites;
mod support;
