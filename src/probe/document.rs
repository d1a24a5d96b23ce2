//! An HTML page as served (no JavaScript is run), with the queries checks and
//! captures need: zones (by CSS selector, or the page's footer landmark),
//! their visible text, links and their accessible names, resources loaded,
//! language, scripts.
//!
//! A page is parsed once per run and shared by every check that reads it
//! (`Page::document`). Parsing is bounded in work, not only in bytes: the
//! input is fed to html5ever in chunks, and a page that builds more
//! elements, or nests them deeper, than any real page is refused before its
//! cost grows (deeply nested or misnested markup makes an HTML parser's
//! work grow with the square of the input). The bounds count elements, not
//! seconds, so a slow machine refuses exactly what a fast one does.

use std::borrow::Cow;
use std::cell::Cell;
use std::rc::Rc;

use ego_tree::iter::Edge;
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, QualName};
use reqwest::Url;
use scraper::{ElementRef, Html, HtmlTreeSink, Node, Selector};

/// Most elements a page may build (real pages: a few thousand; very large
/// ones, tens of thousands).
pub(crate) const MAX_ELEMENTS: usize = 200_000;
/// Deepest nesting of elements (real pages: a few dozen levels).
pub(crate) const MAX_DEPTH: usize = 512;
/// Bytes of input handed to the parser between two looks at the bounds.
const CHUNK: usize = 16 << 10;

/// Where in a page a query looks.
#[derive(Clone, Debug)]
pub enum Scope {
    /// The elements a CSS selector matches.
    Css(Selector),
    /// The page's footer as assistive technologies expose it: the
    /// `contentinfo` landmark of HTML-AAM, a `<footer>` or
    /// `[role=contentinfo]` that is not scoped to a part of the page
    /// ([`LANDMARK_SCOPING`]). A cookie banner's or an article's footer is
    /// not the page footer, however it is styled.
    Contentinfo,
}

/// The elements that make a `<footer>` inside them the footer of that part,
/// not of the page: sectioning content and `main` (HTML-AAM, `footer`), and
/// dialogs, which sit above the page rather than in it.
const LANDMARK_SCOPING: &str = "article, aside, main, nav, section, [role=article], \
                                [role=complementary], [role=main], [role=navigation], \
                                [role=region], dialog, [role=dialog], [role=alertdialog]";

/// Why a page was not parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseRefused {
    /// More elements than any real page.
    #[error("page refusée : plus de {MAX_ELEMENTS} éléments HTML (lecture arrêtée à l'octet {at})")]
    TooManyElements {
        /// Byte of the input reached when the bound was crossed.
        at: usize,
    },
    /// Not parsed (a reader's mistake; never seen by users).
    #[error("page non analysée")]
    NotParsed,
    /// Elements nested deeper than any real page.
    #[error(
        "page refusée : éléments HTML imbriqués sur plus de {MAX_DEPTH} niveaux (lecture arrêtée à l'octet {at})"
    )]
    TooDeep {
        /// Byte of the input reached when the bound was crossed.
        at: usize,
    },
}

/// scraper's tree builder, counting the elements it creates and the depth
/// at which it attaches them.
struct Bounded {
    inner: HtmlTreeSink,
    elements: Cell<usize>,
    /// Set once a bound is crossed; the feeder stops at the next chunk.
    crossed: Rc<Cell<Option<Crossed>>>,
}

#[derive(Clone, Copy)]
enum Crossed {
    Elements,
    Depth,
}

impl Bounded {
    fn note_depth(&self, parent: &ego_tree::NodeId) {
        let html = self.inner.0.borrow();
        // Ancestors are counted up to the bound only: each attachment costs
        // at most MAX_DEPTH steps.
        let depth = html
            .tree
            .get(*parent)
            .map_or(0, |node| node.ancestors().take(MAX_DEPTH + 1).count());
        if depth >= MAX_DEPTH {
            self.crossed.set(Some(Crossed::Depth));
        }
    }
}

impl TreeSink for Bounded {
    type Output = Html;
    type Handle = ego_tree::NodeId;
    type ElemName<'a> = <HtmlTreeSink as TreeSink>::ElemName<'a>;

    fn finish(self) -> Html {
        self.inner.finish()
    }
    fn parse_error(&self, _: Cow<'static, str>) {}
    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode);
    }
    fn get_document(&self) -> Self::Handle {
        self.inner.get_document()
    }
    fn same_node(&self, x: &Self::Handle, y: &Self::Handle) -> bool {
        self.inner.same_node(x, y)
    }
    fn elem_name<'a>(&'a self, target: &'a Self::Handle) -> Self::ElemName<'a> {
        self.inner.elem_name(target)
    }
    fn create_element(
        &self,
        name: QualName,
        attrs: Vec<Attribute>,
        flags: ElementFlags,
    ) -> Self::Handle {
        let count = self.elements.get() + 1;
        self.elements.set(count);
        if count > MAX_ELEMENTS {
            self.crossed.set(Some(Crossed::Elements));
        }
        self.inner.create_element(name, attrs, flags)
    }
    fn create_comment(&self, text: StrTendril) -> Self::Handle {
        self.inner.create_comment(text)
    }
    fn create_pi(&self, target: StrTendril, data: StrTendril) -> Self::Handle {
        self.inner.create_pi(target, data)
    }
    fn append(&self, parent: &Self::Handle, child: NodeOrText<Self::Handle>) {
        if matches!(child, NodeOrText::AppendNode(_)) {
            self.note_depth(parent);
        }
        self.inner.append(parent, child);
    }
    fn append_based_on_parent_node(
        &self,
        element: &Self::Handle,
        prev_element: &Self::Handle,
        child: NodeOrText<Self::Handle>,
    ) {
        self.inner
            .append_based_on_parent_node(element, prev_element, child);
    }
    fn append_doctype_to_document(
        &self,
        name: StrTendril,
        public_id: StrTendril,
        system_id: StrTendril,
    ) {
        self.inner
            .append_doctype_to_document(name, public_id, system_id);
    }
    fn get_template_contents(&self, target: &Self::Handle) -> Self::Handle {
        self.inner.get_template_contents(target)
    }
    fn append_before_sibling(&self, sibling: &Self::Handle, new_node: NodeOrText<Self::Handle>) {
        self.inner.append_before_sibling(sibling, new_node);
    }
    fn add_attrs_if_missing(&self, target: &Self::Handle, attrs: Vec<Attribute>) {
        self.inner.add_attrs_if_missing(target, attrs);
    }
    fn remove_from_parent(&self, target: &Self::Handle) {
        self.inner.remove_from_parent(target);
    }
    fn reparent_children(&self, node: &Self::Handle, new_parent: &Self::Handle) {
        self.inner.reparent_children(node, new_parent);
    }
}

