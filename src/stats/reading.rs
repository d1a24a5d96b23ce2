//! Reading a candidate's statistics API the way its users would: the
//! académie's account walks the tree from the académie down to every
//! school and collectivité (JSON), the dedicated schools are read again as
//! CSV, every level is asked for without credentials, and every declared
//! account asks for its own scope and for scopes that are not its own.
//!
//! Like every probe, this records and parses; whether what it read is
//! right is for the judge (`judge`) to say.

use std::collections::{BTreeSet, VecDeque};

use reqwest::Url;

use crate::probe::http::{HttpProbe, Request};
use crate::probe::jar::Jar;
use crate::probe::login::LoginTrace;
use crate::probe::page::Page;
use crate::stats::{CsvTable, Entity, Level, Period, StatsDocument, parse_csv};

/// More entities than a whole académie has: a tree larger than this is cut
/// (and said to be) rather than walked for ever.
pub const MAX_ENTITIES: usize = 20_000;
/// Bytes of answers the walk keeps (a real académie's tree weighs tens of
/// megabytes): past it the walk stops, and says so.
pub const MAX_WALK_BYTES: u64 = 192 << 20;

/// One visit of the scripted activity, as played.
#[derive(Clone, Debug)]
pub struct ActivityVisit {
    /// UAI of the school the person was logged into.
    pub school: String,
    /// Who (an opaque key: the same person in two schools has one key).
    pub person: String,
    /// "Prénom Nom", to recognise the account page.
    pub name: String,
    /// Name of the school, which the account page must show too.
    pub school_name: String,
    /// Profile column the visit must be counted in.
    pub profile: String,
    /// Services opened.
    pub services: Vec<String>,
    /// Device column.
    pub device: String,
    /// Seconds from the first request of the login to the end of logout.
    pub seconds: f64,
    /// The browser's trace, or why the login could not be played.
    pub trace: Result<LoginTrace, String>,
}

/// The scripted activity and what the harness knows of the dedicated schools.
#[derive(Clone, Debug, Default)]
pub struct ActivityLog {
    /// Visits, in order.
    pub visits: Vec<ActivityVisit>,
    /// Accounts the directory loads per (school UAI, profile column).
    pub loaded: Vec<(String, String, u64)>,
    /// Why the activity could not be played at all, if so.
    pub problem: Option<String>,
}

/// What a request for statistics got back.
#[derive(Clone, Debug)]
pub enum Answer {
    /// No complete answer (timeout, refused connection, body too large…).
    Transport(String),
    /// An HTTP answer, and its body parsed when the status is 200.
    Http {
        /// The page as recorded.
        page: Box<Page>,
        /// The parsed body (status 200 only), or why it could not be read.
        parsed: Option<Result<Parsed, String>>,
    },
}

/// A parsed statistics answer.
#[derive(Clone, Debug)]
pub enum Parsed {
    /// JSON document.
    Json(StatsDocument),
    /// CSV table.
    Csv(CsvTable),
}

impl Answer {
    /// Evidence ids.
    pub fn exchanges(&self) -> Vec<String> {
        match self {
            Self::Transport(_) => Vec::new(),
            Self::Http { page, .. } => page.exchanges(),
        }
    }

    /// The final status, if there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Transport(_) => None,
            Self::Http { page, .. } => Some(page.status),
        }
    }

    /// The JSON document, if the answer is one.
    pub fn document(&self) -> Option<&StatsDocument> {
        match self {
            Self::Http {
                parsed: Some(Ok(Parsed::Json(doc))),
                ..
            } => Some(doc),
            _ => None,
        }
    }

    /// The CSV table, if the answer is one.
    pub fn table(&self) -> Option<&CsvTable> {
        match self {
            Self::Http {
                parsed: Some(Ok(Parsed::Csv(table))),
                ..
            } => Some(table),
            _ => None,
        }
    }

    /// The body text, if any.
    pub fn text(&self) -> Option<&str> {
        match self {
            Self::Http { page, .. } => page.text(),
            Self::Transport(_) => None,
        }
    }

    /// What went wrong reading it, for messages: transport problem, status,
    /// or parse error; `None` when a document was read.
    pub fn problem(&self) -> Option<String> {
        match self {
            Self::Transport(error) => Some(error.clone()),
            Self::Http { page, parsed } => match parsed {
                Some(Ok(_)) => None,
                Some(Err(error)) => Some(format!("{} : {error}", page.final_url)),
                None => Some(format!("{} → statut {}", page.final_url, page.status)),
            },
        }
    }
}

/// One request made for the walk or for a scope test.
#[derive(Clone, Debug)]
pub struct Asked {
    /// The account that asked (`None`: anonymous).
    pub viewer: Option<Entity>,
    /// The entity asked for.
    pub entity: Entity,
    /// The answer.
    pub answer: Answer,
}

