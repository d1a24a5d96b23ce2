//! What `entconf init` writes: a commented target description for a real
//! candidate. `id`, `name`, `base_url` and the two public pages are set;
//! every other key of the file is there, commented out, with what it
//! enables and which checks stay `skip` without it — computed from the
//! catalog (`requires`) and from [`Check::sections`](super::Check::sections),
//! which the runner also reads to decide skips.
//!
//! In the file, `#key = value` (no space after `#`) is a setting to
//! uncomment and `# text` explains it. The text is French, as every message
//! of the command line. A test keeps every key of the target's JSON Schema
//! in the template, and defaults are read from the schema.

use reqwest::Url;
use serde_json::Value;

use super::model::{Action, Catalog, TargetSection};
use super::reference::{check_list, needing_capability, needing_section, using_secrets};
use super::schema::target_schema_value;
use super::target::Capability;

/// Width the explanations are wrapped at.
const WIDTH: usize = 90;

/// The identifier `entconf init` gives a target: the host of its URL (and
/// port, if given), with only the characters an id accepts.
pub fn target_id(base_url: &Url) -> String {
    let host = base_url.host_str().unwrap_or_default().to_ascii_lowercase();
    let mut id = String::new();
    for c in host.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            id.push(c);
        } else if !id.is_empty() && !id.ends_with('-') {
            // `.` of a domain, `:` of an IPv6 address.
            id.push('-');
        }
    }
    let mut id = id.trim_end_matches('-').to_owned();
    if id.is_empty() {
        id.push_str("ent-candidat");
    }
    if let Some(port) = base_url.port() {
        id.push_str(&format!("-{port}"));
    }
    id
}

/// The commented target description for a candidate at `base_url`.
pub fn target_template(base_url: &Url, catalog: &Catalog) -> String {
    let mut file = Writer {
        out: String::new(),
        catalog,
        schema: target_schema_value(),
    };
    file.header(base_url);
    file.capabilities();
    file.http();
    file.browser();
    file.secrets();
    file.sso();
    file.stats();
    file.gar();
    file.reversibility();
    file.access();
    file.local_login();
    file.out.truncate(file.out.trim_end().len());
    file.out.push('\n');
    file.out
}

/// The pages `entconf init` declares (at a guess of where they are): what
/// the FOOTER suite needs, public pages every ENT has.
const DECLARED: [Capability; 2] = [Capability::LoginPage, Capability::HomePage];

struct Writer<'a> {
    out: String,
    catalog: &'a Catalog,
    schema: Value,
}

