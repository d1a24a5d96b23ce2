//! Opening one page in its own browser context, waiting for it to settle,
//! and capturing it: the rendered DOM, the request log, the cookie jar, the
//! console and a screenshot.
//!
//! The settle rule: the main document's `load`, then either no request in
//! flight for [`BrowserSettings::quiet`] or the readiness condition, under
//! the hard deadline [`BrowserSettings::settle`]. Reaching the deadline is
//! recorded with the requests still in flight; the page is still captured
//! as it stands, and the judges decide what that means.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

use super::recorder::{Answer, Gate, Log, Recorder};
use super::rendering::{
    BrowserCookie, BrowserRequest, ConsoleEntry, Party, Rendering, RenderingFiles, Screenshot,
    Sent, Settled,
};
use super::{Browser, BrowserError};
use crate::evidence::{Redactor, millis};
use crate::probe::HeldCookie;

/// The DOM serialiser run in the page.
const FLATTEN: &str = include_str!("flatten.js");
/// The viewport the browser is started with (`--window-size`).
const VIEWPORT: (u32, u32) = (1280, 900);
/// The thumbnail is the top of the page reduced by this factor…
const THUMBNAIL_SCALE: f64 = 0.25;
/// …down to this height in CSS pixels (enough for a footer below a
/// screenful of content).
pub(crate) const THUMBNAIL_HEIGHT: u32 = 2_400;
/// Largest full screenshot kept, in bytes of PNG.
const MAX_PNG: usize = 12 << 20;
/// How often a readiness condition is evaluated.
const CONDITION_POLL: Duration = Duration::from_millis(200);

/// What makes a page ready besides a quiet network, given by the target
/// (`[browser] ready_selector`, `ready_text`, `ready_url`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Readiness {
    /// An element matching this CSS selector exists, in the document or
    /// an open shadow root.
    Selector(String),
    /// The page's text contains this, open shadow roots included.
    Text(String),
    /// The page's URL contains this.
    Url(String),
}

/// `deep(test)`: whether `test` holds for the document or one of the open
/// shadow roots under it (a footer drawn by a web component lives there).
const DEEP: &str = "const deep = (test) => { const roots = [document]; \
    for (let i = 0; i < roots.length; i++) { if (test(roots[i])) return true; \
    for (const el of roots[i].querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot); } \
    return false; };";

impl Readiness {
    fn expression(&self) -> String {
        let quoted = |s: &str| Value::String(s.to_owned()).to_string();
        match self {
            Self::Selector(css) => format!(
                "(() => {{ {DEEP} return deep((root) => !!root.querySelector({})); }})()",
                quoted(css)
            ),
            Self::Text(text) => format!(
                "(() => {{ {DEEP} const want = {}; return deep((root) => \
                 ((root === document ? document.body && document.body.innerText : \
                 root.textContent) || '').includes(want)); }})()",
                quoted(text)
            ),
            Self::Url(part) => format!("location.href.includes({})", quoted(part)),
        }
    }
}