/// Parses `text` within the bounds.
fn parse_bounded(text: &str) -> Result<Html, ParseRefused> {
    let crossed = Rc::new(Cell::new(None));
    let sink = Bounded {
        inner: HtmlTreeSink::new(Html::new_document()),
        elements: Cell::new(0),
        crossed: Rc::clone(&crossed),
    };
    let mut parser = html5ever::driver::parse_document(sink, Default::default());
    let mut at = 0;
    while at < text.len() {
        let mut end = (at + CHUNK).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        parser.process(StrTendril::from_slice(&text[at..end]));
        at = end;
        match crossed.get() {
            Some(Crossed::Elements) => return Err(ParseRefused::TooManyElements { at }),
            Some(Crossed::Depth) => return Err(ParseRefused::TooDeep { at }),
            None => {}
        }
    }
    Ok(parser.finish())
}

/// Elements whose content is never visible text.
const NOT_TEXT: [&str; 6] = ["script", "style", "noscript", "template", "head", "title"];

/// Elements that start a new line of text, so that words of adjacent blocks
/// do not merge and sentences end at block ends.
const BLOCKS: [&str; 40] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "legend",
    "li",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "search",
    "section",
    "summary",
    "table",
    "tbody",
    "tr",
    "ul",
];

/// Table cells: separated by a tab, not a line, so that a row (« Messages »,
/// « 1 an ») stays one line of text, read as one sentence, yet its cells'
/// words never merge (« Messages1 an »).
const CELLS: [&str; 2] = ["td", "th"];

/// A zone's text as the phrase matching reads it: the visible text, with
/// each link's target written after its text, and the headings that divide
/// it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reading {
    /// Visible text and link targets, blocks on separate lines, table cells
    /// separated by tabs.
    pub text: String,
    /// Headings in document order.
    pub sections: Vec<Section>,
}

/// A heading and the part of the text it governs: `h1` to `h6` up to the
/// next heading of the same or a higher level; a `summary`, `caption` or
/// `dt` up to the end of its `details`, `table` or `dl` (or the next `dt`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// Byte range of the heading's own text in [`Reading::text`].
    pub heading: std::ops::Range<usize>,
    /// Byte where the section ends (exclusive); it starts with its heading.
    pub end: usize,
    /// 1 to 6 for `h1` to `h6`, 0 for a container's heading.
    pub level: u8,
}

impl Reading {
    /// The heading's text.
    pub fn heading(&self, section: &Section) -> &str {
        self.text.get(section.heading.clone()).unwrap_or("")
    }

    /// The section's text, its heading included.
    pub fn body(&self, section: &Section) -> &str {
        self.text
            .get(section.heading.start..section.end)
            .unwrap_or("")
    }
}

/// A link and how it is announced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// `href` as written.
    pub raw_href: String,
    /// Absolute target, when `href` is a usable http(s) URL.
    pub href: Option<Url>,
    /// What the link says: `aria-label`, else its text and image alternatives, else `title`.
    pub name: String,
    /// Everything a reader may see or hear about it (name, text, title), for matching.
    pub all_text: String,
}

/// A resource the page makes the browser load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// Element that loads it (`script`, `img`, …).
    pub element: String,
    /// Absolute URL.
    pub url: Url,
}

/// A form whose fields are all hidden, as the SAML POST binding sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutoForm {
    /// `GET` or `POST`, upper case.
    pub method: String,
    /// Absolute action URL.
    pub action: Url,
    /// Fields in document order.
    pub fields: Vec<(String, String)>,
}

/// A login form: where it goes, what it sends besides the credentials,
/// and the names of its identifier and password fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordForm {
    /// `GET` or `POST`, upper case.
    pub method: String,
    /// Absolute action URL.
    pub action: Url,
    /// Hidden fields (CSRF tokens…), in document order.
    pub hidden: Vec<(String, String)>,
    /// Name of the identifier field.
    pub identifier: String,
    /// Name of the password field.
    pub password: String,
}

/// A parsed HTML page.
pub struct Document {
    html: Html,
    base: Url,
}

mod scripted;

impl Document {
    /// Parses `text` served at `url` (honouring `<base href>`), within the
    /// bounds on elements and depth.
    pub fn parse(text: &str, url: &Url) -> Result<Self, ParseRefused> {
        let html = parse_bounded(text)?;
        let base = selector("base[href]")
            .and_then(|s| {
                html.select(&s)
                    .next()
                    .and_then(|b| b.value().attr("href"))
                    .and_then(|href| url.join(href).ok())
            })
            .unwrap_or_else(|| url.clone());
        Ok(Self { html, base })
    }

