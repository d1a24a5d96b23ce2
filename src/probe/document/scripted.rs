//! Evidence, in the served HTML, that scripts draw content the harness does
//! not see (it runs no JavaScript).
//!
//! Almost every real page loads scripts, so "the page has scripts" proves
//! nothing: a server-rendered page without a footer must fail, not be
//! excused. Only markup that a script framework fills in counts: a mount
//! point, an empty element a script of the page names, a custom element
//! standing alone where the content belongs, or a body with no text at all.

use scraper::{ElementRef, Node};

use super::{Document, Scope, selector};

/// Mount points of AngularJS (`ng-include`, `ng-view`) and of its router
/// (`ui-view`), as attributes (also `data-` prefixed) or elements.
const MOUNT_POINTS: &str = "[ng-include], [data-ng-include], ng-include, [ng-view], \
    [data-ng-view], ng-view, [ui-view], [data-ui-view], ui-view";

/// Longest placeholder text (« Chargement… », « Loading ») an application
/// root may hold before its scripts replace it.
const PLACEHOLDER_MAX_CHARS: usize = 40;

/// The ids single-page frameworks mount into by default.
const APP_ROOTS: &str = "#app, #root, #__next, #__nuxt";

impl Document {
    /// Why the content of the zone (or of the page, with `None`) is likely
    /// drawn by scripts, in French; `None` when the page carries no script,
    /// or no markup shows a script filling it in.
    pub fn script_drawn(&self, within: Option<&Scope>) -> Option<String> {
        if self.script_count() == 0 {
            return None;
        }
        if let Some(found) = self.first(MOUNT_POINTS) {
            return Some(format!("point de montage de script {}", describe(found)));
        }
        if let Some(found) = self.first_empty(APP_ROOTS) {
            return Some(format!(
                "élément d'application vide {} que les scripts remplissent",
                describe(found)
            ));
        }
        if let Some(id) = self.empty_element_named_by_a_script() {
            return Some(format!(
                "élément vide « #{id} » qu'un script de la page remplit"
            ));
        }
        if let Some(scope) = within {
            for zone in self.zone(Some(scope)) {
                if let Some(custom) = only_custom_element(zone) {
                    return Some(format!(
                        "{} ne contient que l'élément personnalisé « <{custom}> », \
                         qu'un script définit",
                        describe(zone)
                    ));
                }
            }
        }
        if self.visible_chars() == 0 {
            return Some("corps de page sans aucun texte".to_owned());
        }
        None
    }

    fn first(&self, css: &str) -> Option<ElementRef<'_>> {
        selector(css).and_then(|s| self.html.select(&s).next())
    }

    /// An application root not yet filled: no child element, and at most a
    /// placeholder such as « Chargement… ».
    fn first_empty(&self, css: &str) -> Option<ElementRef<'_>> {
        let s = selector(css)?;
        self.html.select(&s).find(|e| {
            e.children().all(|c| !c.value().is_element())
                && e.text()
                    .flat_map(str::chars)
                    .filter(|c| !c.is_whitespace())
                    .count()
                    <= PLACEHOLDER_MAX_CHARS
        })
    }

    /// An empty element whose id an inline script names: the pattern of
    /// `document.getElementById("x").innerHTML = …`.
    fn empty_element_named_by_a_script(&self) -> Option<String> {
        let scripts = self.inline_scripts();
        if scripts.is_empty() {
            return None;
        }
        let with_id = selector("body [id]")?;
        self.html
            .select(&with_id)
            .filter(|e| is_empty(*e) && e.value().name() != "script")
            .filter_map(|e| e.value().attr("id"))
            .find(|id| !id.is_empty() && names(&scripts, id))
            .map(str::to_owned)
    }
}

/// Whether `scripts` names `id` as a string (`"id"`, `'id'`) or as an id
/// selector (`"#id"`, `'#id .x'`).
fn names(scripts: &str, id: &str) -> bool {
    scripts.match_indices(id).any(|(at, _)| {
        let before = scripts[..at].chars().next_back();
        let after = scripts[at + id.len()..].chars().next();
        let quote = |c: Option<char>| matches!(c, Some('"' | '\'' | '`'));
        let ends_selector =
            |c: Option<char>| !matches!(c, Some(c) if c.is_alphanumeric() || c == '-' || c == '_');
        (quote(before) && quote(after)) || (before == Some('#') && ends_selector(after))
    })
}

/// An element with no child element and no text.
fn is_empty(element: ElementRef<'_>) -> bool {
    element.children().all(|child| match child.value() {
        Node::Text(text) => text.trim().is_empty(),
        Node::Comment(_) => true,
        _ => false,
    })
}

