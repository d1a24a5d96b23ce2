//! Anonymous page fetches shared within a run: several checks read the same
//! public pages (login, home, notice), and asking the candidate once gives
//! every check the same evidence, spares the candidate and divides the run
//! time. Only anonymous GETs without per-check state are shared.
//!
//! When the run has a browser, an HTML page answered 2xx is also opened in
//! it, once, and the shared page carries the rendered DOM and its
//! [`crate::browser::Rendering`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reqwest::{Method, Url};
use tokio::sync::OnceCell;

use super::error::{FetchError, ProbeError};
use super::http::HttpProbe;
use super::page::Page;

type Slot = Arc<OnceCell<Result<Arc<Page>, FetchError>>>;

/// Results of anonymous fetches by method and URL.
#[derive(Default)]
pub struct PageCache {
    slots: Mutex<HashMap<(Method, Url), Slot>>,
}

impl PageCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The page at `url` asked with `method`, fetched once per run. A fetch
    /// abandoned because its check timed out leaves the slot empty, and the
    /// next reader fetches. Only a `GET` is rendered by the browser: another
    /// method's answer is read as received.
    pub async fn fetch(
        &self,
        probe: &HttpProbe,
        browser: Option<&crate::browser::BrowserProbe>,
        method: &Method,
        url: &Url,
    ) -> Result<Arc<Page>, FetchError> {
        let slot = {
            let mut slots = self
                .slots
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            slots
                .entry((method.clone(), url.clone()))
                .or_default()
                .clone()
        };
        slot.get_or_init(|| async {
            let page = probe.fetch_page(method, url).await?;
            match browser {
                Some(browser) if *method == Method::GET && page.is_rendered_by_browser() => {
                    match browser.render(url).await {
                        Ok(Some((rendering, dom))) => Ok(Arc::new(page.rendered(rendering, dom))),
                        Ok(None) => Ok(Arc::new(page)),
                        Err(error) => Err(FetchError {
                            error: ProbeError::Browser {
                                url: probe.redactor().url(url),
                                detail: error.to_string(),
                            },
                            exchanges: page.exchanges(),
                        }),
                    }
                }
                _ => Ok(Arc::new(page)),
            }
        })
        .await
        .clone()
    }
}
