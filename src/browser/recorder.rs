//! What one browser session saw, as the events arrive: requests and their
//! fate, the main frame's loads, console errors and uncaught exceptions,
//! a crash. Raw (not yet redacted) and bounded; [`super::render`] redacts
//! it into the run record.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::time::Instant;

use serde_json::Value;
use tokio::sync::Notify;

/// Requests kept per page; later ones are counted.
pub(crate) const MAX_REQUESTS: usize = 2_000;
/// Console entries kept per page; later ones are counted.
pub(crate) const MAX_CONSOLE: usize = 200;
/// Characters kept of one console entry.
const CONSOLE_CHARS: usize = 500;

/// One request as the browser reported it.
#[derive(Clone, Debug)]
pub(crate) struct RawRequest {
    pub(crate) url: String,
    pub(crate) method: String,
    pub(crate) resource: String,
    pub(crate) initiator: String,
    pub(crate) status: Option<u16>,
    pub(crate) failure: Option<String>,
}

/// One console error, warning of failure, or uncaught exception.
#[derive(Clone, Debug)]
pub(crate) struct RawConsole {
    pub(crate) kind: &'static str,
    pub(crate) text: String,
    pub(crate) source: Option<String>,
}

/// The session's log.
#[derive(Debug)]
pub(crate) struct Log {
    pub(crate) requests: Vec<RawRequest>,
    by_id: HashMap<String, usize>,
    pub(crate) requests_dropped: usize,
    /// Requests not finished yet: id → URL.
    pub(crate) inflight: BTreeMap<String, String>,
    /// When a request last started or ended.
    pub(crate) last_network: Instant,
    loads: HashSet<String>,
    /// The loader of the main frame's current document.
    pub(crate) main_loader: Option<String>,
    pub(crate) console: Vec<RawConsole>,
    pub(crate) console_dropped: usize,
    pub(crate) crashed: bool,
    pub(crate) closed: Option<String>,
}

impl Log {
    /// Whether the main frame's current document fired `load`.
    pub(crate) fn loaded(&self) -> bool {
        self.main_loader
            .as_ref()
            .is_some_and(|loader| self.loads.contains(loader))
    }
}

/// The log of one session, fed by the connection's reader.
pub(crate) struct Recorder {
    log: Mutex<Log>,
    changed: Notify,
}

impl Recorder {
    /// An empty log.
    pub(crate) fn new() -> Self {
        Self {
            log: Mutex::new(Log {
                requests: Vec::new(),
                by_id: HashMap::new(),
                requests_dropped: 0,
                inflight: BTreeMap::new(),
                last_network: Instant::now(),
                loads: HashSet::new(),
                main_loader: None,
                console: Vec::new(),
                console_dropped: 0,
                crashed: false,
                closed: None,
            }),
            changed: Notify::new(),
        }
    }

