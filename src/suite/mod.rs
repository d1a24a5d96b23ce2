//! Declarative inputs: suite files (YAML) and the target description (TOML).
//!
//! Plain data and loading only: nothing here touches the network. Loading
//! never panics and reports every problem it finds with its `file:line:col`.

mod catalog;
mod diagnostic;
mod file;
mod located;
mod model;
mod problems;
mod quantity;
mod read;
mod reference;
mod schema;
mod starter;
mod target;
mod template;
mod validate;

pub use catalog::{SuiteSource, embedded_sources, load, parse_yaml_as, read_sources};
pub use diagnostic::{
    Diagnostic, Diagnostics, EXCERPT_CHARS, MESSAGE_CHARS, Snippet, line_column, utf8_text,
};
pub use file::SuiteFile;
pub use located::Located;
pub use model::{
    AccessibilityState, Action, Assertion, AssertionKind, Capture, CaptureKind, Catalog, Check,
    CookieAttribute, Css, HeaderProtection, LoginStep, Pattern, PhraseList, Reference, Severity,
    SsoService, Step, Suite, TargetSection, VirtualUser, Zone,
};
pub(crate) use problems::Problems;
pub use quantity::{
    DURATION_PATTERN, SIZE_PATTERN, display_duration, parse_duration, parse_size, parse_wait,
};
pub use read::{
    BoundedReadError, MAX_DESCRIPTION_FILE, MAX_KEY_FILE, MAX_SECRET_FILE, display_bound,
    read_bounded,
};
pub use reference::target_reference;
pub use schema::{suite_schema, target_schema, target_schema_value};
pub use starter::{target_id, target_template};
pub use target::{
    AccessTarget, BrowserMode, BrowserTarget, Capability, Environment, GarSftpTarget, GarTarget,
    HttpSettings, LocalLoginTarget, ProcessEnvironment, ReversibilityTarget, Secret, SecretSlot,
    SpMetadataSource, SsoTarget, StatsTarget, StatsViewer, Target, hex, hex_sha256, load_target,
    parse_target,
};
pub(crate) use template::is_identifier;
pub use template::{Segment, Template, TemplateError};
