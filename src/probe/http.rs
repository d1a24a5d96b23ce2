//! The HTTP client every probe goes through, so that every exchange is
//! recorded (redacted) and every limit applies: time per request, body size,
//! number of redirects.
//!
//! Redirects are never followed by the client: each hop is requested,
//! recorded and checked for loops here, as the login-wall and SSO checks need
//! to see every hop. Bodies are not decompressed (no `Accept-Encoding` is
//! sent), so a compression bomb cannot reach us.

use std::sync::{Arc, Once};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, Url};
use sha2::{Digest, Sha256};

use super::error::{FetchError, ProbeError};
use super::jar::Jar;
use super::page::{Hop, Page, PageBody, SetCookie};
use crate::evidence::{Address, Clock, EvidenceStore, Exchange, Raw, RawBody, Redactor};
use crate::suite::{HttpSettings, hex};

/// Identifies the harness to the candidate's logs.
const USER_AGENT: &str = concat!(
    "entconf/",
    env!("CARGO_PKG_VERSION"),
    " (banc de conformité ENT)"
);

static CRYPTO_PROVIDER: Once = Once::new();

/// The run's HTTP client and what it records into.
pub struct HttpProbe {
    client: reqwest::Client,
    settings: HttpSettings,
    /// The origin the staging gate's credentials go to (the candidate's).
    gate: Option<url::Origin>,
    redactor: Arc<Redactor>,
    store: Arc<EvidenceStore>,
    clock: Arc<dyn Clock>,
}

/// A request received by one of the harness's servers, and its answer.
pub(crate) struct ReceivedRequest<'a> {
    pub(crate) method: &'a str,
    pub(crate) url: &'a Url,
    /// Request headers worth keeping (name in lower case, value).
    pub(crate) headers: Vec<(&'a str, String)>,
    pub(crate) status: u16,
    /// The body answered (text).
    pub(crate) body: &'a str,
    pub(crate) at: chrono::DateTime<chrono::Utc>,
}

/// What a browser (or an API client) sends: a GET, a POST of a form, or a
/// POST of a JSON document.
#[derive(Clone, Debug)]
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) url: Url,
    /// The body, of media type `content_type`.
    pub(crate) body: Option<String>,
    pub(crate) content_type: &'static str,
}

/// Media type of form bodies.
const FORM: &str = "application/x-www-form-urlencoded";

impl Request {
    pub(crate) fn get(url: &Url) -> Self {
        Self {
            method: Method::GET,
            url: url.clone(),
            body: None,
            content_type: FORM,
        }
    }

    pub(crate) fn post_json(url: &Url, body: &serde_json::Value) -> Self {
        Self {
            method: Method::POST,
            url: url.clone(),
            body: Some(body.to_string()),
            content_type: "application/json",
        }
    }

    pub(crate) fn post_form(url: &Url, fields: &[(String, String)]) -> Self {
        let mut body = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in fields {
            body.append_pair(name, value);
        }
        Self {
            method: Method::POST,
            url: url.clone(),
            body: Some(body.finish()),
            content_type: FORM,
        }
    }
}

/// Where a response body goes: kept in memory up to a bound (beyond it, an
/// error); only its beginning kept, the rest left unread (an answer judged
/// by its status alone); or, for a 200 answer, streamed to a file (an
/// export archive may weigh gigabytes; any other answer is kept in memory
/// within the run's body limit).
enum Sink<'a> {
    Memory(u64),
    Peek,
    File {
        file: &'a FileWriter,
        limit: u64,
        /// The whole transfer's time limit; each chunk still has the
        /// request time limit.
        deadline: Duration,
    },
}

/// Writes a download on a blocking thread, so that a slow disk never
/// stalls the runtime that serves the other checks; chunks go through a
/// bounded channel (backpressure), errors come back when the file is done.
struct FileWriter {
    chunks: tokio::sync::mpsc::Sender<bytes::Bytes>,
    /// Bytes of a 200 answer's body handed to the writer so far: a transfer
    /// cut after the first byte leaves a partial file worth reading.
    written: std::sync::atomic::AtomicU64,
}

impl FileWriter {
    /// Creates `path` (emptied) and its writer thread; the handle gives the
    /// writing's outcome once every chunk sender is dropped.
    fn create(
        path: &std::path::Path,
    ) -> std::io::Result<(Self, tokio::task::JoinHandle<std::io::Result<()>>)> {
        let file = std::fs::File::create(path)?;
        let (chunks, mut received) = tokio::sync::mpsc::channel::<bytes::Bytes>(16);
        let done = tokio::task::spawn_blocking(move || {
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
            while let Some(chunk) = received.blocking_recv() {
                std::io::Write::write_all(&mut out, &chunk)?;
            }
            std::io::Write::flush(&mut out)
        });
        Ok((
            Self {
                chunks,
                written: std::sync::atomic::AtomicU64::new(0),
            },
            done,
        ))
    }

