//! Why a probe could not observe the candidate. Every variant becomes the
//! outcome `error` (the harness could not evaluate), never `fail` or `skip`.

use std::time::Duration;

use crate::suite::display_duration;

/// A transport or decoding problem (messages in French, for reports).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    /// A login flow could not go on (nothing to replay, no IdP answer).
    #[error("{0}")]
    Protocol(String),
    /// The URL cannot be requested.
    #[error("URL inutilisable « {url} » : {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why.
        reason: String,
    },
    /// No complete answer within the request time limit.
    #[error("pas de réponse complète de {url} en {}", display_duration(*after))]
    Timeout {
        /// Requested URL (redacted).
        url: String,
        /// The limit.
        after: Duration,
    },
    /// Name resolution, connection or TLS failed.
    #[error("connexion impossible à {url} : {detail}")]
    Connect {
        /// Requested URL (redacted).
        url: String,
        /// Cause.
        detail: String,
        /// The host answered that nothing listens on that port: the
        /// candidate's answer, not a network problem (SEC-01's plain-HTTP
        /// address).
        refused: bool,
    },
    /// The connection broke or the answer is not HTTP.
    #[error("échange HTTP interrompu avec {url} : {detail}")]
    Transport {
        /// Requested URL (redacted).
        url: String,
        /// Cause.
        detail: String,
    },
    /// The body exceeds the run's size limit.
    #[error("la réponse de {url} dépasse la limite de {limit} octets (lecture arrêtée)")]
    BodyTooLarge {
        /// Requested URL (redacted).
        url: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// A redirect leads back to an URL already visited.
    #[error("boucle de redirections : {}", chain.join(" → "))]
    RedirectLoop {
        /// URLs visited (redacted), the repeated one last.
        chain: Vec<String>,
    },
    /// More redirects than allowed.
    #[error("plus de {limit} redirections : {}", chain.join(" → "))]
    TooManyRedirects {
        /// The limit.
        limit: u32,
        /// URLs visited (redacted).
        chain: Vec<String>,
    },
    /// A redirect without a usable `Location`.
    #[error("redirection {status} de {url} vers une adresse inutilisable « {location} »")]
    BadLocation {
        /// Redirecting URL (redacted).
        url: String,
        /// Status.
        status: u16,
        /// Location header.
        location: String,
    },
    /// The body is not valid in its declared encoding.
    #[error(
        "le corps de {url} n'est pas du {encoding} valide (octet invalide vers la position {offset})"
    )]
    InvalidEncoding {
        /// Requested URL (redacted).
        url: String,
        /// Declared or assumed encoding.
        encoding: String,
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// The declared charset is unknown.
    #[error("encodage « {charset} » inconnu pour {url}")]
    UnknownCharset {
        /// Requested URL (redacted).
        url: String,
        /// Declared charset.
        charset: String,
    },
    /// The page answered "not now" (429, 503) every time it was asked.
    #[error(
        "{url} répond {status} (indisponible pour l'instant) à chacune des {tries} demandes : page non lue"
    )]
    Unavailable {
        /// Requested URL (redacted).
        url: String,
        /// The last status.
        status: u16,
        /// How many times it was asked.
        tries: u32,
    },
    /// The HTTP client could not be created.
    #[error("client HTTP impossible à créer : {0}")]
    Client(String),
    /// The browser probe could not render a page the HTTP probe read.
    #[error("rendu de {url} par le navigateur impossible : {detail}")]
    Browser {
        /// The page.
        url: String,
        /// What happened.
        detail: String,
    },
    /// The target requires the browser and there is none.
    #[error("la cible exige un navigateur ([browser] mode = \"required\") : {0}")]
    BrowserRequired(String),
}

impl ProbeError {
    /// The (redacted) URL whose request failed, when one did: a scenario
    /// tells where the browser was sent from it, never from the message.
    pub fn url(&self) -> Option<&str> {
        match self {
            Self::InvalidUrl { url, .. }
            | Self::Timeout { url, .. }
            | Self::Connect { url, .. }
            | Self::Transport { url, .. }
            | Self::BodyTooLarge { url, .. }
            | Self::BadLocation { url, .. }
            | Self::InvalidEncoding { url, .. }
            | Self::UnknownCharset { url, .. }
            | Self::Unavailable { url, .. }
            | Self::Browser { url, .. } => Some(url),
            Self::Protocol(_)
            | Self::RedirectLoop { .. }
            | Self::TooManyRedirects { .. }
            | Self::Client(_)
            | Self::BrowserRequired(_) => None,
        }
    }
}

/// A failed page fetch with the exchanges it sent, for the evidence.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct FetchError {
    /// What went wrong.
    pub error: ProbeError,
    /// Ids of the exchanges recorded before the failure.
    pub exchanges: Vec<String>,
}
