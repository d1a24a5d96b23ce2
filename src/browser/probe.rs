//! The run's browser: launched at the first page that needs it, shared by
//! every check, closed (and reaped) when the run ends. It numbers the pages
//! it renders and keeps their records for the run record.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use super::{Browser, BrowserError, BrowserSettings, Readiness, Rendering, render_page};
use crate::evidence::Redactor;
use crate::probe::HeldCookie;

/// Tells the candidate's origins from third parties.
pub type FirstParty = Arc<dyn Fn(&url::Url) -> bool + Send + Sync>;

/// The browser of one run.
pub struct BrowserProbe {
    settings: BrowserSettings,
    /// `[browser] mode = "auto"`: a browser that does not start means
    /// pages read as served (with a note), not pages in error.
    optional: bool,
    readiness: Option<Readiness>,
    browser: OnceCell<Result<Browser, BrowserError>>,
    next: AtomicU32,
    renderings: Mutex<Vec<Rendering>>,
    redactor: Arc<Redactor>,
    first_party: FirstParty,
}

impl BrowserProbe {
    /// A probe that launches the browser of `settings` when first asked.
    pub fn new(
        settings: BrowserSettings,
        optional: bool,
        readiness: Option<Readiness>,
        redactor: Arc<Redactor>,
        first_party: FirstParty,
    ) -> Self {
        Self {
            settings,
            optional,
            readiness,
            browser: OnceCell::new(),
            next: AtomicU32::new(0),
            renderings: Mutex::new(Vec::new()),
            redactor,
            first_party,
        }
    }

    /// Renders `url`: the page's record (also kept for the run record) and
    /// its DOM as rendered; `None` when the optional browser did not start
    /// (the page is then read as served, and [`Self::launch_failure`] says
    /// why).
    pub async fn render(
        &self,
        url: &url::Url,
    ) -> Result<Option<(Arc<Rendering>, String)>, BrowserError> {
        self.render_in(url, &[]).await
    }

    /// As [`Self::render`], the page opened in the session of a login the
    /// HTTP probe played: its cookies in the fresh context's jar first.
    pub async fn render_signed_in(
        &self,
        url: &url::Url,
        session: &[HeldCookie],
    ) -> Result<Option<(Arc<Rendering>, String)>, BrowserError> {
        self.render_in(url, session).await
    }

    async fn render_in(
        &self,
        url: &url::Url,
        session: &[HeldCookie],
    ) -> Result<Option<(Arc<Rendering>, String)>, BrowserError> {
        let launched = self
            .browser
            .get_or_init(|| Browser::launch(&self.settings))
            .await;
        let browser = match launched {
            Ok(browser) => browser,
            Err(_) if self.optional => return Ok(None),
            Err(error) => return Err(error.clone()),
        };
        let id = format!("r{:04}", self.next.fetch_add(1, Ordering::Relaxed) + 1);
        let (rendering, dom) = render_page(
            browser,
            url,
            session,
            self.readiness.as_ref(),
            &id,
            &self.redactor,
            self.first_party.as_ref(),
        )
        .await?;
        self.renderings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(rendering.clone());
        Ok(Some((Arc::new(rendering), dom)))
    }

    /// Why the browser did not start, if it was tried and failed.
    pub fn launch_failure(&self) -> Option<String> {
        match self.browser.get() {
            Some(Err(error)) => Some(error.to_string()),
            _ => None,
        }
    }

    /// The product of the running browser, once launched.
    pub fn product(&self) -> Option<String> {
        match self.browser.get() {
            Some(Ok(browser)) => Some(browser.product().to_owned()),
            _ => None,
        }
    }

    /// Closes the browser, if it was launched, and returns every page
    /// rendered, in id order.
    pub async fn finish(&self) -> Vec<Rendering> {
        if let Some(Ok(browser)) = self.browser.get() {
            browser.close().await;
        }
        let mut all = std::mem::take(
            &mut *self
                .renderings
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }
}