    /// A form a browser would submit on its own: every field hidden, as in
    /// the HTTP-POST binding of SAML (bindings §3.5.4).
    pub fn auto_submit_form(&self) -> Option<AutoForm> {
        let forms = selector("form")?;
        let inputs = selector("input")?;
        for form in self.html.select(&forms) {
            let fields: Vec<_> = form.select(&inputs).collect();
            let all_hidden = !fields.is_empty()
                && fields.iter().all(|input| {
                    input
                        .value()
                        .attr("type")
                        .is_some_and(|t| t.eq_ignore_ascii_case("hidden"))
                });
            if !all_hidden {
                continue;
            }
            let Some((method, url)) = self.target_of(form) else {
                continue;
            };
            let values = fields
                .iter()
                .filter_map(|input| {
                    let name = input.value().attr("name")?;
                    Some((
                        name.to_owned(),
                        input.value().attr("value").unwrap_or("").to_owned(),
                    ))
                })
                .collect();
            return Some(AutoForm {
                method,
                action: url,
                fields: values,
            });
        }
        None
    }

    /// The first form with exactly one password field, and a text, e-mail
    /// or untyped field before it (the identifier), as a person fills it.
    pub fn password_form(&self) -> Option<PasswordForm> {
        let forms = selector("form")?;
        let inputs = selector("input")?;
        for form in self.html.select(&forms) {
            let mut hidden = Vec::new();
            let mut identifier = None;
            let mut password = Vec::new();
            for input in form.select(&inputs) {
                let element = input.value();
                let Some(name) = element.attr("name") else {
                    continue;
                };
                match element
                    .attr("type")
                    .unwrap_or("")
                    .to_ascii_lowercase()
                    .as_str()
                {
                    "hidden" => hidden.push((
                        name.to_owned(),
                        element.attr("value").unwrap_or("").to_owned(),
                    )),
                    "password" => password.push(name.to_owned()),
                    "" | "text" | "email" if password.is_empty() && identifier.is_none() => {
                        identifier = Some(name.to_owned());
                    }
                    _ => {}
                }
            }
            let ([password], Some(identifier)) = (password.as_slice(), identifier) else {
                continue;
            };
            let Some((method, action)) = self.target_of(form) else {
                continue;
            };
            return Some(PasswordForm {
                method,
                action,
                hidden,
                identifier,
                password: password.clone(),
            });
        }
        None
    }

    /// Traces of a CAPTCHA: an element whose id, class or name says
    /// `captcha`, or a script of a CAPTCHA service, as written in the page.
    pub fn captcha_traces(&self) -> Vec<String> {
        const SERVICES: [&str; 5] = [
            "hcaptcha.com",
            "google.com/recaptcha",
            "recaptcha.net",
            "challenges.cloudflare.com/turnstile",
            "friendlycaptcha",
        ];
        let Some(all) = selector("[id], [class], [name], script[src]") else {
            return Vec::new();
        };
        let mut traces = Vec::new();
        for element in self.html.select(&all) {
            let value = element.value();
            for attr in ["id", "class", "name"] {
                if let Some(text) = value.attr(attr)
                    && text.to_ascii_lowercase().contains("captcha")
                {
                    traces.push(format!("<{} {attr}=\"{text}\">", value.name()));
                }
            }
            if let Some(src) = value.attr("src")
                && SERVICES.iter().any(|s| src.contains(s))
            {
                traces.push(format!("<script src=\"{src}\">"));
            }
        }
        traces.dedup();
        traces
    }

    /// Where a form goes: its method (upper case, `GET` by default) and its
    /// absolute action.
    fn target_of(&self, form: ElementRef<'_>) -> Option<(String, Url)> {
        let action = self
            .base
            .join(form.value().attr("action").unwrap_or(""))
            .ok()?;
        let method = form
            .value()
            .attr("method")
            .unwrap_or("get")
            .to_ascii_uppercase();
        Some((method, action))
    }

    /// The submission that picks the entry `wanted` (already folded by
    /// `fold`) in a chooser drawn as forms: a submit button whose text or
    /// value names it, a radio button whose label names it, or an option
    /// of a `select` that does. The form's hidden and text fields go with
    /// it, as a browser sends them.
    pub fn choice_form(&self, wanted: &str, fold: impl Fn(&str) -> String) -> Option<AutoForm> {
        let forms = selector("form")?;
        let fields = selector("input, select, textarea, button")?;
        let options = selector("option")?;
        let labels = selector("label")?;
        let text = |element: ElementRef<'_>| fold(&element.text().collect::<String>());
        for form in self.html.select(&forms) {
            let mut sent = Vec::new();
            let mut pick = None;
            for field in form.select(&fields) {
                let element = field.value();
                let name = element.attr("name").map(str::to_owned);
                let value = element.attr("value").unwrap_or("").to_owned();
                let kind = element.attr("type").unwrap_or("").to_ascii_lowercase();
                match (element.name(), kind.as_str()) {
                    ("button", "" | "submit") | ("input", "submit" | "image") => {
                        let shown = format!("{} {}", text(field), fold(&value));
                        if pick.is_none() && shown.contains(wanted) {
                            pick = Some(name.map(|n| (n, value)));
                        }
                    }
                    ("input", "radio") => {
                        let own_label = field
                            .ancestors()
                            .filter_map(ElementRef::wrap)
                            .find(|a| a.value().name() == "label")
                            .or_else(|| {
                                let id = element.attr("id")?;
                                self.html
                                    .select(&labels)
                                    .find(|l| l.value().attr("for") == Some(id))
                            });
                        if pick.is_none() && own_label.is_some_and(|l| text(l).contains(wanted)) {
                            pick = Some(name.map(|n| (n, value)));
                        }
                    }
                    ("select", _) => {
                        if let Some(option) =
                            field.select(&options).find(|o| text(*o).contains(wanted))
                        {
                            let chosen = option
                                .value()
                                .attr("value")
                                .map_or_else(|| option.text().collect::<String>(), str::to_owned);
                            if pick.is_none() {
                                pick = Some(name.map(|n| (n, chosen.trim().to_owned())));
                            }
                        }
                    }
                    ("input", "hidden" | "text" | "") => {
                        if let Some(name) = name {
                            sent.push((name, value));
                        }
                    }
                    _ => {}
                }
            }
            let Some(chosen) = pick else { continue };
            sent.extend(chosen);
            let Some((method, action)) = self.target_of(form) else {
                continue;
            };
            return Some(AutoForm {
                method,
                action,
                fields: sent,
            });
        }
        None
    }