/// Opens `url` in a fresh browser context and captures it as rendering
/// `id`: URLs, console text and the DOM kept as evidence pass through
/// `redactor`; `first_party` tells the candidate's origins from others.
/// The context starts with `session` in its jar (the cookies of a login
/// the HTTP probe played), empty for a visitor. Returns the record and the
/// DOM as rendered (unredacted), which the judges read as they read a
/// served body.
pub async fn render_page(
    browser: &Browser,
    url: &url::Url,
    session: &[HeldCookie],
    readiness: Option<&Readiness>,
    id: &str,
    redactor: &Redactor,
    first_party: &(dyn Fn(&url::Url) -> bool + Send + Sync),
) -> Result<(Rendering, String), BrowserError> {
    let _slot = browser.page_slot().await;
    let settings = browser.settings();
    let cdp = browser.cdp();
    let limit = settings.command;
    let context = cdp
        .call(
            None,
            "Target.createBrowserContext",
            json!({"disposeOnDetach": true}),
            limit,
        )
        .await?;
    let context = field(&context, "browserContextId")?;
    // If the check's time limit drops this future midway, the context (and
    // the hostile page's renderer) still goes.
    let mut guard = DisposeOnDrop {
        sender: cdp.sender(),
        context: Some(context.clone()),
    };
    let captured = async {
        if !session.is_empty() {
            cdp.call(
                None,
                "Storage.setCookies",
                json!({"cookies": cookie_params(url, session), "browserContextId": context}),
                limit,
            )
            .await?;
        }
        let target = cdp
            .call(
                None,
                "Target.createTarget",
                json!({"url": "about:blank", "browserContextId": context}),
                limit,
            )
            .await?;
        let target = field(&target, "targetId")?;
        let attached = cdp
            .call(
                None,
                "Target.attachToTarget",
                json!({"targetId": target, "flatten": true}),
                limit,
            )
            .await?;
        let session = field(&attached, "sessionId")?;
        let gate = settings
            .basic_auth
            .clone()
            .map(|credentials| Gate::new(cdp.sender(), session.clone(), credentials));
        let gated = gate.is_some();
        let answer = Answer {
            sender: cdp.sender(),
            session: session.clone(),
        };
        let recorder = Arc::new(Recorder::new(Some(answer), gate));
        cdp.attach(&session, Arc::clone(&recorder));
        if gated {
            cdp.call(
                Some(&session),
                "Fetch.enable",
                json!({"handleAuthRequests": true, "patterns": [{"urlPattern": "*"}]}),
                limit,
            )
            .await?;
        }
        let result = capture(browser, &session, &context, &recorder, url, readiness).await;
        cdp.detach(&session);
        result
    }
    .await;
    // The context (and its pages and cookies) goes whatever happened; a
    // browser that no longer answers is killed at the end of the run.
    guard.context = None;
    let _ = cdp
        .call(
            None,
            "Target.disposeBrowserContext",
            json!({"browserContextId": context}),
            limit,
        )
        .await;
    let mut raw = captured.map_err(|error| match browser.gone() {
        Some(why) => BrowserError::Page(format!("le navigateur s'est arrêté : {why}")),
        None => error,
    })?;
    let dom = std::mem::take(&mut raw.dom);
    let rendering = raw.into_rendering(id, browser.product(), url, &dom, redactor, first_party);
    Ok((rendering, dom))
}

/// The session's cookies as `Storage.setCookies` takes them: a host-only
/// cookie by a URL of its host (with the page's scheme: cookies ignore
/// ports), a domain cookie by its domain, each with its path and flags.
fn cookie_params(url: &url::Url, session: &[HeldCookie]) -> Vec<Value> {
    session
        .iter()
        .filter_map(|cookie| {
            let mut param = json!({
                "name": cookie.name,
                "value": cookie.value,
                "path": cookie.path,
                "secure": cookie.secure,
                "httpOnly": cookie.http_only,
            });
            if cookie.domain {
                param["domain"] = json!(format!(".{}", cookie.host));
            } else {
                let mut at = url.clone();
                at.set_host(Some(&cookie.host)).ok()?;
                at.set_path(&cookie.path);
                at.set_query(None);
                at.set_fragment(None);
                param["url"] = json!(at.as_str());
            }
            Some(param)
        })
        .collect()
}

/// Disposes of a browser context whose render was abandoned.
struct DisposeOnDrop {
    sender: super::cdp::Sender,
    context: Option<String>,
}

impl Drop for DisposeOnDrop {
    fn drop(&mut self) {
        if let Some(context) = self.context.take() {
            self.sender.send(
                None,
                "Target.disposeBrowserContext",
                json!({"browserContextId": context}),
            );
        }
    }
}

/// What was captured, before redaction.
struct Raw {
    final_url: String,
    settled: RawSettled,
    log: LogCopy,
    cookies: Vec<Value>,
    dom: String,
    screenshot: Result<Shots, String>,
}

/// The full screenshot and the thumbnail, as PNG, with the full image's
/// size and whether the page was taller than the bound.
struct Shots {
    full: Vec<u8>,
    thumbnail: Vec<u8>,
    width: u32,
    height: u32,
    clipped: bool,
}

enum RawSettled {
    Quiet(Duration),
    Condition(Duration),
    Deadline {
        after: Duration,
        loaded: bool,
        inflight: Vec<String>,
    },
}

struct LogCopy {
    requests: Vec<super::recorder::RawRequest>,
    requests_dropped: usize,
    console: Vec<super::recorder::RawConsole>,
    console_dropped: usize,
}

fn field(value: &Value, name: &str) -> Result<String, BrowserError> {
    value
        .get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| BrowserError::Page(format!("réponse du navigateur sans « {name} »")))
}

