//! The command line grammar (clap derive), with French help.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};
use ent_server::Fault;

const TEMPLATE: &str = "{about-with-newline}\nUtilisation : {usage}\n\n{all-args}{after-help}";

/// Banc de conformité des ENT du premier degré : joue les services nationaux
/// face à l'ENT candidat, vérifie les exigences (RGPD, RGAA, SDET, GAR) et
/// écrit des rapports JUnit, HTML et JSON avec leurs preuves.
#[derive(Debug, Parser)]
#[command(
    name = "entconf",
    version,
    help_template = TEMPLATE,
    subcommand_help_heading = "Commandes",
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    after_help = "Codes de sortie : 0 conforme, 1 au moins un échec (fail), 2 erreurs d'évaluation sans échec,\n3 suite ou cible invalide, 4 mauvaise utilisation.\n\nPour commencer : entconf demo   (lance l'ENT de référence intégré et toutes les suites)\nPuis, pour votre ENT : entconf init --base-url URL   (écrit entconf.toml, commenté)"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// Affiche l'aide.
    #[arg(short = 'h', long = "help", action = ArgAction::Help, global = true)]
    help: Option<bool>,
    /// Affiche la version.
    #[arg(short = 'V', long = "version", action = ArgAction::Version)]
    version: Option<bool>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Écrit un fichier cible commenté pour un ENT candidat, point de départ de `entconf run`.
    #[command(
        help_template = TEMPLATE,
        after_help = "Exemples :\n  entconf init --base-url https://recette.ent.example/\n  entconf init --base-url https://recette.ent.example/ --out cibles/recette.toml\n  entconf init --base-url https://recette.ent.example/ --force   (remplace entconf.toml)\n\nLe fichier déclare l'identifiant (tiré de l'hôte), le nom, base_url, login_page et home_page :\nde quoi lancer la suite FOOTER. Toutes les autres sections et clés y sont, commentées, avec ce\nqu'elles permettent et les vérifications qui restent « skip » sans elles. Les secrets n'y sont\njamais écrits, seulement leur référence : { env = \"VARIABLE\" } ou { file = \"chemin\" }.\nRéférence de chaque clé : docs/reference/target.md. Ensuite : entconf run --target entconf.toml"
    )]
    Init(InitArgs),
    /// Vérifie un ENT candidat décrit par un fichier cible.
    #[command(
        help_template = TEMPLATE,
        after_help = "Exemples :\n  entconf run --target recette.toml\n  entconf run --target recette.toml --suite FOOTER --format junit,html --out rapports\n  entconf run --check FOOTER-07 --check FOOTER-08\n\nLe fichier cible (TOML) donne l'URL de base, les capacités (login_page, home_page) et les\nsecrets par référence (variable d'environnement ou fichier), jamais en clair.\n`entconf init --base-url URL` en écrit un commenté ; référence : docs/reference/target.md.\nLe rapport est écrit dans <--out>/<identifiant d'exécution>/ : index.html, junit.xml,\nresults.json et evidence/."
    )]
    Run(RunArgs),
    /// Lance l'ENT de référence intégré (avec des défauts au choix) et le vérifie.
    #[command(
        help_template = TEMPLATE,
        after_help = "Exemples :\n  entconf demo                              (ENT conforme : code de sortie 0)\n  entconf demo --fault notice-missing-dpo   (un défaut : FOOTER-07 échoue, code 1)\n  entconf demo --fault home-hangs --check FOOTER-01\n  entconf demo --suite FOOTER --fault tracker-loaded-by-script   (vu par le navigateur)\n\nAvec chromium installé (bash ci/deps.sh), l'ENT de référence dessine les pieds de page de\nl'accueil et de la connexion par script, comme la plupart des ENT, et chaque page publique est\naussi ouverte dans le navigateur : le rapport HTML montre sa capture à côté des vérifications.\nSans chromium, les pages sont lues telles que servies."
    )]
    Demo(DemoArgs),
    /// Liste les suites et leurs vérifications, avec exigence et références.
    #[command(help_template = TEMPLATE, after_help = "Exemple :\n  entconf list --suites ./suites")]
    List(SuitesArgs),
    /// Charge et contrôle des fichiers de suite ; signale tous les problèmes (fichier:ligne:colonne).
    #[command(
        help_template = TEMPLATE,
        after_help = "Exemples :\n  entconf validate                 (le dossier ./suites)\n  entconf validate suites/footer.yaml ma-suite.yaml"
    )]
    Validate(ValidateArgs),
    /// Paquets de certification : clé, signature, vérification.
    #[command(subcommand, help_template = TEMPLATE)]
    Bundle(BundleCommand),
    /// Enregistre la décision d'un relecteur dans un nouveau paquet signé (les résultats automatiques restent intacts).
    #[command(
        help_template = TEMPLATE,
        after_help = "Exemple :\n  entconf review bundle.zip --decide FOOTER-03=pass --decide FOOTER-04=fail \\\n      --note \"Notice relue le 24/11 : droits incomplets\" --key relecteur.key --out bundle-relu.zip"
    )]
    Review(ReviewArgs),
    /// Compare deux résultats (results.json) vérification par vérification ; code 16 s'ils diffèrent.
    #[command(
        help_template = TEMPLATE,
        after_help = "Exemple :\n  entconf diff reports/v1/results.json reports/v2/results.json\n\nCodes de sortie : 0 identiques, 16 différents, 3 fichier illisible."
    )]
    Diff(DiffArgs),
    /// Met plusieurs offres côte à côte : matrice vérifications × offres (HTML et CSV).
    #[command(
        help_template = TEMPLATE,
        after_help = "Exemple :\n  entconf compare offre-a/results.json offre-b/results.json offre-c/results.json --out comparaison.html\n\nÉcrit aussi comparaison.csv. Chaque case renvoie au rapport index.html de l'offre, à côté de\nson results.json."
    )]
    Compare(CompareArgs),
    /// Fusionne les results.json des parts d'une campagne (--shard K/N) en une seule exécution.
    #[command(
        help_template = TEMPLATE,
        after_help = "Exemple (matrice de CI à 3 parts) :\n  entconf run --target recette.toml --shard 1/3 --out part1   (idem 2/3, 3/3)\n  entconf merge part1/*/results.json part2/*/results.json part3/*/results.json --out fusion\n\nLe code de sortie est celui de l'exécution fusionnée (0, 1, 2 ou 5)."
    )]
    Merge(MergeArgs),
    /// Sert ÉduConnect et le guichet agents de test, pour les déclarer dans un ENT de recette.
    #[command(
        help_template = TEMPLATE,
        after_help = "Exemples :\n  entconf aaf generate --out aaf/\n  ENTCONF_OIDC_CLIENT_SECRET=… entconf idp --aaf aaf/ --keys cles-idp/ --listen 0.0.0.0:9400 \\\n      --public-url https://idp-test.exemple.fr --client-id ent-recette\n\nAffiche l'émetteur OpenID Connect, les métadonnées SAML et le certificat à enregistrer dans\nl'ENT de recette, puis sert jusqu'à Ctrl-C. Sans scénario d'entconf, la page de connexion\npropose les personnes fictives de l'annuaire. Reprenez les mêmes --keys, --listen et\n--public-url dans la section [sso] du fichier cible pour `entconf run`."
    )]
    Idp(IdpArgs),
    /// Génère un annuaire AAF 1D synthétique (élèves, parents, enseignants, écoles).
    #[command(subcommand, help_template = TEMPLATE)]
    Aaf(AafCommand),
    /// Affiche le schéma JSON des suites, du fichier cible (--target) ou du format d'export.
    #[command(
        help_template = TEMPLATE,
        after_help = "Exemples :\n  entconf schema > suites/schema.json\n  entconf schema --format-export > suites/api/export-format.schema.json\n  entconf schema --target > entconf.schema.json\n  entconf schema --target-reference > docs/reference/target.md\n\nDans un fichier de suite, la première ligne\n  # yaml-language-server: $schema=./schema.json\nactive la complétion dans les éditeurs."
    )]
    Schema(SchemaArgs),
}

