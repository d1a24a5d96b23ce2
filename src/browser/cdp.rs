//! The DevTools protocol over the browser's pipe (`--remote-debugging-pipe`):
//! JSON messages separated by NUL bytes, commands answered by id, events
//! routed by session to their [`Recorder`]. Untyped on purpose: a field the
//! browser adds or renames never makes a whole event vanish, and every
//! message read is bounded.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{ChildStdin, ChildStdout};
use tokio::sync::oneshot;

use super::recorder::Recorder;

/// Longest message read from the browser (a full-page screenshot in
/// base64 is the largest).
pub(crate) const MAX_MESSAGE: usize = 64 << 20;

/// Why a command got no answer.
#[derive(Clone, Debug, thiserror::Error)]
pub enum CdpError {
    /// The browser answered with a protocol error.
    #[error("{method} : le navigateur répond « {message} »")]
    Protocol {
        /// The command.
        method: String,
        /// The browser's message.
        message: String,
    },
    /// No answer within the bound.
    #[error("{method} : pas de réponse du navigateur en {seconds} s")]
    Timeout {
        /// The command.
        method: String,
        /// The bound.
        seconds: u64,
    },
    /// The pipe closed (browser exited, crashed or was killed).
    #[error("{method} : le navigateur s'est arrêté ({why})")]
    Closed {
        /// The command.
        method: String,
        /// What closed it.
        why: String,
    },
}

type Answer = Result<Value, String>;

#[derive(Default)]
struct Routes {
    pending: HashMap<u64, oneshot::Sender<Answer>>,
    sessions: HashMap<String, Arc<Recorder>>,
    /// Why the pipe closed, once it has.
    closed: Option<String>,
}

/// Sends messages without waiting for their answer: what the reader's
/// event handlers use to answer the browser (a paused request continued,
/// an authentication challenge met).
#[derive(Clone)]
pub(crate) struct Sender {
    queue: tokio::sync::mpsc::UnboundedSender<Vec<u8>>,
    next_id: Arc<AtomicU64>,
}

impl Sender {
    /// Queues `method` for `session` (the browser itself if `None`); its
    /// answer is ignored.
    pub(crate) fn send(&self, session: Option<&str>, method: &str, params: Value) {
        self.post(self.next_id(), session, method, params);
    }

    fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Queues message `id`, NUL-terminated; false once the writer is gone.
    fn post(&self, id: u64, session: Option<&str>, method: &str, params: Value) -> bool {
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = Value::String(session.to_owned());
        }
        let mut bytes = message.to_string().into_bytes();
        bytes.push(0);
        self.queue.send(bytes).is_ok()
    }
}

/// A connection to one browser.
pub(crate) struct Cdp {
    sender: Sender,
    routes: Arc<Mutex<Routes>>,
    reader: tokio::task::JoinHandle<()>,
    writer: tokio::task::JoinHandle<()>,
}

impl Cdp {
    /// Starts reading the browser's messages from `output`.
    pub(crate) fn new(input: ChildStdin, output: ChildStdout) -> Self {
        let routes = Arc::new(Mutex::new(Routes::default()));
        let reader = tokio::spawn(read_loop(output, Arc::clone(&routes)));
        let (queue, outgoing) = tokio::sync::mpsc::unbounded_channel();
        let writer = tokio::spawn(write_loop(input, outgoing, Arc::clone(&routes)));
        Self {
            sender: Sender {
                queue,
                next_id: Arc::new(AtomicU64::new(1)),
            },
            routes,
            reader,
            writer,
        }
    }

    /// A handle to send messages without waiting for answers.
    pub(crate) fn sender(&self) -> Sender {
        self.sender.clone()
    }

    fn routes(&self) -> std::sync::MutexGuard<'_, Routes> {
        self.routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Routes the events of `session` to `recorder` from now on.
    pub(crate) fn attach(&self, session: &str, recorder: Arc<Recorder>) {
        self.routes().sessions.insert(session.to_owned(), recorder);
    }

    /// Stops routing `session`'s events.
    pub(crate) fn detach(&self, session: &str) {
        self.routes().sessions.remove(session);
    }

    /// Why the pipe closed, if it has.
    pub(crate) fn closed(&self) -> Option<String> {
        self.routes().closed.clone()
    }