async fn capture(
    browser: &Browser,
    session: &str,
    context: &str,
    recorder: &Recorder,
    url: &url::Url,
    readiness: Option<&Readiness>,
) -> Result<Raw, BrowserError> {
    let settings = browser.settings();
    let cdp = browser.cdp();
    let limit = settings.command;
    let call = |method: &'static str, params: Value| cdp.call(Some(session), method, params, limit);
    for method in [
        "Page.enable",
        "Network.enable",
        "Runtime.enable",
        "Log.enable",
        "Inspector.enable",
    ] {
        call(method, json!({})).await?;
    }
    call("Page.setLifecycleEventsEnabled", json!({"enabled": true})).await?;
    let started = Instant::now();
    let navigated = cdp
        .call(
            Some(session),
            "Page.navigate",
            json!({"url": url.as_str()}),
            settings.navigation,
        )
        .await?;
    if let Some(error) = navigated.get("errorText").and_then(Value::as_str)
        && !error.is_empty()
    {
        return Err(BrowserError::Page(format!(
            "le navigateur n'a pas pu ouvrir la page : {error}"
        )));
    }
    recorder.navigating(
        navigated
            .get("loaderId")
            .and_then(Value::as_str)
            .map(str::to_owned),
    );
    let settled = settle(browser, session, recorder, started, readiness).await?;
    // The DOM is serialised from a world of its own: the page shares its
    // DOM with it but not its globals, so a page that rewrites
    // `Array.prototype.join` or `String.prototype.replace` cannot make the
    // judged DOM differ from what it shows.
    let frame = call("Page.getFrameTree", json!({})).await?;
    let frame_id = frame
        .pointer("/frameTree/frame/id")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            BrowserError::Page("le navigateur n'a pas donné le cadre de la page".to_owned())
        })?
        .to_owned();
    let world = call(
        "Page.createIsolatedWorld",
        json!({"frameId": frame_id, "worldName": "entconf"}),
    )
    .await?;
    let context_id = world
        .get("executionContextId")
        .and_then(Value::as_i64)
        .ok_or_else(|| {
            BrowserError::Page(
                "le navigateur n'a pas créé de monde isolé pour lire la page".to_owned(),
            )
        })?;
    let flattened = call(
        "Runtime.evaluate",
        json!({
            "expression": format!("({FLATTEN})({})", settings.max_dom_chars),
            "contextId": context_id,
            "returnByValue": true,
        }),
    )
    .await?;
    if let Some(exception) = flattened.get("exceptionDetails") {
        let text = exception
            .get("exception")
            .and_then(|e| e.get("description"))
            .and_then(Value::as_str)
            .unwrap_or("exception");
        return Err(BrowserError::Page(format!(
            "le DOM rendu n'a pas pu être lu : {}",
            text.chars().take(300).collect::<String>()
        )));
    }
    let value = flattened
        .get("result")
        .and_then(|r| r.get("value"))
        .cloned()
        .unwrap_or(Value::Null);
    if value.get("truncated").and_then(Value::as_bool) == Some(true) {
        return Err(BrowserError::Page(format!(
            "le DOM rendu dépasse {} caractères (limite de la sonde navigateur) : page non lue",
            settings.max_dom_chars
        )));
    }
    let dom = value
        .get("html")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            BrowserError::Page("le DOM rendu n'a pas pu être lu : réponse sans HTML".to_owned())
        })?
        .to_owned();
    let final_url = value
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or(url.as_str())
        .to_owned();
    let cookies = cdp
        .call(
            None,
            "Storage.getCookies",
            json!({"browserContextId": context}),
            limit,
        )
        .await?
        .get("cookies")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let screenshot = screenshot(browser, session).await;
    Ok(Raw {
        final_url,
        settled,
        log: take(&mut recorder.log()),
        cookies,
        dom,
        screenshot,
    })
}

/// The page's requests and console, taken from its log once captured.
fn take(log: &mut Log) -> LogCopy {
    LogCopy {
        requests: std::mem::take(&mut log.requests),
        requests_dropped: log.requests_dropped,
        console: std::mem::take(&mut log.console),
        console_dropped: log.console_dropped,
    }
}