/// Which schema `entconf schema` prints.
#[derive(Debug, Args)]
#[group(multiple = false)]
pub(crate) struct SchemaArgs {
    /// Le schéma du format d'échange « entconf-reversibilite/1 » (manifest.json et fichiers
    /// donnees/*.json des archives d'export) au lieu de celui des suites.
    #[arg(long = "format-export")]
    pub(crate) export_format: bool,
    /// Le schéma du fichier cible (entconf.toml) au lieu de celui des suites.
    #[arg(long = "target")]
    pub(crate) target: bool,
    /// La référence du fichier cible en Markdown (docs/reference/target.md) : chaque clé, son
    /// type, sa valeur par défaut, et les vérifications qui en ont besoin.
    #[arg(long = "target-reference")]
    pub(crate) target_reference: bool,
}

/// What `entconf init` writes, and where.
#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Adresse de l'ENT candidat (http ou https) ; l'identifiant de la cible est tiré de son hôte.
    /// Sans elle, une adresse d'exemple à remplacer.
    #[arg(long = "base-url", value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// Fichier à écrire.
    #[arg(long = "out", value_name = "FICHIER", default_value = "entconf.toml")]
    pub(crate) out: PathBuf,
    /// Remplace le fichier s'il existe déjà.
    #[arg(long = "force")]
    pub(crate) force: bool,
}