    /// Sends `method` (to `session`, or to the browser) and waits for its
    /// answer, at most `limit`.
    pub(crate) async fn call(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
        limit: Duration,
    ) -> Result<Value, CdpError> {
        let id = self.sender.next_id();
        let (sender, receiver) = oneshot::channel();
        let closed = |why: String| CdpError::Closed {
            method: method.to_owned(),
            why,
        };
        {
            let mut routes = self.routes();
            if let Some(why) = &routes.closed {
                return Err(closed(why.clone()));
            }
            routes.pending.insert(id, sender);
        }
        if !self.sender.post(id, session, method, params) {
            self.routes().pending.remove(&id);
            return Err(closed("écriture impossible".to_owned()));
        }
        match tokio::time::timeout(limit, receiver).await {
            Ok(Ok(Ok(value))) => Ok(value),
            Ok(Ok(Err(message))) => Err(CdpError::Protocol {
                method: method.to_owned(),
                message,
            }),
            Ok(Err(_)) => Err(closed(
                self.closed()
                    .unwrap_or_else(|| "connexion fermée".to_owned()),
            )),
            Err(_) => {
                self.routes().pending.remove(&id);
                Err(CdpError::Timeout {
                    method: method.to_owned(),
                    seconds: limit.as_secs().max(1),
                })
            }
        }
    }
}

impl Drop for Cdp {
    fn drop(&mut self) {
        self.reader.abort();
        self.writer.abort();
    }
}

/// Writes queued messages in order; a failed write closes the connection
/// for every caller waiting on an answer.
async fn write_loop(
    mut input: ChildStdin,
    mut outgoing: tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>,
    routes: Arc<Mutex<Routes>>,
) {
    while let Some(bytes) = outgoing.recv().await {
        let written = async {
            input.write_all(&bytes).await?;
            input.flush().await
        }
        .await;
        if let Err(error) = written {
            let pending = {
                let mut routes = routes
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                routes
                    .closed
                    .get_or_insert_with(|| format!("écriture impossible : {error}"));
                std::mem::take(&mut routes.pending)
            };
            drop(pending);
            return;
        }
    }
}

async fn read_loop(mut output: ChildStdout, routes: Arc<Mutex<Routes>>) {
    let mut buffer: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    // A message over the bound is dropped up to its separator: the command
    // that asked for it times out, and the connection goes on.
    let mut skipping = false;
    let why = loop {
        let read = match output.read(&mut chunk).await {
            Ok(0) => break "fin de la connexion".to_owned(),
            Ok(read) => read,
            Err(error) => break format!("lecture impossible : {error}"),
        };
        let mut new = &chunk[..read];
        if skipping {
            match new.iter().position(|b| *b == 0) {
                Some(at) => {
                    skipping = false;
                    new = &new[at + 1..];
                }
                None => continue,
            }
        }
        let start = buffer.len();
        buffer.extend_from_slice(new);
        // Only the new bytes can hold a separator not yet seen.
        let mut from = 0;
        let mut scan = start;
        while let Some(at) = buffer[scan..].iter().position(|b| *b == 0) {
            let end = scan + at;
            dispatch(&buffer[from..end], &routes);
            from = end + 1;
            scan = from;
        }
        buffer.drain(..from);
        if buffer.len() > MAX_MESSAGE {
            buffer = Vec::new();
            skipping = true;
        }
    };
    let (pending, sessions) = {
        let mut routes = routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        routes.closed = Some(why.clone());
        (
            std::mem::take(&mut routes.pending),
            routes.sessions.values().cloned().collect::<Vec<_>>(),
        )
    };
    drop(pending);
    for recorder in sessions {
        recorder.closed(&why);
    }
}

fn dispatch(message: &[u8], routes: &Mutex<Routes>) {
    let Ok(message) = serde_json::from_slice::<Value>(message) else {
        return;
    };
    if let Some(id) = message.get("id").and_then(Value::as_u64) {
        let sender = routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pending
            .remove(&id);
        if let Some(sender) = sender {
            let answer = match message.get("error") {
                Some(error) => Err(error
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("erreur sans message")
                    .to_owned()),
                None => Ok(message.get("result").cloned().unwrap_or(Value::Null)),
            };
            let _ = sender.send(answer);
        }
        return;
    }
    let (Some(method), Some(session)) = (
        message.get("method").and_then(Value::as_str),
        message.get("sessionId").and_then(Value::as_str),
    ) else {
        return;
    };
    let recorder = routes
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .sessions
        .get(session)
        .cloned();
    if let Some(recorder) = recorder {
        recorder.event(method, message.get("params").unwrap_or(&Value::Null));
    }
}
