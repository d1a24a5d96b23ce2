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

/// Elements a script fills by id: containers, and custom elements. An empty
/// `<input>` or `<span id="year">` a script touches is not content drawn.
const CONTAINERS: [&str; 11] = [
    "div", "section", "footer", "main", "nav", "ul", "ol", "aside", "header", "article", "dl",
];

/// `type`s of an inline `<script>` a browser runs; JSON data blocks and
/// templates are not code.
const EXECUTABLE_TYPES: [&str; 5] = [
    "",
    "text/javascript",
    "application/javascript",
    "module",
    "text/ecmascript",
];

impl Document {
    /// Why the content of the zone (or of the page, with `None`) is likely
    /// drawn by scripts, in French; `None` when the page carries no script,
    /// or no markup shows a script filling it in.
    ///
    /// When the zone exists, only evidence inside it counts: a footer that
    /// was served is judged as served, whatever a script does elsewhere on
    /// the page. When it does not exist (or with `None`), the whole page is
    /// searched.
    pub fn script_drawn(&self, within: Option<&Scope>) -> Option<String> {
        if self.script_count() == 0 {
            return None;
        }
        let zone = match within {
            Some(scope) => self.zone(Some(scope)),
            None => Vec::new(),
        };
        let scripts = self.inline_scripts_where(|e| {
            let kind = e.value().attr("type").unwrap_or("").trim();
            EXECUTABLE_TYPES
                .iter()
                .any(|t| t.eq_ignore_ascii_case(kind))
        });
        if zone.is_empty() {
            return drawn_in(self.html.root_element(), &scripts).or_else(|| {
                (self.visible_chars() == 0).then(|| "corps de page sans aucun texte".to_owned())
            });
        }
        zone.into_iter().find_map(|element| {
            only_custom_element(element)
                .map(|custom| {
                    format!(
                        "{} ne contient que l'élément personnalisé vide « <{custom}> », \
                         qu'un script définit et remplit",
                        describe(element)
                    )
                })
                .or_else(|| drawn_in(element, &scripts))
        })
    }
}

/// Mount points, empty application roots and empty containers one of the
/// page's executable inline `scripts` names, inside `root` (itself
/// included).
fn drawn_in(root: ElementRef<'_>, scripts: &str) -> Option<String> {
    let inside = |css: &str| -> Vec<ElementRef<'_>> {
        // `select` walks the root too, so a footer that is itself a mount
        // point counts.
        selector(css).map_or_else(Vec::new, |s| root.select(&s).collect())
    };
    if let Some(found) = inside(MOUNT_POINTS).into_iter().next() {
        return Some(format!("point de montage de script {}", describe(found)));
    }
    if let Some(found) = inside(APP_ROOTS).into_iter().find(|e| is_placeholder(*e)) {
        return Some(format!(
            "élément d'application vide {} que les scripts remplissent",
            describe(found)
        ));
    }
    if scripts.is_empty() {
        return None;
    }
    inside("[id]")
        .into_iter()
        .filter(|e| {
            let name = e.value().name();
            (CONTAINERS.contains(&name) || name.contains('-')) && is_empty(*e)
        })
        .filter_map(|e| e.value().attr("id"))
        .find(|id| !id.is_empty() && names(scripts, id))
        .map(|id| format!("élément vide « #{id} » qu'un script de la page remplit"))
}

/// An application root not yet filled: no child element, and at most a
/// placeholder such as « Chargement… ».
fn is_placeholder(element: ElementRef<'_>) -> bool {
    element.children().all(|c| !c.value().is_element())
        && element
            .text()
            .flat_map(str::chars)
            .filter(|c| !c.is_whitespace())
            .count()
            <= PLACEHOLDER_MAX_CHARS
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
                // Served content inside it (light DOM) is there to judge.
                let filled = ElementRef::wrap(child).is_some_and(|e| !is_empty(e));
                if filled {
                    return None;
                }
                found = Some(element.name().to_owned());
            }
            _ => return None,
        }
    }
    found
}

/// « <tag id="…" class="…"> », enough to find the element in the source.
pub(super) fn describe(element: ElementRef<'_>) -> String {
    let value = element.value();
    let mut out = format!("« <{}", value.name());
    for name in ["id", "class", "ng-include", "ng-view", "ui-view", "role"] {
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
    fn a_served_footer_is_judged_whatever_scripts_do_elsewhere() {
        let page = doc("<body><div ng-include=\"'menu.html'\"></div><p>Accueil</p>\
             <footer><a href=\"/mentions\">Mentions légales</a></footer>\
             <script src=\"/angular.js\"></script></body>");
        assert_eq!(page.script_drawn(Some(&footer())), None);
        // Without a footer at all, the mount point is evidence.
        let page = doc("<body><div ng-include=\"'menu.html'\"></div><p>Accueil</p>\
             <script src=\"/angular.js\"></script></body>");
        assert!(page.script_drawn(Some(&footer())).is_some());
    }

    #[test]
    fn small_elements_and_data_blocks_a_script_names_are_not_evidence() {
        let page = doc(
            "<body><p>© <span id=\"year\"></span> Bellerive</p><input id=\"login\">\
             <script>document.getElementById('year').textContent = 2026;\
             document.getElementById('login').focus();</script></body>",
        );
        assert_eq!(page.script_drawn(Some(&footer())), None);
        let data = doc("<body><p>Accueil</p><div id=\"pied\"></div>\
             <script type=\"application/ld+json\">{\"@id\": \"#pied\"}</script>\
             <script src=\"/menu.js\"></script></body>");
        assert_eq!(data.script_drawn(Some(&footer())), None);
    }

    #[test]
    fn a_custom_element_with_served_content_is_judged() {
        let page = doc(
            "<body><footer><ent-footer><a href=\"/mentions\">Mentions légales</a></ent-footer></footer>\
             <script src=\"/f.js\"></script></body>",
        );
        assert_eq!(page.script_drawn(Some(&footer())), None);
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