/// Where suites come from.
#[derive(Debug, Args)]
pub(crate) struct SuitesArgs {
    /// Dossier ou fichiers de suites à utiliser à la place des suites intégrées au binaire.
    #[arg(long = "suites", value_name = "CHEMIN", help_heading = "Suites")]
    pub(crate) suites: Vec<PathBuf>,
}

/// Which checks run: the union of what is named; nothing named = every check.
#[derive(Debug, Args)]
#[command(next_help_heading = "Sélection")]
pub(crate) struct SelectionArgs {
    /// Exécute les vérifications de cette suite (répétable), ex. FOOTER.
    #[arg(id = "suite", long = "suite", value_name = "ID")]
    pub(crate) suites: Vec<String>,
    /// Exécute les vérifications portant cette étiquette (répétable), ex. rgpd.
    #[arg(id = "tag", long = "tag", value_name = "ÉTIQUETTE")]
    pub(crate) tags: Vec<String>,
    /// Exécute cette vérification (répétable), ex. FOOTER-07.
    #[arg(id = "check", long = "check", value_name = "ID")]
    pub(crate) checks: Vec<String>,
}

/// Reports and execution.
#[derive(Debug, Args)]
pub(crate) struct OutputArgs {
    /// Dossier des rapports ; chaque exécution écrit dans un sous-dossier à son nom.
    #[arg(
        long = "out",
        value_name = "DOSSIER",
        default_value = "reports",
        help_heading = "Rapports"
    )]
    pub(crate) out: PathBuf,
    /// Formats, séparés par des virgules : console, junit, html, json.
    #[arg(
        long = "format",
        value_name = "FORMATS",
        value_delimiter = ',',
        default_value = "console,junit,html,json",
        help_heading = "Rapports"
    )]
    pub(crate) formats: Vec<String>,
    /// Fichier de dérogations (YAML) : écarts acceptés, avec justification et date d'expiration.
    #[arg(long = "waivers", value_name = "FICHIER", help_heading = "Exécution")]
    pub(crate) waivers: Option<PathBuf>,
    /// N'exécute que la part K sur N du plan (matrice de CI parallèle), ex. 2/4 ; voir `entconf merge`.
    #[arg(long = "shard", value_name = "K/N", help_heading = "Exécution")]
    pub(crate) shard: Option<entconf::runner::Shard>,
    /// Écrit aussi bundle.zip : rapports, preuves, CERTIFICATION.json et MANIFEST.sha256 (voir `entconf bundle`).
    #[arg(long = "certify", help_heading = "Rapports")]
    pub(crate) certify: bool,
    /// Nombre de vérifications exécutées en même temps (au moins 1).
    #[arg(long = "jobs", value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64), help_heading = "Exécution")]
    pub(crate) jobs: u16,
}