/// Everything read from the statistics API.
#[derive(Clone, Debug)]
pub struct StatsReading {
    /// The weeks asked for.
    pub period: Period,
    /// The walk, académie first, as the académie's account (JSON).
    pub tree: Vec<Asked>,
    /// Set when the walk stopped at [`MAX_ENTITIES`].
    pub truncated: bool,
    /// The dedicated schools as CSV.
    pub csv: Vec<Asked>,
    /// One entity per level without credentials.
    pub anonymous: Vec<Asked>,
    /// Each account asking for its own scope.
    pub own: Vec<Asked>,
    /// Each account asking for scopes outside its own.
    pub foreign: Vec<Asked>,
    /// The DNMA-shaped export, if the target declares it.
    pub dnma: Option<Answer>,
}

impl StatsReading {
    /// A reading of `tree` alone (no CSV, scope or export requests): what
    /// tests and the académie-scale benchmark build.
    pub fn walked(period: Period, tree: Vec<Asked>) -> Self {
        Self {
            period,
            tree,
            truncated: false,
            csv: Vec::new(),
            anonymous: Vec::new(),
            own: Vec::new(),
            foreign: Vec::new(),
            dnma: None,
        }
    }

    /// Evidence ids of every request made to read.
    pub fn exchanges(&self) -> Vec<String> {
        let asked = self
            .tree
            .iter()
            .chain(&self.csv)
            .chain(&self.anonymous)
            .chain(&self.own)
            .chain(&self.foreign)
            .flat_map(|a| a.answer.exchanges());
        asked
            .chain(self.dnma.iter().flat_map(Answer::exchanges))
            .collect()
    }

    /// The walked document of `entity`, if it was read.
    pub fn document(&self, entity: &Entity) -> Option<&StatsDocument> {
        self.tree
            .iter()
            .find(|a| &a.entity == entity)
            .and_then(|a| a.answer.document())
    }
}

/// What to read and as whom.
#[derive(Clone, Debug)]
pub struct ReadPlan {
    /// Base of the statistics API.
    pub api: Url,
    /// The DNMA export, if declared.
    pub dnma: Option<Url>,
    /// The académie's id (root of the walk).
    pub academie: String,
    /// The dedicated schools.
    pub schools: Vec<String>,
    /// Accounts: scope and token.
    pub viewers: Vec<(Entity, String)>,
    /// Weeks asked for.
    pub period: Period,
    /// CSV separator.
    pub separator: char,
}

impl ReadPlan {
    fn url(&self, entity: &Entity, csv: bool) -> Result<Url, String> {
        let mut url = Url::parse(&format!(
            "{}/{}/{}",
            self.api.as_str().trim_end_matches('/'),
            entity.level.as_str(),
            url::form_urlencoded::byte_serialize(entity.id.as_bytes()).collect::<String>()
        ))
        .map_err(|error| format!("URL de statistiques invalide : {error}"))?;
        self.with_period(&mut url, csv);
        Ok(url)
    }

    fn with_period(&self, url: &mut Url, csv: bool) {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("debut", &self.period.from.to_string())
            .append_pair("fin", &self.period.to.to_string());
        if csv {
            query.append_pair("format", "csv");
        }
    }

    fn token_of(&self, level: Level) -> Option<(&Entity, &str)> {
        self.viewers
            .iter()
            .find(|(scope, _)| scope.level == level)
            .map(|(scope, token)| (scope, token.as_str()))
    }
}

/// One entity's statistics over `plan.period`, read as `viewer` (scope
/// and token), in JSON.
pub async fn read_entity(
    probe: &HttpProbe,
    plan: &ReadPlan,
    viewer: (&Entity, &str),
    entity: &Entity,
) -> Asked {
    ask(probe, plan, Some(viewer), entity, false).await
}

async fn ask(
    probe: &HttpProbe,
    plan: &ReadPlan,
    viewer: Option<(&Entity, &str)>,
    entity: &Entity,
    csv: bool,
) -> Asked {
    let answer = match plan.url(entity, csv) {
        Ok(url) => {
            get(
                probe,
                &url,
                viewer.map(|(_, token)| token),
                csv,
                plan.separator,
            )
            .await
        }
        Err(error) => Answer::Transport(error),
    };
    Asked {
        viewer: viewer.map(|(scope, _)| scope.clone()),
        entity: entity.clone(),
        answer,
    }
}

async fn get(probe: &HttpProbe, url: &Url, token: Option<&str>, csv: bool, sep: char) -> Answer {
    let mut jar = Jar::default().with_bearer_for(url, token.map(str::to_owned));
    let mut exchanges = Vec::new();
    match probe
        .follow(Request::get(url), &mut jar, &mut exchanges)
        .await
    {
        Err(error) => Answer::Transport(error.to_string()),
        Ok(page) => {
            let parsed = (page.status == 200).then(|| match page.text() {
                None => Err(format!(
                    "réponse non textuelle ({})",
                    page.media_type_label()
                )),
                Some(text) if csv => parse_csv(text, sep).map(Parsed::Csv),
                Some(text) => StatsDocument::parse_json(text).map(Parsed::Json),
            });
            Answer::Http {
                page: Box::new(page),
                parsed,
            }
        }
    }
}