/// Waits for the settle rule or the deadline.
async fn settle(
    browser: &Browser,
    session: &str,
    recorder: &Recorder,
    started: Instant,
    readiness: Option<&Readiness>,
) -> Result<RawSettled, BrowserError> {
    let settings = browser.settings();
    // A deadline past what the clock can hold is no deadline worth waiting.
    let deadline = started
        .checked_add(settings.settle)
        .unwrap_or_else(|| started + Duration::from_secs(3_600));
    let mut next_condition = Instant::now();
    loop {
        let now = Instant::now();
        let (loaded, quiet_since) = {
            let log = recorder.log();
            if log.crashed {
                return Err(BrowserError::Page(
                    "la page a fait planter son processus de rendu".to_owned(),
                ));
            }
            if let Some(why) = &log.closed {
                return Err(BrowserError::Page(format!(
                    "session du navigateur perdue : {why}"
                )));
            }
            let quiet_since = log.inflight.is_empty().then_some(log.last_network);
            (log.loaded(), quiet_since)
        };
        if loaded {
            if let Some(condition) = readiness {
                if now >= next_condition {
                    next_condition = now + CONDITION_POLL;
                    let answer = browser
                        .cdp()
                        .call(
                            Some(session),
                            "Runtime.evaluate",
                            json!({"expression": condition.expression(), "returnByValue": true}),
                            settings.command,
                        )
                        .await?;
                    let met = answer
                        .get("result")
                        .and_then(|r| r.get("value"))
                        .and_then(Value::as_bool)
                        == Some(true);
                    if met {
                        return Ok(RawSettled::Condition(started.elapsed()));
                    }
                }
            } else if let Some(since) = quiet_since
                && now.duration_since(since) >= settings.quiet
            {
                return Ok(RawSettled::Quiet(started.elapsed()));
            }
        }
        if now >= deadline {
            let (mut inflight, more) = recorder.inflight();
            if more > 0 {
                inflight.push(format!("(et {more} autre(s))"));
            }
            return Ok(RawSettled::Deadline {
                after: settings.settle,
                loaded,
                inflight,
            });
        }
        // Wake at the next event, or when the quiet period or the next
        // condition poll may have come, whichever is first.
        let wake = match quiet_since {
            Some(since) if loaded && readiness.is_none() => since + settings.quiet,
            _ if readiness.is_some() && loaded => next_condition,
            _ => now + Duration::from_millis(250),
        }
        .min(deadline)
        .max(now + Duration::from_millis(10));
        let _ = tokio::time::timeout_at(wake.into(), recorder.changed()).await;
    }
}

/// The full screenshot (clipped at the bound) and the thumbnail (the top
/// of the page, reduced).
async fn screenshot(browser: &Browser, session: &str) -> Result<Shots, String> {
    let settings = browser.settings();
    let cdp = browser.cdp();
    let limit = settings.command;
    let metrics = cdp
        .call(Some(session), "Page.getLayoutMetrics", json!({}), limit)
        .await
        .map_err(|e| e.to_string())?;
    let size = metrics.get("cssContentSize").unwrap_or(&Value::Null);
    let dimension = |name: &str, at_least: u32| {
        size.get(name)
            .and_then(Value::as_f64)
            .map_or(at_least, |v| (v.ceil() as u32).max(at_least))
    };
    // The viewport's width: a page as wide as it likes would make an image
    // no message can carry.
    let width = dimension("width", VIEWPORT.0).min(VIEWPORT.0);
    let height = dimension("height", 1);
    let clipped = height > settings.max_screenshot_height;
    let height = height.min(settings.max_screenshot_height);
    let shot = |clip: Value| async move {
        let answer = cdp
            .call(
                Some(session),
                "Page.captureScreenshot",
                json!({"format": "png", "clip": clip, "captureBeyondViewport": true}),
                limit,
            )
            .await
            .map_err(|e| e.to_string())?;
        let data = answer
            .get("data")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if data.len() / 4 * 3 > MAX_PNG {
            return Err(format!("image de plus de {} Mio", MAX_PNG >> 20));
        }
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|e| format!("image illisible : {e}"))
    };
    let full = shot(json!({"x": 0, "y": 0, "width": width, "height": height, "scale": 1})).await?;
    let thumbnail = shot(
        json!({"x": 0, "y": 0, "width": VIEWPORT.0, "height": height.min(THUMBNAIL_HEIGHT), "scale": THUMBNAIL_SCALE}),
    )
    .await?;
    Ok(Shots {
        full,
        thumbnail,
        width,
        height,
        clipped,
    })
}