/// What `run` and `demo` share: which suites, which checks, which reports.
#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    #[command(flatten)]
    pub(crate) suites: SuitesArgs,
    #[command(flatten)]
    pub(crate) selection: SelectionArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Fichier de description de la cible.
    #[arg(
        long = "target",
        value_name = "FICHIER",
        default_value = "entconf.toml"
    )]
    pub(crate) target: PathBuf,
    #[command(flatten)]
    pub(crate) plan: PlanArgs,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Défaut à injecter dans l'ENT de référence (répétable).
    #[arg(long = "fault", value_name = "DÉFAUT")]
    pub(crate) faults: Vec<Fault>,
    #[command(flatten)]
    pub(crate) plan: PlanArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Fichiers ou dossiers de suites (par défaut : ./suites).
    #[arg(value_name = "CHEMIN")]
    pub(crate) paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct IdpArgs {
    /// Adresse d'écoute des fournisseurs d'identité.
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:9400")]
    pub(crate) listen: std::net::SocketAddr,
    /// URL sous laquelle l'ENT joint les fournisseurs (par défaut http://<listen>, https://<listen>
    /// avec --tls).
    #[arg(long, value_name = "URL")]
    pub(crate) public_url: Option<String>,
    /// Sert les fournisseurs en TLS (émetteur https, comme ÉduConnect), sous un certificat émis par
    /// une AC de test : test-only-idp-ca.pem dans --keys, que l'ENT doit reconnaître.
    #[arg(long)]
    pub(crate) tls: bool,
    /// URI de redirection OpenID Connect enregistrée par l'ENT (répétable) : toute autre est
    /// refusée. Sans elle, toute URI est acceptée (exploration).
    #[arg(long = "redirect-uri", value_name = "URI")]
    pub(crate) redirect_uris: Vec<String>,
    /// Dossier de la clé de signature (créée si absente, marquée « test uniquement »).
    #[arg(long, value_name = "DOSSIER")]
    pub(crate) keys: Option<PathBuf>,
    /// Dossier de l'annuaire AAF dont l'ENT a été alimenté.
    #[arg(long, value_name = "DOSSIER")]
    pub(crate) aaf: PathBuf,
    /// Identifiant de client OpenID Connect de l'ENT.
    #[arg(long, value_name = "ID", default_value = "ent-recette")]
    pub(crate) client_id: String,
    /// Variable d'environnement qui contient le secret client (jamais en argument).
    #[arg(
        long,
        value_name = "VARIABLE",
        default_value = "ENTCONF_OIDC_CLIENT_SECRET"
    )]
    pub(crate) client_secret_env: String,
    /// Métadonnées SAML du fournisseur de service de l'ENT (URL http(s) lue au démarrage, ou
    /// fichier) : les IdP ne répondent qu'à ses points de réception et chiffrent les assertions
    /// pour sa clé de chiffrement, comme ÉduConnect. Sans elles : réponses en clair, à l'adresse
    /// que chaque demande nomme.
    #[arg(long, value_name = "URL|FICHIER")]
    pub(crate) sp_metadata: Option<String>,
    /// Où signer les réponses SAML : response (défaut d'un IdP Shibboleth, donc d'ÉduConnect),
    /// assertion ou both.
    #[arg(long, value_name = "OÙ", default_value = "response", value_parser = ["response", "assertion", "both"])]
    pub(crate) saml_signature: String,
    /// Ne chiffre pas les assertions même si les métadonnées publient une clé (essai en clair).
    #[arg(long)]
    pub(crate) no_encryption: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AafCommand {
    /// Écrit les fichiers ENT1D_Complet_<date>_{EtabEducNat,Eleve,PersEducNat,PersRelEleve}_0000.xml et la DTD.
    #[command(
        help_template = TEMPLATE,
        after_help = "Exemple :\n  entconf aaf generate --schools 3 --pupils-per-class 25 --out aaf/\n\nDonnées fictives seulement (académie 99 « BELLERIVE », domaines .test). Avec deux écoles ou\nplus, un parent est inscrit deux fois (enfants dans deux écoles) : c'est lui qui exerce le choix\nde profil (SSO-02). Même --seed, mêmes fichiers."
    )]
    Generate(AafGenerateArgs),
}

