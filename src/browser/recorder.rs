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
/// Characters kept of a URL or an initiator (a URL may be 2 MB long).
const URL_CHARS: usize = 2_000;
/// What is kept of a request's URL and `Referer` as sent, for the judges
/// (never written): trackers' URLs run longer than the record's cut.
pub(crate) const SENT_CHARS: usize = 8_000;
/// In-flight requests whose URL is kept; the others are counted.
const INFLIGHT_KEPT: usize = 50;
/// Loads remembered (an ever-reloading iframe must not grow the log).
const MAX_LOADS: usize = 1_000;

/// `text` cut at `limit` characters, saying so.
fn cut(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// One request as the browser reported it.
#[derive(Clone, Debug)]
pub(crate) struct RawRequest {
    pub(crate) url: String,
    pub(crate) method: String,
    pub(crate) resource: String,
    pub(crate) initiator: String,
    pub(crate) status: Option<u16>,
    pub(crate) failure: Option<String>,
    /// The URL as the page asked for it, cut at [`SENT_CHARS`] only.
    pub(crate) sent_url: String,
    /// The `Referer` the page's request carried, if any, cut at
    /// [`SENT_CHARS`].
    pub(crate) referer: Option<String>,
    /// Whether the URL or the `Referer` was longer than [`SENT_CHARS`].
    pub(crate) sent_cut: bool,
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
    /// Requests not finished yet: id → URL (cut).
    pub(crate) inflight: BTreeMap<String, String>,
    /// When a request last started or ended, or the main document loaded:
    /// quiet is counted from the latest.
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

/// How a session answers the staging gate's challenges: the requests are
/// paused by `Fetch` (all of them: Chromium raises challenges only for
/// paused requests), each continued at once, and a challenge is met with
/// the credentials when it comes from the candidate's origin, refused
/// otherwise.
pub(crate) struct Gate {
    pub(crate) sender: super::cdp::Sender,
    pub(crate) session: String,
    pub(crate) credentials: super::BasicGate,
    /// Challenges answered, by URL: wrong credentials are not retried
    /// forever.
    answered: Mutex<HashMap<String, u32>>,
}

impl Gate {
    pub(crate) fn new(
        sender: super::cdp::Sender,
        session: String,
        credentials: super::BasicGate,
    ) -> Self {
        Self {
            sender,
            session,
            credentials,
            answered: Mutex::new(HashMap::new()),
        }
    }

    fn paused(&self, params: &Value) {
        let id = params.get("requestId").cloned().unwrap_or(Value::Null);
        self.sender.send(
            Some(&self.session),
            "Fetch.continueRequest",
            serde_json::json!({"requestId": id}),
        );
    }

    fn challenged(&self, params: &Value) {
        let id = params.get("requestId").cloned().unwrap_or(Value::Null);
        let url = params
            .get("request")
            .and_then(|r| r.get("url"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let from_server = params
            .get("authChallenge")
            .and_then(|c| c.get("source"))
            .and_then(Value::as_str)
            == Some("Server");
        let ours = url::Url::parse(&url).is_ok_and(|u| u.origin() == self.credentials.origin);
        let tries = {
            let mut answered = self
                .answered
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let tries = answered.entry(url).or_insert(0);
            *tries += 1;
            *tries
        };
        let response = if from_server && ours && tries <= 2 {
            serde_json::json!({
                "response": "ProvideCredentials",
                "username": self.credentials.user,
                "password": self.credentials.password.expose(),
            })
        } else {
            serde_json::json!({"response": "CancelAuth"})
        };
        self.sender.send(
            Some(&self.session),
            "Fetch.continueWithAuth",
            serde_json::json!({"requestId": id, "authChallengeResponse": response}),
        );
    }
}

/// Where a session's event handlers send their answers.
pub(crate) struct Answer {
    pub(crate) sender: super::cdp::Sender,
    pub(crate) session: String,
}

/// The log of one session, fed by the connection's reader.
pub(crate) struct Recorder {
    log: Mutex<Log>,
    changed: Notify,
    answer: Option<Answer>,
    gate: Option<Gate>,
}

impl Recorder {
    /// An empty log; dialogs are dismissed through `answer`, and with
    /// `gate` the session answers the staging gate.
    pub(crate) fn new(answer: Option<Answer>, gate: Option<Gate>) -> Self {
        Self {
            answer,
            gate,
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

    /// Sets the loader the navigation started, unless the main frame has
    /// already moved on (a script's redirect seen first).
    pub(crate) fn navigating(&self, loader: Option<String>) {
        let mut log = self.log();
        if log.main_loader.is_none() {
            log.main_loader = loader;
        }
        log.last_network = Instant::now();
    }

    /// URLs of the requests still in flight (at most 50) and how many more.
    pub(crate) fn inflight(&self) -> (Vec<String>, usize) {
        let log = self.log();
        let kept: Vec<String> = log.inflight.values().take(INFLIGHT_KEPT).cloned().collect();
        let more = log.inflight.len() - kept.len();
        (kept, more)
    }

    /// Takes one event in.
    pub(crate) fn event(&self, method: &str, params: &Value) {
        if let Some(gate) = &self.gate {
            match method {
                "Fetch.requestPaused" => return gate.paused(params),
                "Fetch.authRequired" => return gate.challenged(params),
                _ => {}
            }
        }
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
                    let long = |text: &str| text.char_indices().nth(SENT_CHARS).is_some();
                    let referer = request
                        .get("headers")
                        .and_then(Value::as_object)
                        .and_then(|headers| {
                            headers
                                .iter()
                                .find(|(name, _)| name.eq_ignore_ascii_case("referer"))
                        })
                        .and_then(|(_, value)| value.as_str());
                    let sent_cut = long(&url) || referer.is_some_and(long);
                    let sent_url = cut(&url, SENT_CHARS);
                    let url = cut(&url, URL_CHARS);
                    if let Some(redirect) = params.get("redirectResponse")
                        && let Some(&index) = log.by_id.get(&id)
                    {
                        log.requests[index].status = status(redirect);
                    }
                    let entry = RawRequest {
                        url: url.clone(),
                        method: text(request, "method"),
                        resource: text(params, "type"),
                        initiator: cut(&initiator(params.get("initiator")), URL_CHARS),
                        status: None,
                        failure: None,
                        sent_url,
                        referer: referer.map(|value| cut(value, SENT_CHARS)),
                        sent_cut,
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
                    if text(params, "name") == "load" && log.loads.len() < MAX_LOADS {
                        let loader = text(params, "loaderId");
                        if log.main_loader.as_deref() == Some(loader.as_str()) {
                            // The quiet period starts at the load at the
                            // earliest: a footer fetched after it is waited for.
                            log.last_network = Instant::now();
                        }
                        log.loads.insert(loader);
                    }
                }
                "Page.javascriptDialogOpening" => {
                    // An alert() would block every later command on the
                    // page; a person would dismiss it.
                    if let Some(answer) = &self.answer {
                        answer.sender.send(
                            Some(&answer.session),
                            "Page.handleJavaScriptDialog",
                            serde_json::json!({"accept": false}),
                        );
                    }
                    push_console(&mut log, "dialogue", text(params, "message"), None);
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