    /// The outermost elements matching `within` (a match inside another
    /// match is already part of it), or the root element when `within` is
    /// `None`.
    pub fn zone(&self, within: Option<&Scope>) -> Vec<ElementRef<'_>> {
        let Some(scope) = within else {
            return vec![self.html.root_element()];
        };
        let mut zone: Vec<ElementRef<'_>> = Vec::new();
        // Document order: an element inside the last kept one follows it
        // before anything outside it.
        for element in self.matching(scope) {
            let nested = zone
                .last()
                .is_some_and(|outer| element.ancestors().any(|a| a.id() == outer.id()));
            if !nested {
                zone.push(element);
            }
        }
        zone
    }

    /// Whether some element is in the scope.
    pub fn exists(&self, scope: &Scope) -> bool {
        !self.matching(scope).is_empty()
    }

    /// The footers that [`Scope::Contentinfo`] sets aside, each with the
    /// element that scopes it (« <footer class="modal-footer"> » dans
    /// « <dialog id="cookies"> »), so that a verdict that found no page
    /// footer says which footers it did not take, and why.
    pub fn set_aside_footers(&self) -> Vec<String> {
        self.footers()
            .into_iter()
            .filter_map(|(footer, owner)| {
                let owner = owner?;
                Some(format!(
                    "{} dans {}",
                    scripted::describe(footer),
                    scripted::describe(owner)
                ))
            })
            .collect()
    }

    /// Every `footer` and `[role=contentinfo]`, in document order, with
    /// the nearest element that makes it the footer of a part of the page
    /// ([`LANDMARK_SCOPING`]), if any.
    fn footers(&self) -> Vec<(ElementRef<'_>, Option<ElementRef<'_>>)> {
        let (Some(footers), Some(scoping)) = (
            selector("footer, [role=contentinfo]"),
            selector(LANDMARK_SCOPING),
        ) else {
            return Vec::new();
        };
        self.html
            .select(&footers)
            .map(|footer| {
                let owner = footer
                    .ancestors()
                    .filter_map(ElementRef::wrap)
                    .find(|ancestor| scoping.matches(ancestor));
                (footer, owner)
            })
            .collect()
    }

    /// The elements of a scope, in document order.
    fn matching(&self, scope: &Scope) -> Vec<ElementRef<'_>> {
        match scope {
            Scope::Css(selector) => self.html.select(selector).collect(),
            Scope::Contentinfo => self
                .footers()
                .into_iter()
                .filter_map(|(footer, owner)| owner.is_none().then_some(footer))
                .collect(),
        }
    }

    /// Visible text of the zone, blocks on separate lines; `None` when the
    /// zone matches no element.
    pub fn text(&self, within: Option<&Scope>) -> Option<String> {
        let zone = self.zone(within);
        if zone.is_empty() {
            return None;
        }
        let mut out = String::new();
        for element in zone {
            push_text(&mut out, element);
            out.push('\n');
        }
        Some(out)
    }

    /// The zone as matching reads it (see [`Reading`]); `None` when the
    /// zone matches no element.
    pub fn reading(&self, within: Option<&Scope>) -> Option<Reading> {
        let zone = self.zone(within);
        if zone.is_empty() {
            return None;
        }
        let mut walker = Walker::new(Some(&self.base));
        for element in zone {
            walker.walk(element);
            walker.out.push('\n');
        }
        Some(walker.finish())
    }

    /// Links (`a[href]`, `area[href]`) of the zone, in document order.
    pub fn links(&self, within: Option<&Scope>) -> Vec<Link> {
        let Some(anchor) = selector("a[href], area[href]") else {
            return Vec::new();
        };
        let mut links = Vec::new();
        for root in self.zone(within) {
            let candidates = std::iter::once(root)
                .filter(|e| anchor.matches(e))
                .chain(root.select(&anchor));
            for element in candidates {
                links.push(self.link(element));
            }
        }
        links
    }

    fn link(&self, element: ElementRef<'_>) -> Link {
        let raw_href = element.value().attr("href").unwrap_or("").to_owned();
        let href = self
            .base
            .join(raw_href.trim())
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .filter(|_| !raw_href.trim().is_empty() && !raw_href.trim().starts_with('#'));
        let mut text = String::new();
        push_text(&mut text, element);
        if let Some(img) = selector("img[alt]") {
            for image in element.select(&img) {
                text.push(' ');
                text.push_str(image.value().attr("alt").unwrap_or(""));
            }
        }
        let text = collapse(&text);
        let aria = element
            .value()
            .attr("aria-label")
            .map(collapse)
            .unwrap_or_default();
        let title = element
            .value()
            .attr("title")
            .map(collapse)
            .unwrap_or_default();
        let name = [&aria, &text, &title]
            .into_iter()
            .find(|s| !s.is_empty())
            .cloned()
            .unwrap_or_default();
        let all_text = [aria, text, title]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        Link {
            raw_href,
            href,
            name,
            all_text,
        }
    }

    /// The `lang` attribute of `<html>`, if any.
    pub fn lang(&self) -> Option<String> {
        self.html
            .root_element()
            .value()
            .attr("lang")
            .map(|lang| lang.trim().to_owned())
    }

    /// The `content` of every `<meta>` whose attribute `attribute`
    /// (`http-equiv`, `name`) is `value`, compared without case, in order:
    /// what a page declares in its markup instead of a header.
    pub fn meta_contents(&self, attribute: &str, value: &str) -> Vec<String> {
        let Some(s) = selector("meta[content]") else {
            return Vec::new();
        };
        self.html
            .select(&s)
            .filter(|e| {
                e.value()
                    .attr(attribute)
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case(value))
            })
            .filter_map(|e| e.value().attr("content").map(str::to_owned))
            .collect()
    }

    /// Number of `<script>` elements (external or inline).
    pub fn script_count(&self) -> usize {
        selector("script").map_or(0, |s| self.html.select(&s).count())
    }

    /// Text of inline scripts, concatenated.
    pub fn inline_scripts(&self) -> String {
        self.inline_scripts_where(|_| true)
    }

    /// Text of the inline scripts `keep` accepts, concatenated.
    fn inline_scripts_where(&self, keep: impl Fn(ElementRef<'_>) -> bool) -> String {
        let Some(s) = selector("script:not([src])") else {
            return String::new();
        };
        self.html
            .select(&s)
            .filter(|e| keep(*e))
            .map(|e| e.text().collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Resources the browser loads when rendering: scripts, frames, images,
    /// stylesheets, embedded objects, media.
    pub fn resources(&self) -> Vec<Resource> {
        let specs = [
            ("script[src]", "src"),
            ("iframe[src]", "src"),
            ("frame[src]", "src"),
            ("img[src]", "src"),
            ("embed[src]", "src"),
            ("source[src]", "src"),
            ("video[src]", "src"),
            ("audio[src]", "src"),
            ("object[data]", "data"),
            ("link[href]", "href"),
        ];
        let mut out = Vec::new();
        for (css, attr) in specs {
            let Some(sel) = selector(css) else { continue };
            for element in self.html.select(&sel) {
                if element.value().name() == "link" {
                    let rel = element
                        .value()
                        .attr("rel")
                        .unwrap_or("")
                        .to_ascii_lowercase();
                    if !rel.split_whitespace().any(|r| {
                        matches!(
                            r,
                            "stylesheet"
                                | "preload"
                                | "modulepreload"
                                | "prefetch"
                                | "preconnect"
                                | "icon"
                        )
                    }) {
                        continue;
                    }
                }
                let Some(value) = element.value().attr(attr) else {
                    continue;
                };
                if let Ok(url) = self.base.join(value.trim())
                    && matches!(url.scheme(), "http" | "https")
                {
                    out.push(Resource {
                        element: element.value().name().to_owned(),
                        url,
                    });
                }
            }
        }
        out
    }

    /// Whether the page asks for a password (a login wall).
    pub fn has_password_field(&self) -> bool {
        selector("input[type=password i]").is_some_and(|s| self.html.select(&s).next().is_some())
    }

    /// Number of visible characters of the whole page (white space excluded).
    pub fn visible_chars(&self) -> usize {
        self.text(None)
            .map_or(0, |t| t.chars().filter(|c| !c.is_whitespace()).count())
    }
}

/// Compiles a constant selector; `None` only if the constant were invalid,
/// which the tests rule out.
fn selector(css: &str) -> Option<Selector> {
    Selector::parse(css).ok()
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn push_text(out: &mut String, element: ElementRef<'_>) {
    let mut walker = Walker::new(None);
    walker.walk(element);
    out.push_str(&walker.out);
}

/// The one pass over a zone that writes its text: visible text with block
/// and cell separators, and, when reading for matching, link targets and
/// where headings are. Every node is opened and closed once and the work
/// per node is constant (stacks are pushed and popped in step with the
/// tree), so a hostile page costs what its size costs, never a walk per
/// ancestor.
struct Walker<'a> {
    /// Where relative links resolve; `None`: link targets are not written.
    base: Option<&'a Url>,
    out: String,
    sections: Vec<Section>,
    /// Open headings: where their text starts and their level (0 for a
    /// `summary`, `caption` or `dt`, whose section is their container);
    /// `None` for a heading inside another, which is part of the outer
    /// one's text, not a section of its own (nested headings would
    /// otherwise make each byte of text the heading of hundreds of
    /// sections).
    headings: Vec<Option<(usize, u8)>>,
    /// Open `details`, `table` and `dl`: the section their `summary`,
    /// `caption` or `dt` opened, if any.
    containers: Vec<Option<usize>>,
    /// Open links: where their text starts.
    links: Vec<usize>,
    hidden_depth: usize,
}

impl<'a> Walker<'a> {
    fn new(base: Option<&'a Url>) -> Self {
        Self {
            base,
            out: String::new(),
            sections: Vec::new(),
            headings: Vec::new(),
            containers: Vec::new(),
            links: Vec::new(),
            hidden_depth: 0,
        }
    }

    fn walk(&mut self, element: ElementRef<'_>) {
        for edge in element.traverse() {
            match edge {
                Edge::Open(node) => match node.value() {
                    Node::Element(e) => self.open(e),
                    // A line break in the source is a space on screen:
                    // only blocks (written by `open`/`close`) break lines,
                    // or « Nom,⏎prénom » in a wrapped cell would be two
                    // blocks to the matching.
                    Node::Text(text) if self.hidden_depth == 0 => self.out.extend(
                        text.chars()
                            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
                    ),
                    _ => {}
                },
                Edge::Close(node) => {
                    if let Node::Element(e) = node.value() {
                        self.close(e);
                    }
                }
            }
        }
    }

    fn open(&mut self, e: &scraper::node::Element) {
        let name = e.name();
        if NOT_TEXT.contains(&name) || e.attr("hidden").is_some() {
            self.hidden_depth += 1;
            return;
        }
        if self.hidden_depth > 0 {
            return;
        }
        self.separate(name);
        match name {
            "summary" | "caption" | "dt" => {
                if name == "dt"
                    && let Some(Some(previous)) = self.containers.last()
                    && let Some(section) = self.sections.get_mut(*previous)
                {
                    // A term's section ends where the next term starts.
                    section.end = section.end.min(self.out.len());
                }
                self.open_heading(0);
            }
            "details" | "table" | "dl" => self.containers.push(None),
            "a" | "area" if e.attr("href").is_some() => self.links.push(self.out.len()),
            _ => {
                if let Some(level) = heading_level(name) {
                    self.open_heading(level);
                }
            }
        }
    }

    fn close(&mut self, e: &scraper::node::Element) {
        let name = e.name();
        if NOT_TEXT.contains(&name) || e.attr("hidden").is_some() {
            self.hidden_depth = self.hidden_depth.saturating_sub(1);
            return;
        }
        if self.hidden_depth > 0 {
            return;
        }
        let is_heading =
            matches!(name, "summary" | "caption" | "dt") || heading_level(name).is_some();
        if is_heading && let Some(Some((start, level))) = self.headings.pop() {
            let index = self.sections.len();
            self.sections.push(Section {
                heading: start..self.out.len(),
                end: usize::MAX,
                level,
            });
            if level == 0 {
                match self.containers.last_mut() {
                    Some(slot) => *slot = Some(index),
                    // Outside its container: the heading is its own section.
                    None => self.sections[index].end = self.out.len(),
                }
            }
        }
        match name {
            "details" | "table" | "dl" => {
                if let Some(Some(index)) = self.containers.pop()
                    && let Some(section) = self.sections.get_mut(index)
                {
                    section.end = section.end.min(self.out.len());
                }
            }
            "a" | "area" if e.attr("href").is_some() => {
                if let Some(start) = self.links.pop() {
                    self.write_target(start, e.attr("href").unwrap_or(""));
                }
            }
            _ => {}
        }
        self.separate(name);
    }

    fn open_heading(&mut self, level: u8) {
        let outermost = self.headings.is_empty();
        self.headings
            .push(outermost.then_some((self.out.len(), level)));
    }

    fn separate(&mut self, name: &str) {
        if BLOCKS.contains(&name) {
            self.out.push('\n');
        } else if CELLS.contains(&name) {
            self.out.push('\t');
        }
    }

    /// Writes where a link leads after its text, unless the text already
    /// says it (a link whose text is its address).
    fn write_target(&mut self, start: usize, href: &str) {
        let Some(base) = self.base else { return };
        let Some(target) = link_target(base, href) else {
            return;
        };
        if self
            .out
            .get(start..)
            .is_some_and(|text| text.contains(&target))
        {
            return;
        }
        self.out.push_str(" (");
        self.out.push_str(&target);
        self.out.push_str(") ");
    }

    /// The reading, with the end of every section found.
    fn finish(mut self) -> Reading {
        let len = self.out.len();
        // Sections were pushed as their headings closed; a heading's
        // section ends at the next heading of the same or a higher level.
        self.sections.sort_by_key(|s| s.heading.start);
        let mut open: Vec<usize> = Vec::new();
        for index in 0..self.sections.len() {
            let (start, level) = (
                self.sections[index].heading.start,
                self.sections[index].level,
            );
            if level == 0 {
                continue;
            }
            while let Some(&top) = open.last() {
                if self.sections[top].level < level {
                    break;
                }
                self.sections[top].end = self.sections[top].end.min(start);
                open.pop();
            }
            open.push(index);
        }
        for section in &mut self.sections {
            section.end = section.end.min(len);
        }
        Reading {
            text: self.out,
            sections: self.sections,
        }
    }
}

/// The level of `h1` to `h6`.
fn heading_level(name: &str) -> Option<u8> {
    match name {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

/// Where a link leads, in a form phrase lists and patterns can match: the
/// address of a `mailto:` link, the number of a `tel:` link, the host and
/// path of a web link (no query nor fragment: they carry session data, and
/// say nothing a notice states). `None` for in-page anchors and scripts.
fn link_target(base: &Url, href: &str) -> Option<String> {
    let href = href.trim();
    let scheme_rest = |scheme: &str| {
        href.get(..scheme.len())
            .filter(|head| head.eq_ignore_ascii_case(scheme))
            .map(|_| &href[scheme.len()..])
    };
    if let Some(rest) = scheme_rest("mailto:").or_else(|| scheme_rest("tel:")) {
        let value = rest.split('?').next().unwrap_or("").trim();
        return (!value.is_empty()).then(|| value.to_owned());
    }
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let url = base.join(href).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    Some(format!(
        "{}{}",
        url.host_str()?,
        url.path().trim_end_matches('/')
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(html: &str) -> Document {
        Document::parse(html, &Url::parse("https://ent.example/a/b").expect("url")).expect("parsed")
    }

    fn sel(css: &str) -> Scope {
        Scope::Css(Selector::parse(css).expect("test selector"))
    }

    #[test]
    fn the_page_footer_is_the_contentinfo_landmark_not_a_dialog_or_article_footer() {
        let d = doc(
            "<body><dialog open><p>Cookies</p><footer class=\"modal-footer\">\
             <a href=\"/vie-privee\">Politique de confidentialité</a><button>Accepter</button></footer></dialog>\
             <main><article><footer>Publié le 3 mars</footer></article></main>\
             <div role=\"dialog\"><div role=\"contentinfo\">Fermer</div></div>\
             <section><footer>Section</footer></section>\
             <footer><a href=\"/mentions\">Mentions légales</a></footer></body>",
        );
        let footer = d.text(Some(&Scope::Contentinfo)).expect("page footer");
        assert_eq!(footer.trim(), "Mentions légales");
        let links = d.links(Some(&Scope::Contentinfo));
        assert_eq!(links.len(), 1);
        assert!(d.exists(&Scope::Contentinfo));
        // The plain selector still sees every footer.
        assert_eq!(d.links(Some(&sel("footer"))).len(), 2);

        let only_dialog = doc(
            "<body><div role=\"alertdialog\"><footer><a href=\"/p\">Données personnelles</a>\
             </footer></div><main><p>Bonjour</p></main></body>",
        );
        assert!(!only_dialog.exists(&Scope::Contentinfo));
        assert_eq!(only_dialog.text(Some(&Scope::Contentinfo)), None);
        // What was set aside, and the element that scopes it, for the
        // verdict that found no page footer.
        assert_eq!(
            only_dialog.set_aside_footers(),
            ["« <footer> » dans « <div role=\"alertdialog\"> »"]
        );
        assert_eq!(
            d.set_aside_footers(),
            [
                "« <footer class=\"modal-footer\"> » dans « <dialog> »",
                "« <footer> » dans « <article> »",
                "« <div role=\"contentinfo\"> » dans « <div role=\"dialog\"> »",
                "« <footer> » dans « <section> »",
            ]
        );
        // An explicit landmark outside any scoping element counts.
        let role = doc(
            "<body><div role=\"contentinfo\"><a href=\"/p\">Données personnelles</a></div></body>",
        );
        assert_eq!(role.links(Some(&Scope::Contentinfo)).len(), 1);
    }

    #[test]
    fn a_line_break_in_the_source_is_a_space_not_a_block() {
        let d = doc(
            "<main><table><tr><td>Nom,\n  prénom,\r\n adresse</td><td>1 an</td></tr></table>\
                     <p>Première ligne</p><p>seconde</p></main>",
        );
        let text = d.text(Some(&sel("main"))).expect("main");
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(
            lines.first().map(|l| l.split('\t').next()),
            Some(Some("Nom,   prénom,  adresse"))
        );
        assert!(
            lines.contains(&"Première ligne") && lines.contains(&"seconde"),
            "{lines:?}"
        );
    }

    #[test]
    fn constant_selectors_compile() {
        for css in [
            "footer, [role=contentinfo]",
            LANDMARK_SCOPING,
            "base[href]",
            "a[href], area[href]",
            "img[alt]",
            "script",
            "script:not([src])",
            "input[type=password i]",
        ] {
            assert!(selector(css).is_some(), "{css}");
        }
    }

    #[test]
    fn text_skips_scripts_and_separates_blocks() {
        let d = doc(
            "<html><head><title>T</title></head><body><p>Un</p><p>deux<script>var x='trois'</script></p><div hidden>caché</div></body></html>",
        );
        let text = d.text(None).expect("root");
        assert!(text.contains("Un\n") && text.contains("deux"), "{text:?}");
        assert!(!text.contains("trois") && !text.contains("caché") && !text.contains('T'));
        assert_eq!(d.text(Some(&sel("footer"))), None);
    }

    #[test]
    fn table_cells_and_blocks_separate_words() {
        let d = doc(
            "<main><table><caption>Durées</caption><tr><th>Données</th><th>Durée</th></tr>\
             <tr><td>Messages</td><td>1 an</td></tr></table><dl><dt>Journaux</dt><dd>12 mois</dd></dl>\
             <p>Fin<br>du texte</p></main>",
        );
        let text = d.text(None).expect("root");
        assert!(!text.contains("Messages1"), "{text:?}");
        // A row is one line (one sentence), its cells apart.
        assert!(text.contains("Messages\t\t1 an"), "{text:?}");
        assert!(
            !text.contains("Journaux12") && !text.contains("Findu"),
            "{text:?}"
        );
    }

    #[test]
    fn reading_writes_link_targets_after_link_text() {
        let d = doc(
            r##"<main><p>Écrivez au <a href="mailto:dpo@bellerive.example?subject=RGPD">délégué</a>
            ou saisissez la <a href="https://www.cnil.fr/fr/plaintes?jeton=abc#form">CNIL</a>.
            <a href="https://www.cnil.fr/">https://www.cnil.fr/</a>
            <a href="tel:+33199001000">Appeler</a> <a href="#haut">Haut</a>
            <a href="/mentions">Mentions</a></p></main>"##,
        );
        let reading = d.reading(None).expect("root");
        let text = &reading.text;
        assert!(text.contains("délégué (dpo@bellerive.example)"), "{text:?}");
        assert!(text.contains("CNIL (www.cnil.fr/fr/plaintes)"), "{text:?}");
        // No query (session data), no fragment; no repetition when the
        // text is already the address; nothing for an in-page anchor.
        assert!(
            !text.contains("jeton") && !text.contains("subject"),
            "{text:?}"
        );
        assert_eq!(text.matches("www.cnil.fr").count(), 2, "{text:?}");
        assert!(text.contains("Appeler (+33199001000)"), "{text:?}");
        assert!(
            text.contains("Haut\n") || text.contains("Haut "),
            "{text:?}"
        );
        assert!(!text.contains("#haut"), "{text:?}");
        assert!(text.contains("Mentions (ent.example/mentions)"), "{text:?}");
        // The visible text is what a reader sees: no targets.
        let visible = d.text(None).expect("root");
        assert!(
            !visible.contains("dpo@") && !visible.contains("ent.example"),
            "{visible:?}"
        );
    }

    #[test]
    fn sections_run_from_a_heading_to_the_next_of_its_level() {
        let d = doc(
            "<main><h1>Mentions légales</h1><h2>Éditeur</h2><p>Mairie, 01 99 00 10 00</p>\
             <h2>Hébergement</h2><p>Octalis SAS</p><h3>Adresse</h3><p>99300 Val-Serein</p>\
             <h2>Contact</h2><p>ent@bellerive.example</p>\
             <details><summary>Durée de conservation</summary><table><tr><td>Messages</td><td>1 an</td></tr></table></details>\
             <p>Après</p><dl><dt>Hébergeur</dt><dd>Octalis</dd><dt>Éditeur</dt><dd>Mairie</dd></dl></main>",
        );
        let reading = d.reading(None).expect("root");
        let named = |title: &str| -> Vec<&str> {
            reading
                .sections
                .iter()
                .filter(|s| reading.heading(s) == title)
                .map(|s| reading.body(s))
                .collect()
        };
        let host = named("Hébergement");
        assert_eq!(host.len(), 1);
        assert!(
            host[0].contains("Octalis SAS") && host[0].contains("99300"),
            "{host:?}"
        );
        assert!(
            !host[0].contains("01 99") && !host[0].contains("ent@"),
            "{host:?}"
        );
        assert!(named("Mentions légales")[0].contains("ent@"));
        let retention = named("Durée de conservation");
        assert!(
            retention[0].contains("1 an") && !retention[0].contains("Après"),
            "{retention:?}"
        );
        let term = named("Hébergeur");
        assert!(
            term[0].contains("Octalis") && !term[0].contains("Mairie"),
            "{term:?}"
        );
    }

    #[test]
    fn a_heading_inside_a_heading_is_no_section() {
        let d =
            doc("<details><summary><h3>Durée de conservation</h3></summary><p>1 an</p></details>");
        let reading = d.reading(None).expect("root");
        assert_eq!(reading.sections.len(), 1, "{reading:?}");
        assert!(reading.body(&reading.sections[0]).contains("1 an"));
    }

    #[test]
    fn reading_is_one_walk_of_a_deep_page() {
        // Deep nesting with a heading at every level: the sections are
        // found in one pass (the bound on depth keeps the page parseable).
        let depth = MAX_DEPTH - 8;
        let mut html = String::new();
        for level in 0..depth {
            html.push_str(&format!(
                "<div><h{}>Titre {level}</h{}>",
                level % 6 + 1,
                level % 6 + 1
            ));
        }
        html.push_str(&"</div>".repeat(depth));
        let reading = doc(&html).reading(None).expect("root");
        assert_eq!(reading.sections.len(), depth);
        // Headings nested in headings: only the outermost is a section,
        // its text read once.
        let nested = format!(
            "{}Texte{}",
            "<h2><b>".repeat(depth / 2),
            "</b></h2>".repeat(depth / 2)
        );
        let reading = doc(&nested).reading(None).expect("root");
        assert!(reading.sections.len() <= 1, "{}", reading.sections.len());
        assert!(reading.sections.iter().all(|s| s.end <= reading.text.len()));
    }

    #[test]
    fn a_chooser_drawn_as_forms_is_answered_by_button_radio_or_option() {
        let fold = crate::text::fold;
        let wanted = fold("Léa MARTIN");
        // One form per entry, the entry in its button.
        let buttons = doc(
            r#"<form method="post" action="/choix"><input type="hidden" name="csrf" value="k"><input type="hidden" name="compte" value="1"><button>Tom MARTIN — École A</button></form>
            <form method="post" action="/choix"><input type="hidden" name="csrf" value="k"><input type="hidden" name="compte" value="2"><button type="submit" name="go" value="oui">Léa MARTIN — École B</button></form>"#,
        );
        let chosen = buttons.choice_form(&wanted, fold).expect("button");
        assert_eq!(chosen.method, "POST");
        assert_eq!(chosen.action.as_str(), "https://ent.example/choix");
        assert_eq!(
            chosen.fields,
            vec![
                ("csrf".to_owned(), "k".to_owned()),
                ("compte".to_owned(), "2".to_owned()),
                ("go".to_owned(), "oui".to_owned())
            ]
        );
        // One form, a radio per entry, labelled around or by `for`.
        let radios = doc(
            r#"<form action="/choix"><label><input type="radio" name="compte" value="1"> Tom MARTIN</label>
            <input type="radio" id="c2" name="compte" value="2"><label for="c2">Léa MARTIN</label><button>Continuer</button></form>"#,
        );
        let chosen = radios.choice_form(&wanted, fold).expect("radio");
        assert_eq!(chosen.method, "GET");
        assert_eq!(chosen.fields, vec![("compte".to_owned(), "2".to_owned())]);
        // A select.
        let select = doc(
            r#"<form method="post" action="/choix"><select name="compte"><option value="1">Tom MARTIN</option><option value="2">Léa MARTIN</option></select><input type="submit" value="OK"></form>"#,
        );
        let chosen = select.choice_form(&wanted, fold).expect("select");
        assert_eq!(chosen.fields, vec![("compte".to_owned(), "2".to_owned())]);
        // Nobody of that name: no submission.
        assert!(select.choice_form(&fold("Zoé DUBOIS"), fold).is_none());
    }

    #[test]
    fn links_resolve_and_have_names() {
        let d = doc(
            r##"<base href="/portail/"><footer><a href="mentions">Mentions <b>légales</b></a>
            <a href="#">Haut</a><a href="/x" aria-label="Données personnelles">RGPD</a>
            <a href="javascript:void(0)"><img src="i.png" alt="Accessibilité"></a></footer>"##,
        );
        let links = d.links(Some(&sel("footer")));
        assert_eq!(links.len(), 4);
        assert_eq!(
            links[0].href.as_ref().map(Url::as_str),
            Some("https://ent.example/portail/mentions")
        );
        assert_eq!(links[0].name, "Mentions légales");
        assert_eq!(links[1].href, None);
        assert_eq!(links[2].name, "Données personnelles");
        assert!(links[2].all_text.contains("RGPD"));
        assert_eq!(links[3].href, None);
        assert_eq!(links[3].name, "Accessibilité");
    }

    #[test]
    fn resources_lang_scripts_and_password() {
        let d = doc(
            r#"<html lang="fr-FR"><head><script async src="https://www.googletagmanager.com/gtag/js?id=G"></script>
            <link rel="stylesheet" href="//cdn.example/s.css"><link rel="canonical" href="https://x/"></head>
            <body><script>gtag('js')</script><form><input type="PASSWORD"></form></body></html>"#,
        );
        assert_eq!(d.lang().as_deref(), Some("fr-FR"));
        assert_eq!(d.script_count(), 2);
        assert!(d.inline_scripts().contains("gtag"));
        let hosts: Vec<String> = d
            .resources()
            .iter()
            .map(|r| r.url.host_str().unwrap_or("").to_owned())
            .collect();
        assert_eq!(hosts, vec!["www.googletagmanager.com", "cdn.example"]);
        assert!(d.has_password_field());
    }
}