#[derive(Debug, Args)]
pub(crate) struct AafGenerateArgs {
    /// Nombre d'écoles.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub(crate) schools: u32,
    /// Classes par école.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub(crate) classes_per_school: u32,
    /// Élèves par classe.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=60))]
    pub(crate) pupils_per_class: u32,
    /// Graine du générateur (mêmes paramètres, même graine : mêmes fichiers).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub(crate) seed: u64,
    /// Date d'export écrite dans les noms de fichiers (AAAA-MM-JJ).
    #[arg(long, value_name = "DATE", default_value = "2026-09-01")]
    pub(crate) date: chrono::NaiveDate,
    /// Dossier de sortie (créé au besoin).
    #[arg(long, value_name = "DOSSIER")]
    pub(crate) out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// Résultats de référence (results.json).
    #[arg(value_name = "BASE")]
    pub(crate) base: PathBuf,
    /// Nouveaux résultats (results.json).
    #[arg(value_name = "NOUVEAU")]
    pub(crate) new: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct MergeArgs {
    /// Les results.json des parts, dans l'ordre des parts.
    #[arg(value_name = "RESULTATS", required = true, num_args = 1..)]
    pub(crate) shards: Vec<PathBuf>,
    /// Dossier des rapports fusionnés.
    #[arg(long = "out", value_name = "DOSSIER", default_value = "reports")]
    pub(crate) out: PathBuf,
    /// Formats, séparés par des virgules : console, junit, html, json.
    #[arg(
        long = "format",
        value_name = "FORMATS",
        value_delimiter = ',',
        default_value = "console,junit,html,json"
    )]
    pub(crate) formats: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum BundleCommand {
    /// Crée une paire de clés ed25519 (privée en 0600, publique à diffuser).
    #[command(
        help_template = TEMPLATE,
        after_help = "Exemple :\n  entconf bundle keygen --secret gtcn.key --public gtcn.pub"
    )]
    Keygen(KeygenArgs),
    /// Signe le manifeste d'un paquet (signature détachée ed25519 ajoutée au paquet).
    #[command(
        help_template = TEMPLATE,
        after_help = "Exemple :\n  entconf bundle sign reports/<exécution>/bundle.zip --key gtcn.key"
    )]
    Sign(SignArgs),
    /// Recalcule chaque empreinte et la signature ; nomme le premier fichier qui diffère.
    #[command(
        help_template = TEMPLATE,
        after_help = "Exemple :\n  entconf bundle verify bundle.zip --pubkey gtcn.pub\n\nCodes de sortie : 0 intact et signé (par la clé attendue si --pubkey), 1 altéré ou signature\ninvalide ou absente, 3 paquet ou clé illisible."
    )]
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct KeygenArgs {
    /// Fichier de la clé privée (créé, jamais écrasé).
    #[arg(long, value_name = "FICHIER")]
    pub(crate) secret: PathBuf,
    /// Fichier de la clé publique.
    #[arg(long, value_name = "FICHIER")]
    pub(crate) public: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    /// Le paquet (bundle.zip), réécrit signé.
    #[arg(value_name = "PAQUET")]
    pub(crate) bundle: PathBuf,
    /// Clé privée (entconf bundle keygen).
    #[arg(long, value_name = "FICHIER")]
    pub(crate) key: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// Le paquet à vérifier.
    #[arg(value_name = "PAQUET")]
    pub(crate) bundle: PathBuf,
    /// Clé publique attendue ; sans elle, la clé jointe au paquet est utilisée (signature non authentifiée).
    #[arg(long, value_name = "FICHIER")]
    pub(crate) pubkey: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct ReviewArgs {
    /// Le paquet relu.
    #[arg(value_name = "PAQUET")]
    pub(crate) bundle: PathBuf,
    /// Décision, ID=pass ou ID=fail (répétable).
    #[arg(long = "decide", value_name = "ID=pass|fail", required = true)]
    pub(crate) decisions: Vec<String>,
    /// Note du relecteur, jointe à chaque décision.
    #[arg(long, value_name = "TEXTE")]
    pub(crate) note: String,
    /// Clé privée du relecteur, qui signe le nouveau paquet.
    #[arg(long, value_name = "FICHIER")]
    pub(crate) key: PathBuf,
    /// Nouveau paquet (par défaut : <paquet>-relu.zip).
    #[arg(long, value_name = "FICHIER")]
    pub(crate) out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// Les results.json des offres, une colonne chacun, dans cet ordre.
    #[arg(value_name = "RESULTATS", required = true, num_args = 1..)]
    pub(crate) runs: Vec<PathBuf>,
    /// Page de comparaison à écrire (le CSV est écrit à côté, même nom en .csv).
    #[arg(
        long = "out",
        value_name = "FICHIER",
        default_value = "comparaison.html"
    )]
    pub(crate) out: PathBuf,
}