    /// The log, locked.
    pub(crate) fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Resolves at the next event (or at once if one arrived since the
    /// last call).
    pub(crate) async fn changed(&self) {
        self.changed.notified().await;
    }

    /// The connection closed.
    pub(crate) fn closed(&self, why: &str) {
        self.log().closed = Some(why.to_owned());
        self.changed.notify_one();
    }

    /// Sets the loader the navigation started.
    pub(crate) fn navigating(&self, loader: Option<String>) {
        let mut log = self.log();
        if loader.is_some() {
            log.main_loader = loader;
        }
        log.last_network = Instant::now();
    }

    /// Takes one event in.
    pub(crate) fn event(&self, method: &str, params: &Value) {
        let text = |value: &Value, key: &str| {
            value
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        {
            let mut log = self.log();
            match method {
                "Network.requestWillBeSent" => {
                    let id = text(params, "requestId");
                    let request = params.get("request").unwrap_or(&Value::Null);
                    let url = text(request, "url");
                    // Inline data is not a request to anyone.
                    if url.starts_with("data:") || url.starts_with("blob:") {
                        return;
                    }
                    if let Some(redirect) = params.get("redirectResponse")
                        && let Some(&index) = log.by_id.get(&id)
                    {
                        log.requests[index].status = status(redirect);
                    }
                    let entry = RawRequest {
                        url: url.clone(),
                        method: text(request, "method"),
                        resource: text(params, "type"),
                        initiator: initiator(params.get("initiator")),
                        status: None,
                        failure: None,
                    };
                    if log.requests.len() < MAX_REQUESTS {
                        let index = log.requests.len();
                        log.requests.push(entry);
                        log.by_id.insert(id.clone(), index);
                    } else {
                        log.by_id.remove(&id);
                        log.requests_dropped += 1;
                    }
                    log.inflight.insert(id, url);
                    log.last_network = Instant::now();
                }
                "Network.responseReceived" => {
                    let id = text(params, "requestId");
                    if let Some(&index) = log.by_id.get(&id) {
                        log.requests[index].status =
                            status(params.get("response").unwrap_or(&Value::Null));
                    }
                }
                "Network.loadingFinished" => {
                    let id = text(params, "requestId");
                    log.inflight.remove(&id);
                    log.last_network = Instant::now();
                }
                "Network.loadingFailed" => {
                    let id = text(params, "requestId");
                    if let Some(&index) = log.by_id.get(&id) {
                        let mut why = text(params, "errorText");
                        if let Some(blocked) = params.get("blockedReason").and_then(Value::as_str) {
                            why = format!("{why} (bloquée : {blocked})");
                        }
                        log.requests[index].failure = Some(why);
                    }
                    log.inflight.remove(&id);
                    log.last_network = Instant::now();
                }
                "Page.frameNavigated" => {
                    let frame = params.get("frame").unwrap_or(&Value::Null);
                    if frame.get("parentId").is_none() {
                        let loader = text(frame, "loaderId");
                        if !loader.is_empty() {
                            log.main_loader = Some(loader);
                        }
                    }
                }
                "Page.lifecycleEvent" => {
                    if text(params, "name") == "load" {
                        let loader = text(params, "loaderId");
                        log.loads.insert(loader);
                    }
                }
                "Runtime.consoleAPICalled" => {
                    let kind = text(params, "type");
                    if matches!(kind.as_str(), "error" | "assert") {
                        let args = params.get("args").and_then(Value::as_array);
                        let text: Vec<String> = args
                            .into_iter()
                            .flatten()
                            .map(|arg| match arg.get("value") {
                                Some(Value::String(s)) => s.clone(),
                                Some(other) => other.to_string(),
                                None => text(arg, "description"),
                            })
                            .collect();
                        push_console(&mut log, "console.error", text.join(" "), None);
                    }
                }
                "Runtime.exceptionThrown" => {
                    let details = params.get("exceptionDetails").unwrap_or(&Value::Null);
                    let description = details
                        .get("exception")
                        .and_then(|e| e.get("description"))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .unwrap_or_else(|| text(details, "text"));
                    let source = details.get("url").and_then(Value::as_str).map(|url| {
                        let line = details.get("lineNumber").and_then(Value::as_u64);
                        match line {
                            Some(line) => format!("{url}:{}", line + 1),
                            None => url.to_owned(),
                        }
                    });
                    push_console(&mut log, "exception", description, source);
                }
                "Log.entryAdded" => {
                    let entry = params.get("entry").unwrap_or(&Value::Null);
                    if text(entry, "level") == "error" {
                        let source = entry.get("url").and_then(Value::as_str).map(str::to_owned);
                        push_console(&mut log, "journal", text(entry, "text"), source);
                    }
                }
                "Inspector.targetCrashed" => log.crashed = true,
                "Inspector.detached" => {
                    log.closed = Some(format!("session détachée ({})", text(params, "reason")));
                }
                _ => return,
            }
        }
        self.changed.notify_one();
    }
}

fn status(response: &Value) -> Option<u16> {
    response
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
}

/// Who asked for a request: the parser (with the document), a script (with
/// the script's place), a redirect, a preload…
fn initiator(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return "inconnu".to_owned();
    };
    let kind = value
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("inconnu");
    let frame = value
        .get("stack")
        .and_then(|s| s.get("callFrames"))
        .and_then(Value::as_array)
        .and_then(|frames| frames.first());
    match frame {
        Some(frame) => {
            let url = frame.get("url").and_then(Value::as_str).unwrap_or_default();
            let line = frame.get("lineNumber").and_then(Value::as_u64).unwrap_or(0) + 1;
            format!("{kind} {url}:{line}")
        }
        None => match value.get("url").and_then(Value::as_str) {
            Some(url) => format!("{kind} {url}"),
            None => kind.to_owned(),
        },
    }
}

fn push_console(log: &mut Log, kind: &'static str, text: String, source: Option<String>) {
    if log.console.len() >= MAX_CONSOLE {
        log.console_dropped += 1;
        return;
    }
    let text: String = text.chars().take(CONSOLE_CHARS).collect();
    log.console.push(RawConsole { kind, text, source });
}
