//! libxmlsec1's own error output, switched off: the only `unsafe` of the
//! harness.
//!
//! samael verifies SAML signatures through libxmlsec1, whose default error
//! callback prints a `func=…:file=…:error=…` line on stderr for every
//! refused signature. A refusal is an answer the harness expects (a forged
//! response must be refused), and samael returns it as an error value that
//! the harness reports where it belongs; the printed line would only make a
//! new user think the tool failed, and a library must not print. The
//! callback's output switch is a process-wide flag of libxmlsec1 (a plain
//! static int, not per thread), set once; samael's bindings are private, so
//! the one function is declared here.

#![allow(unsafe_code)]

use std::ffi::c_int;
use std::sync::Once;

// libxmlsec1 is linked by samael's build script.
unsafe extern "C" {
    fn xmlSecErrorsDefaultCallbackEnableOutput(enabled: c_int);
}

static QUIET: Once = Once::new();

/// Stops libxmlsec1 from printing its errors (idempotent, thread-safe).
pub fn quiet() {
    QUIET.call_once(|| {
        // SAFETY: the function only stores its argument in a static int of
        // libxmlsec1; it has no precondition and is called once.
        unsafe { xmlSecErrorsDefaultCallbackEnableOutput(0) }
    });
}