    /// Queues a chunk; `false` when the writer has stopped (on an error,
    /// which its handle gives).
    async fn write(&self, chunk: bytes::Bytes) -> bool {
        let size = chunk.len() as u64;
        let queued = self.chunks.send(chunk).await.is_ok();
        if queued {
            self.written
                .fetch_add(size, std::sync::atomic::Ordering::Relaxed);
        }
        queued
    }

    /// Bytes queued so far.
    fn written(&self) -> u64 {
        self.written.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Tries of a page that answers 429 or 503, in all.
pub(crate) const TRANSIENT_TRIES: u32 = 3;
/// Longest pause between two tries, whatever `Retry-After` asks.
pub(crate) const TRANSIENT_PAUSE: Duration = Duration::from_secs(5);

/// Bytes of an answer kept when only its status matters.
const PEEKED: usize = 64 << 10;

/// A download saved to a file (its size and SHA-256 are in the evidence).
#[derive(Clone, Debug)]
pub(crate) struct Saved {
    /// Final status (after redirects).
    pub(crate) status: u16,
    /// The URL that answered.
    pub(crate) final_url: Url,
    /// Why the body stopped before its end, if it did after its first
    /// byte: the file holds what arrived (a decompression bomb or an unsafe
    /// name may be plain in the first megabytes of a transfer that a slow
    /// link then cuts).
    pub(crate) cut: Option<ProbeError>,
}

impl Saved {
    /// The download if it arrived whole; a cut transfer is its error (for
    /// formats that cannot be read from their beginning, such as ZIP).
    pub(crate) fn whole(self) -> Result<Self, ProbeError> {
        match self.cut {
            Some(error) => Err(error),
            None => Ok(self),
        }
    }
}

/// A response as read, before interpretation.
struct Response {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// Installs rustls's process-wide provider, once: every reqwest client
/// needs it built first. ring builds faster than aws-lc on the project's
/// two-core machines.
fn install_crypto_provider() {
    CRYPTO_PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A reqwest client builder with rustls's provider installed and the
/// target's `[http] resolve` applied: every client that talks to the
/// candidate starts here.
pub(crate) fn client_builder(
    resolve: &std::collections::BTreeMap<String, std::net::IpAddr>,
) -> reqwest::ClientBuilder {
    install_crypto_provider();
    let mut builder = reqwest::Client::builder();
    for (host, ip) in resolve {
        // The port is ignored: requests keep the URL's.
        builder = builder.resolve(host, std::net::SocketAddr::new(*ip, 0));
    }
    builder
}

/// `builder` trusting `roots` (DER) besides the system's authorities.
pub(crate) fn trusting(
    builder: reqwest::ClientBuilder,
    roots: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder, reqwest::Error> {
    let roots = roots
        .iter()
        .map(|der| reqwest::Certificate::from_der(der))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(builder.tls_certs_merge(roots))
}

impl HttpProbe {
    /// A client with the run's limits, recording into `store`.
    pub fn new(
        settings: HttpSettings,
        redactor: Arc<Redactor>,
        store: Arc<EvidenceStore>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, ProbeError> {
        let client = trusting(client_builder(&settings.resolve), &settings.trusted_roots)
            .map_err(|error| ProbeError::Client(error.to_string()))?
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.request_timeout)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|error| ProbeError::Client(error.to_string()))?;
        Ok(Self {
            client,
            settings,
            gate: None,
            redactor,
            store,
            clock,
        })
    }

    /// Sends the basic-auth credentials of the settings to `base`'s origin
    /// only (without it, to every host: tests of the probe alone).
    #[must_use]
    pub fn gated_to(mut self, base: &Url) -> Self {
        self.gate = Some(base.origin());
        self
    }

    /// The redactor of the run.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Keeps a request one of the harness's own servers received (the GAR
    /// web service), redacted like the others; returns its evidence id.
    pub(crate) fn keep_received(&self, received: ReceivedRequest<'_>) -> String {
        let id = self.store.next_id();
        let bytes = received.body.as_bytes();
        let sha256 = hex(&Sha256::digest(bytes));
        self.keep(Raw {
            id: id.clone(),
            method: received.method,
            address: Address::Described(received.url, "reçu par entconf"),
            request_headers: received
                .headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.clone()))
                .collect(),
            request_body: None,
            status: Some(received.status),
            response_headers: vec![(
                "content-type".to_owned(),
                "application/json;charset=UTF-8".to_owned(),
            )],
            body: Some(RawBody::Text {
                media_type: Some("application/json"),
                text: received.body,
                size: bytes.len() as u64,
                sha256: Some(&sha256),
                whole: !bytes.is_empty(),
            }),
            started_at: received.at,
            duration_ms: 0,
            error: None,
        });
        id
    }

    /// Opens `url` as an anonymous browser: no prior cookie, every redirect
    /// followed by hand (cookies set along the chain are sent back to their
    /// host), loops and excess redirects reported as errors.
    ///
    /// An answer that says "not now" (429, 503) is asked again after the
    /// pause it asks for (at most 5 s, 3
    /// times in all), then is an error: it is not the page, and judging it
    /// as the page would blame the candidate for a page never read.
    ///
    /// `method` is `GET` but for a step that asks for a wrong one; no body
    /// is sent, and a redirect other than 307 or 308 is followed with
    /// `GET`, as browsers do.
    pub async fn fetch_page(&self, method: &Method, url: &Url) -> Result<Page, FetchError> {
        let mut exchanges = Vec::new();
        let mut tries = 0;
        loop {
            tries += 1;
            let mut jar = Jar::default();
            let request = Request {
                method: method.clone(),
                ..Request::get(url)
            };
            let page = match self.follow(request, &mut jar, &mut exchanges).await {
                Ok(page) => page,
                Err(error) => return Err(FetchError { error, exchanges }),
            };
            if !matches!(page.status, 429 | 503) {
                return Ok(page);
            }
            if tries >= TRANSIENT_TRIES {
                let error = ProbeError::Unavailable {
                    url: self.redactor.url(&page.final_url),
                    status: page.status,
                    tries,
                };
                return Err(FetchError { error, exchanges });
            }
            let pause = page
                .retry_after
                .map_or(Duration::from_secs(1), Duration::from_secs)
                .min(TRANSIENT_PAUSE);
            tokio::time::sleep(pause).await;
        }
    }

    /// Sends `request` with the cookies of `jar`, follows redirects by hand
    /// and keeps every cookie set along the way in `jar`; `exchanges`
    /// collects the id of every request sent, so that a failure still
    /// points at evidence.
    pub(crate) async fn follow(
        &self,
        request: Request,
        jar: &mut Jar,
        exchanges: &mut Vec<String>,
    ) -> Result<Page, ProbeError> {
        let limit = self.settings.max_body;
        self.follow_within(request, jar, exchanges, limit)
            .await
            .map(|(page, _)| page)
    }

    /// Downloads `url` anonymously, redirects followed, reading at most
    /// `limit` bytes of the final body (export archives exceed the pages'
    /// bound); returns the page and the raw body.
    pub async fn download(&self, url: &Url, limit: u64) -> Result<(Page, Vec<u8>), FetchError> {
        let mut exchanges = Vec::new();
        let mut jar = Jar::default();
        self.follow_within(Request::get(url), &mut jar, &mut exchanges, limit)
            .await
            .map_err(|error| FetchError { error, exchanges })
    }

    /// Sends one request (no redirect followed) and reads only the
    /// beginning of the answer: for requests that must be refused, judged
    /// by their status (a redirect to a login page is a refusal).
    pub(crate) async fn status_of(
        &self,
        request: Request,
        jar: &Jar,
        exchanges: &mut Vec<String>,
    ) -> Result<u16, ProbeError> {
        let id = self.store.next_id();
        exchanges.push(id.clone());
        let body_type = request.content_type;
        let (_, response) = self
            .exchange(
                id,
                request.method,
                &request.url,
                jar,
                request.body.as_deref().map(|text| (body_type, text)),
                Sink::Peek,
            )
            .await?;
        Ok(response.status)
    }

    /// Downloads `url` with `jar`'s credentials into `path` (created or
    /// emptied), redirects followed; only a 200 answer is written, at most
    /// `limit` bytes, the whole transfer within `deadline` (and no pause
    /// longer than the request time limit). Every exchange is recorded; the
    /// body is described in the evidence, not kept.
    pub(crate) async fn download_to(
        &self,
        url: &Url,
        jar: &mut Jar,
        path: &std::path::Path,
        (limit, deadline): (u64, Duration),
        exchanges: &mut Vec<String>,
    ) -> Result<Saved, ProbeError> {
        let io = |error: std::io::Error| ProbeError::Transport {
            url: self.redactor.url(url),
            detail: format!("fichier {} : {error}", path.display()),
        };
        let mut current = url.clone();
        for _ in 0..=self.settings.max_redirects {
            let (file, written) = FileWriter::create(path).map_err(io)?;
            let id = self.store.next_id();
            exchanges.push(id.clone());
            let exchange = self
                .exchange(
                    id,
                    Method::GET,
                    &current,
                    jar,
                    None,
                    Sink::File {
                        file: &file,
                        limit,
                        deadline,
                    },
                )
                .await;
            let received = file.written();
            drop(file);
            let written = written.await.unwrap_or_else(|error| {
                Err(std::io::Error::other(format!(
                    "écriture interrompue : {error}"
                )))
            });
            let response = match exchange {
                Ok((_, response)) => response,
                // Only a 200 answer's body is written: a cut after its first
                // byte leaves a partial file, said so to the reader.
                Err(error) if received > 0 => {
                    written.map_err(io)?;
                    return Ok(Saved {
                        status: 200,
                        final_url: current,
                        cut: Some(error),
                    });
                }
                Err(error) => return Err(error),
            };
            written.map_err(io)?;
            if let Some(next) = self.redirect(&current, &response)? {
                current = next;
                continue;
            }
            return Ok(Saved {
                status: response.status,
                final_url: current,
                cut: None,
            });
        }
        Err(ProbeError::TooManyRedirects {
            limit: self.settings.max_redirects,
            chain: vec![self.redactor.url(url)],
        })
    }

    /// Where a redirect answer sends the browser, if it is one (304 is not).
    fn redirect(&self, current: &Url, response: &Response) -> Result<Option<Url>, ProbeError> {
        if !(300..400).contains(&response.status) || response.status == 304 {
            return Ok(None);
        }
        let Some(location) = response.headers.get(reqwest::header::LOCATION) else {
            return Ok(None);
        };
        let text = String::from_utf8_lossy(location.as_bytes()).into_owned();
        current
            .join(text.trim())
            .map(Some)
            .map_err(|_| ProbeError::BadLocation {
                url: self.redactor.url(current),
                status: response.status,
                location: self.redactor.text(&text),
            })
    }

    async fn follow_within(
        &self,
        request: Request,
        jar: &mut Jar,
        exchanges: &mut Vec<String>,
        limit: u64,
    ) -> Result<(Page, Vec<u8>), ProbeError> {
        let requested = request.url.clone();
        let mut current = request.url;
        let mut method = request.method;
        let mut form = request.body;
        let body_type = request.content_type;
        let mut visited: Vec<Url> = Vec::new();
        let mut hops = Vec::new();
        let mut set_cookies: Vec<SetCookie> = Vec::new();
        loop {
            if method == Method::GET && visited.contains(&current) {
                let mut chain: Vec<String> = visited.iter().map(|u| self.redactor.url(u)).collect();
                chain.push(self.redactor.url(&current));
                return Err(ProbeError::RedirectLoop { chain });
            }
            if visited.len() > usize::try_from(self.settings.max_redirects).unwrap_or(usize::MAX) {
                let chain = visited.iter().map(|u| self.redactor.url(u)).collect();
                return Err(ProbeError::TooManyRedirects {
                    limit: self.settings.max_redirects,
                    chain,
                });
            }
            visited.push(current.clone());
            let id = self.store.next_id();
            exchanges.push(id.clone());
            let (exchange, response) = self
                .exchange(
                    id,
                    method.clone(),
                    &current,
                    jar,
                    form.as_deref().map(|text| (body_type, text)),
                    Sink::Memory(limit),
                )
                .await?;
            for value in response.headers.get_all(reqwest::header::SET_COOKIE) {
                let Ok(text) = value.to_str() else { continue };
                if let Some(cookie) = jar.store(&current, text, &exchange) {
                    set_cookies.push(cookie);
                }
            }
            hops.push(Hop {
                url: current.clone(),
                method: method.to_string(),
                status: response.status,
                exchange: exchange.clone(),
            });
            if let Some(next) = self.redirect(&current, &response)? {
                current = next;
                // Browsers turn a redirected POST into a GET except for 307/308.
                if !matches!(response.status, 307 | 308) {
                    method = Method::GET;
                    form = None;
                }
                continue;
            }
            let (media_type, charset) = content_type(&response.headers);
            let retry_after = response
                .headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse::<u64>().ok());
            let body = self.decode(
                &current,
                media_type.as_deref(),
                charset.as_deref(),
                &response.body,
            )?;
            let headers = super::page::JUDGED_HEADERS
                .iter()
                .flat_map(|name| {
                    response
                        .headers
                        .get_all(*name)
                        .iter()
                        // A value with bytes outside ASCII is kept, read
                        // leniently: dropping it would say "no such
                        // header" of a header that was sent.
                        .map(|value| {
                            (
                                (*name).to_owned(),
                                String::from_utf8_lossy(value.as_bytes()).into_owned(),
                            )
                        })
                })
                .collect();
            let page = Page {
                requested,
                final_url: current,
                status: response.status,
                hops,
                media_type,
                body,
                set_cookies,
                parsed: Default::default(),
                retry_after,
                headers,
                rendering: None,
            };
            return Ok((page, response.body));
        }
    }

    /// Sends one request, reads the bounded body and records the exchange;
    /// returns the exchange id with the response.
    async fn exchange(
        &self,
        id: String,
        method: Method,
        url: &Url,
        jar: &Jar,
        form: Option<(&'static str, &str)>,
        sink: Sink<'_>,
    ) -> Result<(String, Response), ProbeError> {
        let (limit, timeout) = match &sink {
            Sink::Memory(limit) => (*limit, self.settings.request_timeout),
            Sink::Peek => (PEEKED as u64, self.settings.request_timeout),
            Sink::File {
                limit, deadline, ..
            } => (*limit, (*deadline).max(self.settings.request_timeout)),
        };
        let peek = matches!(sink, Sink::Peek);
        let idle = self.settings.request_timeout;
        let started_at = self.clock.now();
        let start = self.clock.monotonic();
        let cookies = jar.header(url);
        let cookies = cookies.as_str();
        let user_agent = jar.user_agent().unwrap_or(USER_AGENT);
        // Credentials a URL carries in its userinfo (a redirect may write
        // them) would become an `Authorization` header to wherever it
        // points: they are never sent.
        let mut bare = url.clone();
        let _ = bare.set_username("");
        let _ = bare.set_password(None);
        let mut request = self
            .client
            .request(method.clone(), bare)
            .header("user-agent", user_agent)
            .header(
                "accept",
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            )
            .header("accept-language", "fr-FR,fr;q=0.9");
        let mut sent = vec![
            ("user-agent".to_owned(), user_agent.to_owned()),
            (
                "accept".to_owned(),
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8".to_owned(),
            ),
            ("accept-language".to_owned(), "fr-FR,fr;q=0.9".to_owned()),
        ];
        // The staging gate's password goes to the candidate only, never to
        // the harness's IdPs or to a host a redirect names.
        let gated = self
            .gate
            .as_ref()
            .is_none_or(|origin| *origin == url.origin());
        if let Some((user, password)) = self.settings.basic_auth.as_ref().filter(|_| gated) {
            request = request.basic_auth(user, Some(password.expose()));
            sent.push(("authorization".to_owned(), "Basic …".to_owned()));
        }
        if let Some(token) = jar.bearer_for(url) {
            request = request.bearer_auth(token);
            sent.push(("authorization".to_owned(), "Bearer …".to_owned()));
        }
        if !cookies.is_empty() {
            request = request.header("cookie", cookies);
            sent.push(("cookie".to_owned(), cookies.to_owned()));
        }
        if let Some((content_type, form)) = form {
            request = request
                .header("content-type", content_type)
                .body(form.to_owned());
            sent.push(("content-type".to_owned(), content_type.to_owned()));
        }
        // A browser sends an idempotent request again, once, when the
        // kept-alive connection it reused was closed under it before any
        // answer (RFC 9110 §9.2.2): a server that closes a connection right
        // after an answer, whose close crosses the next request, did not
        // refuse that request.
        let again = matches!(method, Method::GET | Method::HEAD)
            .then(|| request.try_clone())
            .flatten();
        let outcome = tokio::time::timeout(timeout, async {
            let mut response = match (request.send().await, again) {
                (Err(error), Some(again)) if closed_under_request(&error) => again.send().await?,
                (sent, _) => sent?,
            };
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let mut body = Vec::new();
            let mut hasher = Sha256::new();
            let mut too_large = false;
            let mut written: u64 = 0;
            let file = match &sink {
                Sink::File { file, .. } if status == 200 => Some(*file),
                _ => None,
            };
            // An answer that is not the file is an error page: the run's bound.
            let limit = if file.is_none() && !peek {
                limit.min(self.settings.max_body)
            } else {
                limit
            };
            loop {
                let Ok(next) = tokio::time::timeout(idle, response.chunk()).await else {
                    return Ok(Err(format!(
                        "plus rien reçu depuis {}",
                        crate::suite::display_duration(idle)
                    )));
                };
                let Some(chunk) = next? else { break };
                if let Some(file) = file {
                    written += chunk.len() as u64;
                    if written > limit {
                        too_large = true;
                        break;
                    }
                    hasher.update(&chunk);
                    // A writer that stopped says why once the file is done.
                    if !file.write(chunk).await {
                        break;
                    }
                    continue;
                }
                if (body.len() + chunk.len()) as u64 > limit {
                    // Peeking stops reading silently: the status is the answer.
                    too_large = !peek;
                    let room = usize::try_from(limit)
                        .unwrap_or(usize::MAX)
                        .saturating_sub(body.len());
                    body.extend_from_slice(&chunk[..room.min(chunk.len())]);
                    break;
                }
                hasher.update(&chunk);
                body.extend_from_slice(&chunk);
            }
            let sha = (!too_large).then(|| hex(&hasher.finalize()));
            let saved = file.is_some().then_some(written);
            Ok::<_, reqwest::Error>(Ok((status, headers, body, sha, too_large, saved)))
        })
        .await;
        let elapsed = self.clock.monotonic().saturating_sub(start);
        let redacted_url = self.redactor.url(url);
        let method_name = method.to_string();
        let raw = |error: Option<String>| Raw {
            id: id.clone(),
            method: &method_name,
            address: Address::Url(url),
            request_headers: sent.clone(),
            request_body: form,
            status: None,
            response_headers: Vec::new(),
            body: None,
            started_at,
            duration_ms: crate::evidence::millis(elapsed),
            error,
        };
        match outcome {
            Err(_) => {
                let error = ProbeError::Timeout {
                    url: redacted_url,
                    after: timeout,
                };
                self.keep(raw(Some(error.to_string())));
                Err(error)
            }
            Ok(Err(error)) => {
                let error = classify(&redacted_url, error, self.settings.request_timeout);
                self.keep(raw(Some(error.to_string())));
                Err(error)
            }
            Ok(Ok(Err(detail))) => {
                let error = ProbeError::Transport {
                    url: redacted_url,
                    detail,
                };
                self.keep(raw(Some(error.to_string())));
                Err(error)
            }
            Ok(Ok(Ok((status, headers, body, sha256, too_large, saved)))) => {
                let (media_type, charset) = content_type(&headers);
                let error = too_large.then_some(ProbeError::BodyTooLarge {
                    url: redacted_url,
                    limit,
                });
                let saved_note;
                let text;
                let size = saved.unwrap_or(body.len() as u64);
                let raw_body = match saved {
                    Some(size) => {
                        saved_note = format!(
                            "[enregistré dans le dossier de travail : {size} octets, {}]",
                            media_type.as_deref().unwrap_or("type inconnu")
                        );
                        RawBody::Described {
                            size,
                            sha256: sha256.as_deref(),
                            description: &saved_note,
                        }
                    }
                    None => match evidence_text(media_type.as_deref(), charset.as_deref(), &body) {
                        EvidenceText::Binary(description) => {
                            saved_note = description;
                            RawBody::Described {
                                size,
                                sha256: sha256.as_deref(),
                                description: &saved_note,
                            }
                        }
                        EvidenceText::Text(decoded) => {
                            text = decoded;
                            RawBody::Text {
                                media_type: media_type.as_deref(),
                                text: &text,
                                size,
                                sha256: sha256.as_deref(),
                                whole: !body.is_empty(),
                            }
                        }
                    },
                };
                let mut kept = raw(error.as_ref().map(ToString::to_string));
                kept.status = Some(status);
                kept.response_headers = headers
                    .iter()
                    .map(|(name, value)| {
                        (
                            name.as_str().to_owned(),
                            String::from_utf8_lossy(value.as_bytes()).into_owned(),
                        )
                    })
                    .collect();
                kept.body = Some(raw_body);
                self.keep(kept);
                if let Some(error) = error {
                    return Err(error);
                }
                Ok((
                    id,
                    Response {
                        status,
                        headers,
                        body,
                    },
                ))
            }
        }
    }

    /// Records an exchange, masked as it is captured.
    fn keep(&self, raw: Raw<'_>) {
        self.store.record(Exchange::capture(&self.redactor, raw));
    }

    /// Decodes the final body for the checks, strictly: a body that is not
    /// valid in its declared encoding is an error, not a guess.
    fn decode(
        &self,
        url: &Url,
        media_type: Option<&str>,
        charset: Option<&str>,
        body: &[u8],
    ) -> Result<PageBody, ProbeError> {
        if !is_textual(media_type, body) {
            return Ok(PageBody::Binary {
                size: body.len() as u64,
            });
        }
        let charset = charset
            .map(str::to_owned)
            .or_else(|| meta_charset(body))
            .unwrap_or_else(|| "utf-8".to_owned());
        let Some(encoding) = encoding_rs::Encoding::for_label(charset.as_bytes()) else {
            return Err(ProbeError::UnknownCharset {
                url: self.redactor.url(url),
                charset,
            });
        };
        let text = if encoding == encoding_rs::UTF_8 {
            let bytes = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
            std::str::from_utf8(bytes)
                .map(str::to_owned)
                .map_err(|error| ProbeError::InvalidEncoding {
                    url: self.redactor.url(url),
                    encoding: "UTF-8".to_owned(),
                    offset: error.valid_up_to(),
                })?
        } else {
            encoding
                .decode_without_bom_handling_and_without_replacement(body)
                .map(std::borrow::Cow::into_owned)
                .ok_or_else(|| ProbeError::InvalidEncoding {
                    url: self.redactor.url(url),
                    encoding: encoding.name().to_owned(),
                    offset: 0,
                })?
        };
        Ok(PageBody::Text(Arc::from(self.redactor.text(&text))))
    }
}

/// Whether a request failed because the server closed the connection
/// before answering (reset, end of stream, TLS stream ended without
/// `close_notify`, hyper's incomplete message): what a reused kept-alive
/// connection shows when the server closed it as the request left.
fn closed_under_request(error: &reqwest::Error) -> bool {
    if error.is_timeout() || error.is_connect() {
        return false;
    }
    causes(error).any(|cause| {
        let closed = cause.downcast_ref::<std::io::Error>().is_some_and(|io| {
            matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
            )
        });
        closed
            || cause
                .downcast_ref::<hyper::Error>()
                .is_some_and(hyper::Error::is_incomplete_message)
    })
}

/// `error` and its causes, outermost first.
fn causes<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |cause| cause.source())
}