impl Raw {
    fn into_rendering(
        self,
        id: &str,
        product: &str,
        url: &url::Url,
        dom: &str,
        redactor: &Redactor,
        first_party: &(dyn Fn(&url::Url) -> bool + Send + Sync),
    ) -> Rendering {
        let redact_url = |text: &str| match url::Url::parse(text) {
            Ok(parsed) => redactor.url(&parsed),
            Err(_) => redactor.text(text),
        };
        let requests = self
            .log
            .requests
            .iter()
            .map(|r| {
                let parsed = url::Url::parse(&r.url).ok();
                let party = match &parsed {
                    Some(parsed) if first_party(parsed) => Party::First,
                    _ => Party::Third,
                };
                BrowserRequest {
                    url: match &parsed {
                        Some(parsed) => redactor.url(parsed),
                        None => redactor.text(&r.url),
                    },
                    host: parsed
                        .as_ref()
                        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
                        .unwrap_or_default(),
                    method: r.method.clone(),
                    resource: r.resource.clone(),
                    initiator: redactor.message(&r.initiator),
                    status: r.status,
                    failure: r.failure.clone(),
                    // What the page tells a third party of where the
                    // person is; the candidate's own hosts know it anyway.
                    referer: r
                        .referer
                        .as_deref()
                        .filter(|_| party == Party::Third)
                        .map(redact_url),
                    party,
                    sent: (party == Party::Third).then(|| Sent {
                        url: r.sent_url.clone(),
                        referer: r.referer.clone(),
                        cut: r.sent_cut,
                    }),
                }
            })
            .collect();
        // The page's host and party, for its cookies.
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let page_is_first_party = first_party(url);
        let cookies = self
            .cookies
            .iter()
            .map(|c| {
                let text = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or_default();
                let mut attributes = vec![format!("Path={}", text("path"))];
                if c.get("secure").and_then(Value::as_bool) == Some(true) {
                    attributes.push("Secure".to_owned());
                }
                if c.get("httpOnly").and_then(Value::as_bool) == Some(true) {
                    attributes.push("HttpOnly".to_owned());
                }
                if !text("sameSite").is_empty() {
                    attributes.push(format!("SameSite={}", text("sameSite")));
                }
                if c.get("session").and_then(Value::as_bool) != Some(true)
                    && let Some(expires) = c.get("expires").and_then(Value::as_f64)
                    && let Some(at) = chrono::DateTime::from_timestamp(expires as i64, 0)
                {
                    attributes.push(format!("Expires={}", at.format("%Y-%m-%dT%H:%M:%SZ")));
                }
                let domain = text("domain").trim_start_matches('.').to_owned();
                // The candidate's when the page is and the page's host is
                // in the cookie's domain (`Domain=ent.example` set by
                // `www.ent.example`); anyone else's otherwise.
                let domain_lower = domain.to_ascii_lowercase();
                let matches = host == domain_lower || host.ends_with(&format!(".{domain_lower}"));
                let party = if matches && page_is_first_party {
                    Party::First
                } else {
                    Party::Third
                };
                BrowserCookie {
                    name: text("name").to_owned(),
                    domain,
                    fingerprint: crate::probe::fingerprint(text("value")),
                    attributes,
                    party,
                }
            })
            .collect();
        let console = self
            .log
            .console
            .iter()
            .map(|c| ConsoleEntry {
                kind: c.kind.to_owned(),
                text: redactor.message(&c.text),
                source: c.source.as_deref().map(redact_url),
            })
            .collect();
        let settled = match self.settled {
            RawSettled::Quiet(after) => Settled::Quiet {
                after_ms: millis(after),
            },
            RawSettled::Condition(after) => Settled::Condition {
                after_ms: millis(after),
            },
            RawSettled::Deadline {
                after,
                loaded,
                inflight,
            } => Settled::Deadline {
                after_ms: millis(after),
                loaded,
                inflight: inflight.iter().map(|u| redact_url(u)).collect(),
            },
        };
        let (screenshot, screenshot_missing, png) = match self.screenshot {
            Ok(Shots {
                full,
                thumbnail,
                width,
                height,
                clipped,
            }) => (
                Some(Screenshot {
                    file: format!("{id}.png"),
                    width,
                    height,
                    clipped,
                    thumbnail: base64::engine::general_purpose::STANDARD.encode(thumbnail),
                }),
                None,
                Some(Arc::new(full)),
            ),
            Err(why) => (None, Some(why), None),
        };
        let evidence = redactor.body(Some("text/html"), dom);
        Rendering {
            id: id.to_owned(),
            url: redactor.url(url),
            final_url: redact_url(&self.final_url),
            browser: product.to_owned(),
            settled,
            requests,
            requests_dropped: self.log.requests_dropped,
            cookies,
            console,
            console_dropped: self.log.console_dropped,
            dom_chars: dom.chars().count(),
            dom_file: format!("{id}.html"),
            screenshot,
            screenshot_missing,
            files: RenderingFiles {
                dom: evidence.into(),
                png,
            },
        }
    }
}