impl Writer<'_> {
    /// An explanation, wrapped, each line `# …`.
    fn say(&mut self, text: &str) {
        let mut line = String::new();
        for word in words(text) {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > WIDTH - 2 {
                self.out.push_str(&format!("# {line}\n"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        if !line.is_empty() {
            self.out.push_str(&format!("# {line}\n"));
        }
    }

    /// An example inside an explanation, on its own line, never to be
    /// uncommented as is (an alternative to the setting beside it).
    fn example(&mut self, line: &str) {
        self.out.push_str(&format!("#   {line}\n"));
    }

    /// A setting in force.
    fn set(&mut self, line: &str) {
        self.out.push_str(line);
        self.out.push('\n');
    }

    /// A setting commented out.
    fn off(&mut self, line: &str) {
        self.out.push('#');
        self.out.push_str(line);
        self.out.push('\n');
    }

    fn blank(&mut self) {
        self.out.push('\n');
    }

    /// Which checks stay `skip` without what is being explained.
    fn skipped(&mut self, ids: &[&str], none: &str) {
        match check_list(ids, " ; ") {
            list if list.is_empty() => self.say(none),
            list => self.say(&format!("Sans elle, restent skip : {list}.")),
        }
    }

    /// The default the schema gives `table.key`, as TOML.
    fn default_of(&self, table: &str, key: &str) -> String {
        let value = &self.schema["$defs"][table]["properties"][key]["default"];
        match value {
            Value::String(text) => toml_string(text),
            // Only if the schema lost the default: the test that parses the
            // uncommented template then fails on it.
            Value::Null => "\"?\"".to_owned(),
            other => other.to_string(),
        }
    }

    fn header(&mut self, base_url: &Url) {
        let runnable: Vec<&str> = self
            .catalog
            .checks()
            .filter(|check| {
                check.requires.iter().all(|c| DECLARED.contains(c))
                    && check.sections().is_empty()
                    && check.secrets.is_empty()
            })
            .map(|check| check.id.as_str())
            .collect();
        self.say("Description de la cible pour entconf, écrite par `entconf init`.");
        self.say(
            "Chaque clé est décrite dans docs/reference/target.md ; `entconf schema --target` \
             donne le schéma JSON, pour les éditeurs.",
        );
        self.out.push_str("#\n");
        self.say(
            "Une ligne « #clé = valeur » est un réglage à activer : retirez le « # ». Une ligne \
             « # texte » l'explique. Une vérification qui demande ce que la cible ne déclare pas \
             est « skip », avec la raison.",
        );
        let runnable = check_list(&runnable, " ; ");
        if !runnable.is_empty() {
            self.say(&format!("Tel quel, ce fichier permet : {runnable}."));
        }
        self.say(
            "Les secrets ne s'écrivent jamais ici, seulement où les trouver : \
             { env = \"VARIABLE\" } ou { file = \"chemin\" }, chemin relatif au dossier de ce \
             fichier.",
        );
        self.blank();
        self.say(
            "Identifiant court de la cible (lettres, chiffres, - _ .), repris dans les \
             résultats, les dérogations et les comparaisons.",
        );
        self.set(&format!("id = {}", toml_string(&target_id(base_url))));
        self.say("Nom affiché dans les rapports (par défaut : l'identifiant).");
        let host = base_url.host_str().unwrap_or("candidat");
        self.set(&format!("name = {}", toml_string(&format!("ENT {host}"))));
        self.say(
            "Adresse de l'ENT candidat, en http ou https. Les chemins relatifs s'y résolvent \
             comme les liens d'une page : « auth/login » sous son chemin, « /auth/login » depuis \
             la racine de l'hôte.",
        );
        self.set(&format!("base_url = {}", toml_string(base_url.as_str())));
        self.blank();
    }

    fn capabilities(&mut self) {
        self.set("[capabilities]");
        self.say(
            "Pages et API du candidat, relatives à base_url ou absolues : adaptez les chemins à \
             votre ENT. Aucune n'est obligatoire ; chacune est demandée par les vérifications \
             nommées.",
        );
        for capability in Capability::ALL {
            self.blank();
            let (what, path) = capability_fr(capability);
            self.say(what);
            let ids = needing_capability(self.catalog, capability);
            self.skipped(
                &ids,
                "Aucune vérification des suites intégrées ne la demande.",
            );
            let line = format!("{} = {}", capability.as_str(), toml_string(path));
            if DECLARED.contains(&capability) {
                self.set(&line);
            } else {
                self.off(&line);
            }
        }
        self.blank();
    }

    fn http(&mut self) {
        self.say(
            "[http] : limites HTTP de l'exécution, et identifiants d'un ENT de recette derrière \
             HTTP Basic. Aucune vérification n'est skip sans elle ; les valeurs montrées sont \
             celles par défaut.",
        );
        self.off("[http]");
        self.say(
            "Délai d'une requête : connexion, en-têtes et corps (pour un téléchargement, la plus \
             longue attente de données).",
        );
        let default = self.default_of("HttpFile", "request_timeout");
        self.off(&format!("request_timeout = {default}"));
        self.say("Délai d'une vérification, sauf si elle fixe le sien.");
        let default = self.default_of("HttpFile", "check_timeout");
        self.off(&format!("check_timeout = {default}"));
        self.say("Plus grand corps de réponse lu ; au-delà, c'est une erreur.");
        let default = self.default_of("HttpFile", "max_body");
        self.off(&format!("max_body = {default}"));
        self.say("Nombre maximal de redirections suivies par lecture (0 : aucune).");
        let default = self.default_of("HttpFile", "max_redirects");
        self.off(&format!("max_redirects = {default}"));
        self.say(
            "Identifiants HTTP Basic envoyés à chaque requête. Le mot de passe doit être \
             disponible au chargement (variable définie, fichier lisible), sinon la cible est \
             refusée. Il peut aussi être lu dans un fichier :",
        );
        self.example("password = { file = \"secrets/recette\" }");
        self.off(
            "basic_auth = { user = \"recette\", password = { env = \"ENTCONF_RECETTE_PASSWORD\" } }",
        );
        self.say(
            "Origines, en plus de celles de base_url et des capacités, où suivre les liens des \
             pages du candidat (une notice hébergée sur le site de la commune) ; un lien vers \
             une autre origine n'est jamais suivi et les vérifications qui en ont besoin sont \
             en erreur.",
        );
        self.off("origins = [\"https://www.bellerive.example\"]");
        self.say(
            "Noms d'hôtes joints à une adresse sans DNS, comme curl --resolve (une recette sur \
             des noms qu'aucun DNS ne connaît) ; le port reste celui de l'URL, le navigateur \
             les suit aussi.",
        );
        self.off(
            "resolve = { \"auth.ent.test\" = \"127.0.0.1\", \"www.ent.test\" = \"127.0.0.1\" }",
        );
        self.say(
            "Autorité de certification d'une recette sous une AC privée (fichier PEM, relatif à \
             ce fichier) : toutes les requêtes et le navigateur lui font confiance, en plus des \
             autorités du système ; la chaîne reste vérifiée (nom d'hôte, dates).",
        );
        self.off("ca = \"recette-ca.pem\"");
        self.say(
            "Adresse en clair de l'ENT, que SEC-01 veut voir renvoyer vers HTTPS, si ce n'est \
             pas le port 80 de l'hôte de base_url.",
        );
        self.off("plain_url = \"http://recette.ent.example:8080/\"");
        self.blank();
    }

    fn browser(&mut self) {
        self.say(
            "[browser] : les pages publiques, et la page du compte des connexions qui le \
             demandent (PRIV-02), sont aussi ouvertes dans chromium (scripts exécutés, requêtes \
             relevées, captures d'écran en preuves) quand il est installé. Sans navigateur, \
             elles sont lues telles que servies : ce que seuls des scripts produisent ne peut \
             pas être jugé.",
        );
        self.off("[browser]");
        self.say("auto (défaut) : chromium s'il est installé ; off : jamais ; required : sans lui, l'exécution s'arrête.");
        let default = self.default_of("BrowserFile", "mode");
        self.off(&format!("mode = {default}"));
        self.say("Navigateur à lancer, s'il n'est pas chromium dans le PATH.");
        self.off("executable = \"/usr/bin/chromium\"");
        self.say(
            "Page prête (une seule condition) : ready_text = \"Mentions légales\" (texte \
             affiché), ready_url = \"#/accueil\" (partie de l'adresse) ou le sélecteur CSS \
             ci-dessous. Pour une application qui interroge sans cesse son serveur et n'est \
             jamais au repos ; sans elle, 500 ms sans requête après le chargement.",
        );
        self.off("ready_selector = \"footer\"");
        self.say("Délai maximal pour qu'une page se stabilise.");
        let default = self.default_of("BrowserFile", "settle_timeout");
        self.off(&format!("settle_timeout = {default}"));
        self.blank();
    }

    fn secrets(&mut self) {
        self.say(
            "[secrets] : secrets que les vérifications insèrent par ${secret:NOM} ; noms en \
             majuscules, chiffres et _, valeurs d'au moins 4 caractères. Une variable absente \
             rend skip les vérifications qui l'utilisent.",
        );
        let ids = using_secrets(self.catalog);
        match check_list(&ids, " ; ") {
            list if list.is_empty() => {
                self.say("Aucune vérification des suites intégrées n'en utilise aujourd'hui.");
            }
            list => self.say(&format!("Sans eux, restent skip : {list}.")),
        }
        self.off("[secrets]");
        self.say(
            "Depuis une variable d'environnement, ou un fichier (saut de ligne final retiré) :",
        );
        self.off("MOT_DE_PASSE_ENSEIGNANT = { env = \"ENT_MOT_DE_PASSE_ENSEIGNANT\" }");
        self.example("MOT_DE_PASSE_ENSEIGNANT = { file = \"secrets/enseignant\" }");
        self.blank();
    }

    fn section_intro(&mut self, text: &str, section: TargetSection) {
        self.say(text);
        let ids = needing_section(self.catalog, section);
        self.skipped(
            &ids,
            "Aucune vérification des suites intégrées ne la demande.",
        );
        self.off(&format!("[{}]", section.as_str()));
    }

    fn sso(&mut self) {
        self.section_intro(
            "[sso] : l'ÉduConnect et le guichet agents (ARENA) de test qu'entconf sert pendant \
             l'exécution, tels que le candidat les a enregistrés (voir `entconf idp --help`), \
             et l'annuaire AAF qu'il a importé (`entconf aaf generate`). Toute vérification \
             qui connecte quelqu'un en a besoin.",
            TargetSection::Sso,
        );
        self.say(
            "Adresse IP:PORT où entconf sert les fournisseurs d'identité pendant l'exécution \
             (arrêtez d'abord `entconf idp`).",
        );
        self.off("idp_listen = \"127.0.0.1:9400\"");
        self.say(
            "URL sous laquelle le candidat les joint (par défaut http://<idp_listen> ; \
             obligatoire avec 0.0.0.0 ou le port 0).",
        );
        self.off("idp_public_url = \"https://idp-test.recette.example\"");
        self.say(
            "Dossier de la clé de signature de test que le candidat a enregistrée (celui de \
             `entconf idp --keys`) ; sans lui, une clé neuve à chaque exécution.",
        );
        self.off("idp_keys = \"cles-idp\"");
        self.say(
            "Servir les fournisseurs en TLS (émetteur https, comme ÉduConnect) sous un \
             certificat de l'AC de test test-only-idp-ca.pem d'idp_keys, que le candidat \
             reconnaît. Par défaut : en clair.",
        );
        self.off("idp_tls = true");
        self.say(
            "URI de redirection OpenID Connect que le candidat a enregistrées : toute autre est \
             refusée. Par défaut : toute URI sur une origine du candidat.",
        );
        self.off("redirect_uris = [\"https://ent.recette.example/auth/oidc/callback\"]");
        self.say("Dossier des fichiers AAF que le candidat a importés.");
        self.off("aaf = \"aaf\"");
        self.say("Identifiant de client OpenID Connect du candidat.");
        self.off("client_id = \"ent-recette\"");
        self.say(
            "Son secret client, par référence ; s'il manque, les fournisseurs ne démarrent pas \
             et chaque connexion est en erreur.",
        );
        self.off("client_secret = { env = \"ENTCONF_OIDC_CLIENT_SECRET\" }");
        self.say(
            "Métadonnées SAML du fournisseur de service du candidat (URL lue au démarrage, ou \
             fichier) : ÉduConnect ne répond alors qu'à ses points de réception et chiffre \
             les assertions pour sa clé. Sans elles, réponses en clair.",
        );
        self.off("sp_metadata = \"https://ent.recette.example/auth/saml/metadata\"");
        self.say(
            "Où ÉduConnect et ARENA signent : response (comme ÉduConnect), assertion ou both.",
        );
        self.off("saml_signature = \"response\"");
        self.say(
            "Chiffrer les assertions pour la clé du fournisseur de service, comme ÉduConnect \
             (false pour un essai en clair).",
        );
        self.off("encrypt_assertions = true");
        self.say(
            "Le candidat accepte les réponses SAML qu'il n'a pas demandées (connexion à \
             l'initiative d'ÉduConnect) : SSO-09 attend alors qu'elles connectent, sinon \
             qu'elles soient refusées. Par défaut : non.",
        );
        self.off("unsolicited_sso = true");
        self.blank();
    }

    fn stats(&mut self) {
        self.section_intro(
            "[stats] : ce que la suite STATS utilise : des écoles dédiées, les pages des \
             services que l'activité jouée ouvre, les comptes qui lisent les statistiques. \
             Demande aussi [sso].",
            TargetSection::Stats,
        );
        self.say("UAI des écoles de l'annuaire AAF que seul entconf utilise (au moins une).");
        self.off("schools = [\"0990003R\", \"0990004S\"]");
        self.say("Identifiant de l'académie, racine du parcours des niveaux.");
        self.off("academie = \"99\"");
        self.say(
            "Attente après l'activité, si le candidat calcule ses statistiques plus tard \
             (aucune par défaut ; une durée non nulle).",
        );
        self.off("latency = \"30s\"");
        self.say("Page de chaque service que l'activité ouvre, relative à base_url.");
        let services = self.services();
        self.off(&format!("services = {{ {services} }}"));
        let levels: Vec<&str> = crate::stats::Level::ALL
            .into_iter()
            .map(crate::stats::Level::as_str)
            .collect();
        self.say(&format!(
            "Comptes de lecture, un par niveau ({}), jeton par référence ; un jeton absent met \
             les lectures en erreur.",
            levels.join(", ")
        ));
        for (level, id, variable) in [
            ("academie", "99", "ENT_STATS_ACADEMIE"),
            ("ecole", "0990003R", "ENT_STATS_ECOLE"),
        ] {
            self.off("[[stats.viewers]]");
            self.off(&format!("niveau = \"{level}\""));
            self.off(&format!("id = \"{id}\""));
            self.off(&format!("token = {{ env = \"{variable}\" }}"));
        }
        self.blank();
    }

    /// `name = "/page"` for every service a suite's statistics name.
    fn services(&self) -> String {
        let mut names: Vec<&str> = Vec::new();
        for check in self.catalog.checks() {
            for step in &check.steps {
                if let Action::Statistics(spec) = &step.action {
                    for name in &spec.services {
                        if !names.contains(&name.as_str()) {
                            names.push(name);
                        }
                    }
                }
            }
        }
        if names.is_empty() {
            names.push("messagerie");
        }
        names
            .iter()
            .map(|name| {
                format!(
                    "{name} = {}",
                    toml_string(&format!("/{}", name.replace('_', "-")))
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn gar(&mut self) {
        self.section_intro(
            "[gar] : comment le candidat joint le GAR qu'entconf joue : son code de projet, le \
             service web « ressources » que le médiacentre appelle, le dépôt SFTP de l'export \
             s'il le dépose ainsi (sinon l'export est lu en HTTP sur gar_export).",
            TargetSection::Gar,
        );
        self.say("idENT : le code de projet attribué par le GAR (sans « / »).");
        self.off("id_ent = \"BEL\"");
        self.say(
            "Adresse IP:PORT où entconf sert le service « ressources » (TLS) pendant \
             l'exécution.",
        );
        self.off("ressources_listen = \"127.0.0.1:9443\"");
        self.say(
            "URL sous laquelle le candidat l'appelle : https, sans chemin (par défaut \
             https://<ressources_listen> ; obligatoire avec 0.0.0.0 ou le port 0).",
        );
        self.off("ressources_public_url = \"https://gar-test.recette.example:9443\"");
        self.say(
            "Dossier qui garde la clé TLS de test du service entre les exécutions (supprimez-le \
             pour la renouveler) ; sans lui, un certificat neuf à chaque fois, que le candidat \
             ne connaît pas.",
        );
        self.off("ressources_keys = \"cles-gar\"");
        self.say(
            "Certificat client du médiacentre (PEM, public ; jamais la clé privée), lu au \
             chargement : le fichier doit exister.",
        );
        self.off("client_certificate = \"mediacentre-client.pem\"");
        self.say(
            "Dépôt SFTP de l'export, comme au vrai GAR (ces deux clés vont ensemble) : \
             gar_export est alors l'adresse qui demande le dépôt (POST).",
        );
        self.off("sftp_listen = \"127.0.0.1:2222\"");
        self.say("Clé publique SSH du candidat (une ligne OpenSSH), seule admise au dépôt.");
        self.off("sftp_public_key = \"ent-sftp.pub\"");
        self.blank();
    }

    fn reversibility(&mut self) {
        self.section_intro(
            "[reversibility] : ce que les suites de réversibilité et de suppression demandent : \
             l'école exportée, le responsable des données qui demande, les limites des exports. \
             Demande aussi [sso].",
            TargetSection::Reversibility,
        );
        self.say(
            "UAI de l'école exportée (ses personnes de l'annuaire possèdent le contenu amorcé) ; \
             pas une école dédiée de [stats].",
        );
        self.off("school = \"0990001N\"");
        self.say(
            "Responsable des données : la collectivité (niveau \"collectivite\"), jeton par \
             référence ; s'il manque, les vérifications du scénario restent skip.",
        );
        self.off(
            "controller = { niveau = \"collectivite\", id = \"99001\", token = { env = \"ENT_RESPONSABLE\" } }",
        );
        self.say("Compte d'une autre collectivité, que le candidat doit refuser (facultatif).");
        self.off(
            "outsider = { niveau = \"collectivite\", id = \"99002\", token = { env = \"ENT_AUTRE_COLLECTIVITE\" } }",
        );
        // The checks that wait for the link to expire.
        let waiting: Vec<&str> = self
            .catalog
            .checks()
            .filter(|check| {
                check
                    .steps
                    .iter()
                    .any(|step| matches!(step.action, Action::ExportJob { link_expiry: true }))
            })
            .map(|check| check.id.as_str())
            .collect();
        let waiting = match check_list(&waiting, " ; ") {
            list if list.is_empty() => String::new(),
            list => format!(" ; {list} attend qu'il expire"),
        };
        self.say(&format!(
            "Validité demandée pour le lien de téléchargement d'un export (envoyée en secondes \
             entières){waiting}."
        ));
        let default = self.default_of("ReversibilityFile", "link_ttl");
        self.off(&format!("link_ttl = {default}"));
        self.say("Attente maximale d'un travail d'export.");
        let default = self.default_of("ReversibilityFile", "job_timeout");
        self.off(&format!("job_timeout = {default}"));
        self.say(
            "Plus grand fichier de données d'une archive d'export lu, chacun en entier (au plus \
             1GiB).",
        );
        let default = self.default_of("ReversibilityFile", "max_record_file");
        self.off(&format!("max_record_file = {default}"));
    }

    fn access(&mut self) {
        self.blank();
        self.section_intro(
            "[access] : où l'ENT montre un objet par son identifiant (celui que la réponse de \
             l'amorçage lui donne), pour le contrôle d'accès entre écoles et entre classes. \
             Demande aussi [sso] et [reversibility].",
            TargetSection::Access,
        );
        self.say(
            "Adresses d'un billet de blog de classe et d'une séance du cahier de textes, pages \
             et API, avec {id} à la place de l'identifiant ; chaque objet amorcé est demandé à \
             chacune.",
        );
        self.off("object_urls = [\"/blog/billets/{id}\", \"/cahier-de-textes/{id}\"]");
    }

    fn local_login(&mut self) {
        self.blank();
        self.section_intro(
            "[local_login] : le formulaire de connexion propre à l'ENT (comptes locaux) et un \
             compte de test que l'ENT peut bloquer quelque temps : il reçoit jusqu'à 11 mauvais \
             mots de passe. Jamais le compte d'une vraie personne.",
            TargetSection::LocalLogin,
        );
        self.say("Page du formulaire (par défaut : login_page).");
        self.off("page = \"/auth/login\"");
        self.say("Identifiant du compte de test, et son mot de passe par référence.");
        self.off("account = \"intervenant.test\"");
        self.off("password = { env = \"ENT_MOT_DE_PASSE_LOCAL\" }");
    }
}

/// What a capability is, in French, and where a typical ENT has it (the
/// reference ENT's paths).
fn capability_fr(capability: Capability) -> (&'static str, &'static str) {
    match capability {
        Capability::LoginPage => ("Page de connexion (ou WAYF), publique.", "/auth/login"),
        Capability::HomePage => ("Page d'accueil publique de l'ENT.", "/"),
        Capability::EduconnectOidcLogin => (
            "Adresse qui démarre une connexion ÉduConnect en OpenID Connect.",
            "/auth/educonnect",
        ),
        Capability::EduconnectSamlLogin => (
            "Adresse qui démarre une connexion ÉduConnect en SAML.",
            "/auth/educonnect/saml",
        ),
        Capability::AgentsLogin => (
            "Adresse qui démarre la connexion d'un enseignant au guichet agents (ARENA, SAML).",
            "/auth/agents",
        ),
        Capability::AccountPage => (
            "Page que seule une personne connectée voit, avec son nom, son école et son profil.",
            "/compte",
        ),
        Capability::Logout => ("Adresse de déconnexion.", "/auth/deconnexion"),
        Capability::StatisticsApi => (
            "Base de l'API de statistiques de conformité (GET <api>/<niveau>/<id>).",
            "/api/conformance/stats",
        ),
        Capability::StatisticsDnmaExport => (
            "Export CSV des statistiques de toutes les écoles, au format de la DNMA.",
            "/api/conformance/stats/dnma.csv",
        ),
        Capability::GarExport => (
            "Dernière archive d'export GAR-ENT (tar.gz, son .md5 à côté) ; avec le dépôt SFTP \
             de [gar], l'adresse qui demande au candidat d'y déposer l'export (POST).",
            "/gar/export/dernier",
        ),
        Capability::GarIdpMetadata => (
            "Métadonnées SAML du fournisseur d'identité du candidat pour le GAR.",
            "/auth/saml/metadata/gar",
        ),
        Capability::GarSso => (
            "Point d'authentification unique de ce fournisseur pour le GAR (HTTP-Redirect).",
            "/auth/saml/redirect/sso",
        ),
        Capability::GarMediacentre => (
            "Page du médiacentre : les ressources GAR de la personne connectée.",
            "/mediacentre",
        ),
        Capability::SeedApi => (
            "API de conformité qui amorce du contenu (POST, JSON).",
            "/api/conformance/amorcage",
        ),
        Capability::ExportApi => (
            "API de conformité qui lance les exports de réversibilité (POST, JSON).",
            "/api/conformance/exports",
        ),
        Capability::DeletionApi => (
            "API de conformité qui reçoit les demandes de suppression (POST, JSON).",
            "/api/conformance/suppressions",
        ),
        Capability::CertificateKeys => (
            "JWKS des clés qui signent les certificats de suppression (public).",
            "/api/conformance/cles",
        ),
        Capability::ObjectsApi => (
            "API de conformité qui dit si un objet existe encore (GET <api>/<id>).",
            "/api/conformance/objets",
        ),
        Capability::ReversibilityPlan => (
            "Plan de réversibilité publié (page publique).",
            "/reversibilite",
        ),
        Capability::DeletionLog => (
            "Journal des suppressions (GET, jeton du responsable des données, JSON).",
            "/api/conformance/journal-suppressions",
        ),
        Capability::PortabilityExport => (
            "Archive personnelle de la personne connectée (RGPD art. 20), au format d'échange.",
            "/mes-donnees/archive",
        ),
    }
}

/// The words of a French sentence, for wrapping: a quotation between
/// « guillemets » or a `command` is one word, and `:`, `;`, `!` and `?`
/// stay with the word before them.
fn words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    // The mark that ends the quotation being read.
    let mut quoting: Option<char> = None;
    for word in text.split_whitespace() {
        match words.last_mut() {
            Some(last) if quoting.is_some() || matches!(word, ":" | ";" | "!" | "?") => {
                last.push(' ');
                last.push_str(word);
                if quoting.is_some_and(|end| word.ends_with(end)) {
                    quoting = None;
                }
            }
            _ => {
                words.push(word.to_owned());
                quoting = match word.chars().next() {
                    Some('«') if !word.ends_with('»') => Some('»'),
                    Some('`') if word.len() == 1 || !word[1..].contains('`') => Some('`'),
                    _ => None,
                };
            }
        }
    }
    words
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::{Environment, embedded_sources, load, parse_target};

    struct FakeEnv;

    impl Environment for FakeEnv {
        fn var(&self, name: &str) -> Option<String> {
            Some(format!("valeur-de-{name}"))
        }
    }

    fn url(text: &str) -> Url {
        Url::parse(text).expect("url")
    }

    #[test]
    fn quotations_and_commands_do_not_break() {
        assert_eq!(
            words("voir « la page » puis `entconf idp --keys` ; fin"),
            [
                "voir",
                "« la page »",
                "puis",
                "`entconf idp --keys` ;",
                "fin"
            ]
        );
        assert_eq!(words("`a` « b » c"), ["`a`", "« b »", "c"]);
    }

    #[test]
    fn ids_come_from_the_host() {
        assert_eq!(
            target_id(&url("https://recette.ENT.example/portail/")),
            "recette-ent-example"
        );
        assert_eq!(target_id(&url("http://127.0.0.1:8080/")), "127-0-0-1-8080");
        assert_eq!(target_id(&url("http://[::1]:8080/")), "1-8080");
        // An internationalised host is written in ASCII (punycode).
        let id = target_id(&url("https://écoles.example/"));
        assert!(id.starts_with("xn--") && id.ends_with("-example"), "{id}");
    }

    #[test]
    fn the_template_uncommented_is_a_complete_target() {
        let catalog = load(&embedded_sources()).expect("embedded suites");
        let text = target_template(&url("https://recette.ent.example/"), &catalog);
        let dir = std::env::temp_dir().join(format!("entconf-starter-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let key = crate::idp::SigningKey::generate_tls(
            "client",
            crate::idp::TlsRole::Client,
            &[],
            &crate::evidence::SystemClock::new(),
        )
        .expect("key");
        std::fs::write(dir.join("mediacentre-client.pem"), key.cert_pem()).expect("cert");
        std::fs::write(dir.join("ent-sftp.pub"), "ssh-ed25519 AAAA ent\n").expect("ssh key");
        std::fs::write(dir.join("recette-ca.pem"), key.cert_pem()).expect("CA");
        // Every setting on, as someone who uncommented them all.
        let on: String = text
            .lines()
            .map(|line| match line.strip_prefix('#') {
                Some(rest) if !rest.is_empty() && !rest.starts_with([' ', '#']) => rest,
                _ => line,
            })
            .map(|line| format!("{line}\n"))
            .collect();
        let target = parse_target("entconf.toml", &on, Some(&dir), &FakeEnv);
        let _ = std::fs::remove_dir_all(&dir);
        let target = target.unwrap_or_else(|errors| panic!("{errors}\n{on}"));
        assert_eq!(target.capabilities.len(), Capability::ALL.len());
        assert!(target.sso.is_some() && target.stats.is_some());
        assert!(target.gar.is_some_and(|gar| gar.sftp.is_some()));
        assert!(target.reversibility.is_some_and(|r| r.outsider.is_some()));
        assert_eq!(target.secrets.len(), 1);
        assert!(target.http.basic_auth.is_some());
        assert_eq!(target.http.trusted_roots, vec![key.cert_der.clone()]);
        assert!(target.http.plain_url.is_some());
    }
}