/// The kind of the first I/O error among `error`'s causes.
fn io_kind(error: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    causes(error).find_map(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
    })
}

fn classify(url: &str, error: reqwest::Error, limit: Duration) -> ProbeError {
    // reqwest's message quotes the URL as requested, unredacted: the
    // redacted one is `url`.
    let error = error.without_url();
    let detail = error_chain(&error);
    if error.is_timeout() {
        ProbeError::Timeout {
            url: url.to_owned(),
            after: limit,
        }
    } else if error.is_connect() {
        ProbeError::Connect {
            url: url.to_owned(),
            detail,
            refused: io_kind(&error) == Some(std::io::ErrorKind::ConnectionRefused),
        }
    } else if error.is_builder() {
        ProbeError::InvalidUrl {
            url: url.to_owned(),
            reason: detail,
        }
    } else {
        ProbeError::Transport {
            url: url.to_owned(),
            detail,
        }
    }
}

/// The innermost causes of an error, which carry the useful words
/// ("Connection refused", "dns error").
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in causes(error) {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(" : ")
}

/// Media type (lower case, no parameters) and charset of a response.
fn content_type(headers: &HeaderMap) -> (Option<String>, Option<String>) {
    let Some(value) = headers
        .get(reqwest::header::CONTENT_TYPE)
        .map(HeaderValue::as_bytes)
    else {
        return (None, None);
    };
    let value = String::from_utf8_lossy(value);
    let mut parts = value.split(';');
    let media_type = parts
        .next()
        .map(|m| m.trim().to_ascii_lowercase())
        .filter(|m| !m.is_empty());
    let charset = parts.find_map(|p| {
        let (key, value) = p.split_once('=')?;
        (key.trim().eq_ignore_ascii_case("charset"))
            .then(|| value.trim().trim_matches('"').to_owned())
    });
    (media_type, charset)
}

