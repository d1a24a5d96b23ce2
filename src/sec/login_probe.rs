//! The `login_throttling` step's scenario (SEC-06): records, never judges.
//! Once per run, on the ENT's own login form (`[local_login]`): the test
//! account logs in with its password (the control), then wrong passwords
//! are sent for it, each from a fresh browser (new cookies, the form read
//! again for its hidden fields), as a guessing script would, until an
//! answer shows resistance ([`super::login::resistance`], also asked of the
//! form's page, which a locked ENT may refuse to show) or [`ATTEMPTS`] were
//! sent. No other account is ever tried.

use std::sync::Arc;

use super::login::{ATTEMPTS, Answered, ThrottlingObservation, resistance};
use crate::evidence::Redactor;
use crate::probe::{AutoForm, Jar, Page, PasswordForm, Request};
use crate::runner::context::Context;
use crate::runner::once::Shared;
use crate::suite::{Capability, SecretSlot};

/// Text of an answer kept for the judge.
const KEPT_TEXT: usize = 64 << 10;

/// The `login_throttling` step (made once, shared).
pub(crate) async fn observe(context: &Arc<Context>) -> Shared<ThrottlingObservation> {
    let owned = Arc::clone(context);
    context
        .shared
        .get(
            "local_login",
            move || async move { gather(&owned).await },
            "essais du formulaire de connexion",
        )
        .await
}

async fn gather(context: &Context) -> Result<ThrottlingObservation, String> {
    let local = context
        .target
        .local_login
        .as_ref()
        .ok_or("section [local_login] absente de la description de cible")?;
    let password = match &local.password {
        SecretSlot::Available(secret) => secret.expose().to_owned(),
        SecretSlot::Missing(why) => {
            return Err(format!("mot de passe du compte de test non fourni : {why}"));
        }
    };
    let page = match &local.page {
        Some(page) => page.clone(),
        None => context.capability(Capability::LoginPage)?,
    };
    let mut exchanges = Vec::new();
    let mut observed = ThrottlingObservation {
        account: local.account.clone(),
        form: Err(String::new()),
        page_text: String::new(),
        control: None,
        attempts: Vec::new(),
        exchanges: Vec::new(),
    };
    match submit(context, &page, &local.account, &password, &mut exchanges).await {
        Err(Unsent::NoForm(shown)) => observed.form = Err(shown.why),
        Err(Unsent::Transport(why)) => {
            observed.form = Err(format!(
                "{} non lue : {why}",
                context.probe.redactor().url(&page)
            ));
        }
        Ok(sent) => {
            observed.form = Ok(sent.form);
            observed.page_text = sent.page_text;
            let logged_in = sent.answer.as_ref().is_ok_and(Answered::logged_in);
            observed.control = Some(sent.answer);
            // Without a working control, wrong passwords would prove nothing
            // and only lock the account further.
            if logged_in {
                for n in 1..=ATTEMPTS {
                    let wrong = format!("entconf-sec06-faux-{n}-{}", context.run_id);
                    let answer = match submit(
                        context,
                        &page,
                        &local.account,
                        &wrong,
                        &mut exchanges,
                    )
                    .await
                    {
                        Ok(sent) => sent.answer,
                        // A locked ENT may refuse the form itself: that
                        // page is its answer when it says so.
                        Err(Unsent::NoForm(shown))
                            if resistance(&shown.page, &observed.page_text).is_some() =>
                        {
                            Ok(shown.page)
                        }
                        Err(Unsent::NoForm(shown)) => Err(shown.why),
                        Err(Unsent::Transport(why)) => Err(why),
                    };
                    let stop = answer
                        .as_ref()
                        .map_or(true, |a| resistance(a, &observed.page_text).is_some());
                    observed.attempts.push(answer);
                    if stop {
                        break;
                    }
                }
            }
        }
    }
    observed.exchanges = exchanges;
    Ok(observed)
}

/// Why a password could not be submitted.
enum Unsent {
    /// The form's page could not be read.
    Transport(String),
    /// The page has no login form: what it showed, and why that stops.
    NoForm(Shown),
}

/// A page without the form.
struct Shown {
    page: Answered,
    why: String,
}

/// One submission: the form as described, its page's text, the answer.
struct Sent {
    form: String,
    page_text: String,
    answer: Result<Answered, String>,
}

/// Reads the form from a fresh browser and submits `password` for
/// `account`.
async fn submit(
    context: &Context,
    page: &reqwest::Url,
    account: &str,
    password: &str,
    exchanges: &mut Vec<String>,
) -> Result<Sent, Unsent> {
    let redactor = context.probe.redactor();
    let mut jar = Jar::default();
    let shown = context
        .probe
        .follow(Request::get(page), &mut jar, exchanges)
        .await
        .map_err(|error| Unsent::Transport(error.to_string()))?;
    let (shown, form) = read(shown, redactor).await;
    let Some(form) = form else {
        let why = format!(
            "{} → statut {} : aucun formulaire avec un champ identifiant puis un champ mot de \
             passe (vérifiez [local_login] page)",
            shown.final_url, shown.status
        );
        return Err(Unsent::NoForm(Shown { page: shown, why }));
    };
    let described = format!(
        "{} {} ({}, {})",
        form.method,
        redactor.url(&form.action),
        form.identifier,
        form.password
    );
    let mut fields = form.hidden;
    fields.push((form.identifier, account.to_owned()));
    fields.push((form.password, password.to_owned()));
    let request = AutoForm {
        method: form.method,
        action: form.action,
        fields,
    }
    .submission();
    let answer = match context.probe.follow(request, &mut jar, exchanges).await {
        Err(error) => Err(error.to_string()),
        Ok(answer) => Ok(read(answer, redactor).await.0),
    };
    Ok(Sent {
        form: described,
        page_text: shown.text,
        answer,
    })
}

/// What the judge needs of `page`, redacted and bounded, and its login
/// form if it has one. Parsing is CPU work: it runs off the async runtime.
async fn read(page: Page, redactor: &Redactor) -> (Answered, Option<PasswordForm>) {
    let status = page.status;
    let fallback = (
        Answered {
            status,
            final_url: String::new(),
            ..Answered::default()
        },
        None,
    );
    tokio::task::spawn_blocking(move || {
        let (form, captcha) = page.document().map_or((None, Vec::new()), |document| {
            document.get().map_or((None, Vec::new()), |d| {
                (d.password_form(), d.captcha_traces())
            })
        });
        let text = {
            let text = page.text().unwrap_or("");
            let mut end = text.len().min(KEPT_TEXT);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text[..end].to_owned()
        };
        (page, form, captcha, text)
    })
    .await
    .map_or(fallback, |(page, form, captcha, text)| {
        (
            Answered {
                status: page.status,
                final_url: redactor.url(&page.final_url),
                retry_after: page.retry_after,
                form_again: form.is_some(),
                text: redactor.text(&text),
                captcha,
            },
            form,
        )
    })
}