/// The name of the custom element (a name with a hyphen, HTML § 4.13) that
/// is the zone's only content, with no text beside it.
fn only_custom_element(zone: ElementRef<'_>) -> Option<String> {
    let mut found = None;
    for child in zone.children() {
        match child.value() {
            Node::Text(text) if text.trim().is_empty() => {}
            Node::Comment(_) => {}
            Node::Element(element) if element.name().contains('-') && found.is_none() => {
                found = Some(element.name().to_owned());
            }
            _ => return None,
        }
    }
    found
}

/// « <tag id="…" class="…"> », enough to find the element in the source.
fn describe(element: ElementRef<'_>) -> String {
    let value = element.value();
    let mut out = format!("« <{}", value.name());
    for name in ["id", "ng-include", "ng-view", "ui-view", "role"] {
        if let Some(v) = value.attr(name) {
            let v: String = v.chars().take(60).collect();
            out.push_str(&format!(" {name}=\"{v}\""));
        }
    }
    out.push_str("> »");
    out
}

#[cfg(test)]
mod tests {
    use reqwest::Url;

    use super::*;

    fn doc(html: &str) -> Document {
        let url = Url::parse("https://ent.test/").expect("test URL");
        Document::parse(html, &url).expect("small page")
    }

    fn footer() -> Scope {
        Scope::Contentinfo
    }

    #[test]
    fn a_page_without_scripts_is_never_excused() {
        let page = doc("<body><div ng-include=\"'x.html'\"></div></body>");
        assert_eq!(page.script_drawn(None), None);
    }

    #[test]
    fn a_server_rendered_page_with_a_menu_script_is_judged_as_served() {
        let page = doc(
            "<body><nav>Menu</nav><main><p>Bienvenue sur l'ENT de l'école</p></main>\
             <script src=\"/menu.js\" defer></script></body>",
        );
        assert_eq!(page.script_drawn(Some(&footer())), None);
    }

    #[test]
    fn angular_mount_points_are_evidence() {
        let page = doc("<body><div ng-include=\"template.open('main')\"></div>\
             <script src=\"/angular.js\"></script></body>");
        let why = page.script_drawn(None).expect("mount point");
        assert!(why.contains("ng-include"), "{why}");
        let page = doc("<body><ui-view></ui-view><script src=\"/a.js\"></script></body>");
        assert!(page.script_drawn(None).is_some());
    }

    #[test]
    fn an_empty_app_root_is_evidence_but_a_filled_one_is_not() {
        let empty = doc(
            "<body><p>Chargement</p><div id=\"root\"></div><script src=\"/r.js\"></script></body>",
        );
        let why = empty.script_drawn(None).expect("empty root");
        assert!(why.contains("id=\"root\""), "{why}");
        let loading =
            doc("<body><div id=\"app\">Chargement…</div><script src=\"/r.js\"></script></body>");
        assert!(loading.script_drawn(None).is_some());
        let filled = doc(
            "<body><div id=\"root\"><p>Accueil</p></div><script src=\"/r.js\"></script></body>",
        );
        assert_eq!(filled.script_drawn(None), None);
    }

    #[test]
    fn an_empty_element_a_script_fills_by_id_is_evidence() {
        let page = doc("<body><p>Accueil</p><div id=\"pied-de-page\"></div>\
             <script>document.getElementById(\"pied-de-page\").innerHTML = \"…\";</script></body>");
        let why = page
            .script_drawn(Some(&footer()))
            .expect("named by a script");
        assert!(why.contains("#pied-de-page"), "{why}");
        let unnamed = doc("<body><p>Accueil</p><div id=\"pied\"></div>\
             <script>console.log(\"pied-de-page\")</script></body>");
        assert_eq!(unnamed.script_drawn(Some(&footer())), None);
    }

    #[test]
    fn a_footer_holding_only_a_custom_element_is_evidence() {
        let page = doc(
            "<body><p>Accueil</p><footer> <ent-footer></ent-footer> </footer>\
             <script type=\"module\" src=\"/footer.js\"></script></body>",
        );
        let why = page.script_drawn(Some(&footer())).expect("custom element");
        assert!(why.contains("<ent-footer>"), "{why}");
        let beside_text = doc(
            "<body><footer><ent-footer></ent-footer> Mentions légales</footer>\
             <script src=\"/f.js\"></script></body>",
        );
        assert_eq!(beside_text.script_drawn(Some(&footer())), None);
    }

    #[test]
    fn a_body_without_text_is_evidence() {
        let page = doc(
            "<body onload=\"Start({})\"><noscript>Activez JavaScript</noscript><script src=\"/p.js\"></script></body>",
        );
        assert_eq!(
            page.script_drawn(None).as_deref(),
            Some("corps de page sans aucun texte")
        );
    }
}