/// Whether a body is text: by media type, or, without one, by the absence of
/// NUL bytes at its start.
fn is_textual(media_type: Option<&str>, body: &[u8]) -> bool {
    match media_type {
        Some(m) => {
            m.starts_with("text/")
                || m.contains("xml")
                || m.contains("json")
                || m.contains("javascript")
                || m.contains("x-www-form-urlencoded")
                // RFC 7515 §9.2.1: a compact JWS is ASCII text.
                || m.contains("jose")
                || m.contains("jwt")
        }
        None => !body.iter().take(1024).any(|&b| b == 0),
    }
}

/// `<meta charset>` or `http-equiv` charset within the first 1024 bytes.
fn meta_charset(body: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&body[..body.len().min(1024)]).to_ascii_lowercase();
    let pos = head.find("charset=")?;
    let rest = &head[pos + "charset=".len()..];
    let value: String = rest
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        .collect();
    (!value.is_empty()).then_some(value)
}

/// A body as the evidence shows it: text decoded leniently (the checks'
/// strict decoding is `decode`'s), or a description of binary content.
enum EvidenceText {
    Text(String),
    Binary(String),
}

fn evidence_text(media_type: Option<&str>, charset: Option<&str>, body: &[u8]) -> EvidenceText {
    if !body.is_empty() && !is_textual(media_type, body) {
        let kind = media_type.unwrap_or("type inconnu");
        return EvidenceText::Binary(format!("[contenu binaire : {} octets, {kind}]", body.len()));
    }
    let encoding = charset
        .and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    let (text, _, _) = encoding.decode(body);
    EvidenceText::Text(text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_is_split() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static("Text/HTML; Charset=\"ISO-8859-1\""),
        );
        assert_eq!(
            content_type(&headers),
            (Some("text/html".to_owned()), Some("ISO-8859-1".to_owned()))
        );
    }

    #[test]
    fn meta_charset_is_found() {
        assert_eq!(
            meta_charset(b"<html><head><meta charset=\"windows-1252\">").as_deref(),
            Some("windows-1252")
        );
        assert_eq!(
            meta_charset(
                b"<meta http-equiv=Content-Type content='text/html; charset=iso-8859-15'>"
            )
            .as_deref(),
            Some("iso-8859-15")
        );
        assert_eq!(meta_charset(b"<p>no</p>"), None);
    }

    #[test]
    fn textual_bodies() {
        assert!(is_textual(Some("text/html"), b""));
        assert!(!is_textual(Some("application/pdf"), b"%PDF"));
        assert!(is_textual(None, b"<p>x</p>"));
        assert!(!is_textual(None, b"\x00\x01"));
    }

    /// A server that closes the kept-alive connection as the next request
    /// arrives, without answering it: the GET is sent again on a new
    /// connection, as a browser does, and the page is read.
    #[tokio::test]
    async fn a_get_whose_reused_connection_closes_under_it_is_sent_again() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            const PAGE: &[u8] =
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";
            let mut buffer = [0_u8; 4096];
            // First connection: one answer, kept alive; the second request
            // is read and the connection closed without a word.
            let (mut first, _) = listener.accept().await.expect("accept");
            let _ = first.read(&mut buffer).await;
            first.write_all(PAGE).await.expect("answer");
            let _ = first.read(&mut buffer).await;
            drop(first);
            // Second connection: the request sent again.
            let (mut second, _) = listener.accept().await.expect("accept again");
            let _ = second.read(&mut buffer).await;
            second.write_all(PAGE).await.expect("answer");
            let _ = second.read(&mut buffer).await;
        });
        let probe = HttpProbe::new(
            HttpSettings::default(),
            Arc::new(Redactor::new(Vec::new())),
            Arc::new(EvidenceStore::new()),
            Arc::new(crate::evidence::SystemClock::new()),
        )
        .expect("probe");
        let url = Url::parse(&format!("http://{addr}/page")).expect("URL");
        for _ in 0..2 {
            let page = probe.fetch_page(&Method::GET, &url).await.expect("read");
            assert_eq!(page.status, 200);
        }
        server.abort();
    }

    /// An ENT whose login runs on `auth.` and sets its session for the
    /// parent domain, then sends the person to `www.`: both names reach
    /// 127.0.0.1 through `[http] resolve`, no DNS.
    #[tokio::test]
    async fn a_session_set_on_auth_for_the_parent_domain_opens_www() {
        use axum::http::{HeaderMap as Headers, StatusCode, header};
        use axum::response::IntoResponse;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let app = axum::Router::new()
            .route(
                "/connexion",
                axum::routing::get(move |headers: Headers| async move {
                    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
                    if host != Some(&format!("auth.ent.test:{port}")) {
                        return StatusCode::MISDIRECTED_REQUEST.into_response();
                    }
                    (
                        StatusCode::FOUND,
                        [
                            (
                                header::SET_COOKIE,
                                "sid=s3ss10n; Domain=ent.test; Path=/; HttpOnly".to_owned(),
                            ),
                            (
                                header::LOCATION,
                                format!("http://www.ent.test:{port}/compte"),
                            ),
                        ],
                    )
                        .into_response()
                }),
            )
            .route(
                "/compte",
                axum::routing::get(move |headers: Headers| async move {
                    let cookie = headers.get(header::COOKIE).and_then(|h| h.to_str().ok());
                    if cookie == Some("sid=s3ss10n") {
                        "Bonjour Camille".into_response()
                    } else {
                        (
                            StatusCode::FOUND,
                            [(
                                header::LOCATION,
                                format!("http://auth.ent.test:{port}/connexion"),
                            )],
                        )
                            .into_response()
                    }
                }),
            );
        tokio::spawn(async move { axum::serve(listener, app).await });
        let local: std::net::IpAddr = [127, 0, 0, 1].into();
        let settings = HttpSettings {
            resolve: [("auth.ent.test", local), ("www.ent.test", local)]
                .into_iter()
                .map(|(host, ip)| (host.to_owned(), ip))
                .collect(),
            ..HttpSettings::default()
        };
        let probe = HttpProbe::new(
            settings,
            Arc::new(Redactor::new(Vec::new())),
            Arc::new(EvidenceStore::new()),
            Arc::new(crate::evidence::SystemClock::new()),
        )
        .expect("probe");
        let start = Url::parse(&format!("http://auth.ent.test:{port}/connexion")).expect("URL");
        let mut jar = Jar::default();
        let mut exchanges = Vec::new();
        let page = probe
            .follow(Request::get(&start), &mut jar, &mut exchanges)
            .await
            .expect("followed");
        assert_eq!(page.status, 200, "{:?}", page.hops);
        assert_eq!(
            page.final_url.as_str(),
            format!("http://www.ent.test:{port}/compte")
        );
        assert_eq!(page.set_cookies[0].host, "auth.ent.test");
        assert_eq!(exchanges.len(), 2);
    }
}