/// Reads everything the plan says; only a missing académie account stops it.
pub async fn read_statistics(probe: &HttpProbe, plan: &ReadPlan) -> Result<StatsReading, String> {
    let Some(root_viewer) = plan.token_of(Level::Academie) else {
        return Err(
            "aucun compte de niveau academie dans [stats] viewers : il faut un compte qui voie \
             toute l'arborescence pour la parcourir"
                .to_owned(),
        );
    };
    let (tree, truncated) = walk(probe, plan, root_viewer).await;
    let mut csv = Vec::new();
    for school in &plan.schools {
        csv.push(
            ask(
                probe,
                plan,
                Some(root_viewer),
                &Entity::new(Level::Ecole, school),
                true,
            )
            .await,
        );
    }
    let mut anonymous = Vec::new();
    for level in Level::ALL {
        if let Some(asked) = tree.iter().find(|a| a.entity.level == level) {
            anonymous.push(ask(probe, plan, None, &asked.entity, false).await);
        }
    }
    let (own, foreign) = scopes(probe, plan, &tree).await;
    let dnma = match &plan.dnma {
        Some(url) => {
            let mut url = url.clone();
            plan.with_period(&mut url, false);
            Some(get(probe, &url, Some(root_viewer.1), true, plan.separator).await)
        }
        None => None,
    };
    Ok(StatsReading {
        period: plan.period,
        tree,
        truncated,
        csv,
        anonymous,
        own,
        foreign,
        dnma,
    })
}

/// Breadth first from the académie; collectivités are found through the
/// schools' `rattachement`, since they are not under a département.
async fn walk(probe: &HttpProbe, plan: &ReadPlan, viewer: (&Entity, &str)) -> (Vec<Asked>, bool) {
    let root = Entity::new(Level::Academie, plan.academie.clone());
    let mut queue = VecDeque::from([root.clone()]);
    let mut seen = BTreeSet::from([root]);
    let mut tree = Vec::new();
    let mut truncated = false;
    let mut kept: u64 = 0;
    while let Some(entity) = queue.pop_front() {
        if kept > MAX_WALK_BYTES {
            truncated = true;
            break;
        }
        let asked = ask(probe, plan, Some(viewer), &entity, false).await;
        if let Answer::Http { page, .. } = &asked.answer {
            kept += page.text().map_or(0, |text| text.len() as u64);
        }
        if let Some(doc) = asked.answer.document() {
            let attached = doc
                .attachment
                .get(Level::Collectivite.as_str())
                .map(|id| Entity::new(Level::Collectivite, id.clone()));
            for next in doc.children.iter().cloned().chain(attached) {
                if seen.len() >= MAX_ENTITIES {
                    truncated = true;
                    break;
                }
                if seen.insert(next.clone()) {
                    queue.push_back(next);
                }
            }
        }
        tree.push(asked);
    }
    (tree, truncated)
}

/// Each account: its own scope, then a scope beside it and the one above
/// (both outside its own), and a school outside its subtree.
async fn scopes(probe: &HttpProbe, plan: &ReadPlan, tree: &[Asked]) -> (Vec<Asked>, Vec<Asked>) {
    let (mut own, mut foreign) = (Vec::new(), Vec::new());
    for (scope, token) in &plan.viewers {
        let viewer = Some((scope, token.as_str()));
        own.push(ask(probe, plan, viewer, scope, false).await);
        let inside = subtree(tree, scope);
        let outside = |level: Level| {
            tree.iter()
                .map(|a| &a.entity)
                .find(|e| e.level == level && !inside.contains(*e))
                .cloned()
        };
        let mut targets: Vec<Entity> = Vec::new();
        targets.extend(outside(scope.level));
        targets.extend(outside(Level::Ecole));
        if let Some(parent) = parent_of(tree, scope) {
            targets.push(parent);
        }
        if scope.level == Level::Academie {
            // Another académie: nothing of it may be served.
            targets.push(Entity::new(Level::Academie, format!("{}-autre", scope.id)));
        }
        targets.sort();
        targets.dedup();
        for target in targets {
            foreign.push(ask(probe, plan, viewer, &target, false).await);
        }
    }
    (own, foreign)
}

/// The entities under `scope` in the walked tree, itself included.
pub fn subtree<'a>(tree: &'a [Asked], scope: &Entity) -> BTreeSet<&'a Entity> {
    let mut inside: BTreeSet<&Entity> = BTreeSet::new();
    let mut queue = vec![scope.clone()];
    while let Some(entity) = queue.pop() {
        let Some(asked) = tree.iter().find(|a| a.entity == entity) else {
            continue;
        };
        if !inside.insert(&asked.entity) {
            continue;
        }
        if let Some(doc) = asked.answer.document() {
            queue.extend(doc.children.iter().cloned());
        }
    }
    inside
}

/// The entity whose children list `entity`.
pub fn parent_of(tree: &[Asked], entity: &Entity) -> Option<Entity> {
    tree.iter()
        .find(|a| {
            a.answer
                .document()
                .is_some_and(|doc| doc.children.contains(entity))
        })
        .map(|a| a.entity.clone())
}
