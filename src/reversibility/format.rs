//! The published exchange format "entconf-reversibilite/1": a ZIP holding a
//! `manifest.json`, the records as JSON under `donnees/` and the original
//! files under `fichiers/`. Completeness and the round trip can only be
//! judged against a documented format; a candidate with another native
//! format serves this one as well, as it does for the statistics API.
//!
//! Records carry the candidate's own ids and refer to one another by them;
//! schools carry their UAI and persons their AAF join key (`jointure`), the
//! national identifiers that let a new editor re-attach them. Unknown fields
//! are allowed: a candidate may export more than the format requires.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Value of the manifest's `format`.
pub const FORMAT: &str = "entconf-reversibilite";
/// Value of the manifest's `version`.
pub const VERSION: &str = "1";
/// Name of the manifest entry.
pub const MANIFEST: &str = "manifest.json";
/// Largest manifest or record file read by default, in bytes
/// (`[reversibility] max_record_file` changes it).
pub const MAX_RECORD_FILE: u64 = 32 << 20;

/// The manifest: what the archive holds, each file with its size and SHA-256.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
pub struct Manifest {
    /// Always `entconf-reversibilite`.
    pub format: String,
    /// Always `1`.
    pub version: String,
    /// What was exported.
    pub perimetre: Perimeter,
    /// When the export was made (RFC 3339).
    #[serde(default)]
    pub genere: Option<String>,
    /// Every other entry of the archive.
    pub fichiers: Vec<ManifestEntry>,
}

/// The scope of an export.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Perimeter {
    /// `ecole`, `collectivite`, or `utilisateur` (a person's own archive).
    #[serde(rename = "type")]
    pub kind: String,
    /// UAI of the school, id of the collectivité, or the person's AAF join
    /// key.
    pub id: String,
}

/// One entry listed by the manifest.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
pub struct ManifestEntry {
    /// Entry name in the archive.
    pub chemin: String,
    /// Size in bytes.
    pub octets: u64,
    /// SHA-256, lower-case hex.
    pub sha256: String,
}

/// A school.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
pub struct SchoolRecord {
    /// Candidate's id.
    pub id: String,
    /// UAI (national identifier).
    #[serde(default)]
    pub uai: Option<String>,
    /// Name.
    pub nom: String,
}

/// A class.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
pub struct ClassRecord {
    /// Candidate's id.
    pub id: String,
    /// Id of its school.
    pub ecole: String,
    /// Code in the AAF directory.
    pub code: String,
    /// Label.
    pub libelle: String,
}

/// An account.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
pub struct PersonRecord {
    /// Candidate's id.
    pub id: String,
    /// AAF join key (national identifier).
    #[serde(default)]
    pub jointure: Option<String>,
    /// `eleve`, `parent`, `enseignant` or `directeur`.
    pub profil: String,
    /// Last name.
    pub nom: String,
    /// First name.
    pub prenom: String,
    /// Ids of the schools the account belongs to.
    #[serde(default)]
    pub ecoles: Vec<String>,
    /// Ids of its classes.
    #[serde(default)]
    pub classes: Vec<String>,
    /// Ids of the children of a parent.
    #[serde(default)]
    pub enfants: Vec<String>,
}

/// A message of the messagerie.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
pub struct MessageRecord {
    /// Candidate's id.
    pub id: String,
    /// Person id of the sender.
    pub auteur: String,
    /// Person ids of the recipients.
    pub destinataires: Vec<String>,
    /// Subject.
    pub objet: String,
    /// Body.
    pub corps: String,
    /// Sending date (RFC 3339).
    pub date: String,
    /// File ids of the attachments.
    #[serde(default)]
    pub pieces_jointes: Vec<String>,
}

/// A class blog post, with its comments.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
pub struct PostRecord {
    /// Candidate's id.
    pub id: String,
    /// Class id.
    pub classe: String,
    /// Person id of the author.
    pub auteur: String,
    /// Title.
    pub titre: String,
    /// Content.
    pub contenu: String,
    /// Publication date (RFC 3339).
    pub date: String,
    /// Its comments.
    #[serde(default)]
    pub commentaires: Vec<CommentRecord>,
}

/// A comment on a post.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
pub struct CommentRecord {
    /// Candidate's id.
    pub id: String,
    /// Person id of the author.
    pub auteur: String,
    /// Text.
    pub texte: String,
    /// Date (RFC 3339).
    pub date: String,
}

/// An entry of the cahier de textes.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
pub struct HomeworkRecord {
    /// Candidate's id.
    pub id: String,
    /// Class id.
    pub classe: String,
    /// Person id of the teacher.
    pub auteur: String,
    /// Date of the lesson (RFC 3339).
    pub seance: String,
    /// Content.
    pub contenu: String,
    /// Due date (RFC 3339).
    #[serde(default)]
    pub pour_le: Option<String>,
}

/// A calendar event.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
pub struct EventRecord {
    /// Candidate's id.
    pub id: String,
    /// Class id.
    pub classe: String,
    /// Title.
    pub titre: String,
    /// Start (RFC 3339).
    pub debut: String,
    /// End (RFC 3339).
    pub fin: String,
    /// Place.
    #[serde(default)]
    pub lieu: Option<String>,
}

/// A note of the cahier de liaison, with the parents' signatures.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
pub struct NoteRecord {
    /// Candidate's id.
    pub id: String,
    /// Class id.
    pub classe: String,
    /// Person id of the author.
    pub auteur: String,
    /// Text.
    pub texte: String,
    /// Whether parents must sign it.
    pub signature_requise: bool,
    /// Signatures received.
    #[serde(default)]
    pub signatures: Vec<SignatureRecord>,
}

/// A parent's signature of a note.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
pub struct SignatureRecord {
    /// Person id of the parent.
    pub responsable: String,
    /// Date (RFC 3339).
    pub date: String,
}

/// A file of the media library or an attachment; its bytes are the archive
/// entry `chemin`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
pub struct FileRecord {
    /// Candidate's id.
    pub id: String,
    /// Original file name.
    pub nom: String,
    /// Media type.
    #[serde(rename = "type")]
    pub media_type: String,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// Size in bytes.
    pub octets: u64,
    /// Person id of the owner.
    pub proprietaire: String,
    /// Entry name in the archive.
    pub chemin: String,
}

/// The record files of the format, in documentation order.
pub const RECORD_FILES: [&str; 9] = [
    "donnees/ecoles.json",
    "donnees/classes.json",
    "donnees/personnes.json",
    "donnees/messages.json",
    "donnees/billets.json",
    "donnees/cahier_textes.json",
    "donnees/agenda.json",
    "donnees/cahier_liaison.json",
    "donnees/fichiers.json",
];

/// Every record of an export, as read from its record files.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
pub struct Records {
    /// `donnees/ecoles.json`.
    pub ecoles: Vec<SchoolRecord>,
    /// `donnees/classes.json`.
    pub classes: Vec<ClassRecord>,
    /// `donnees/personnes.json`.
    pub personnes: Vec<PersonRecord>,
    /// `donnees/messages.json`.
    pub messages: Vec<MessageRecord>,
    /// `donnees/billets.json`.
    pub billets: Vec<PostRecord>,
    /// `donnees/cahier_textes.json`.
    pub cahier_textes: Vec<HomeworkRecord>,
    /// `donnees/agenda.json`.
    pub agenda: Vec<EventRecord>,
    /// `donnees/cahier_liaison.json`.
    pub cahier_liaison: Vec<NoteRecord>,
    /// `donnees/fichiers.json`.
    pub fichiers: Vec<FileRecord>,
}

impl Records {
    /// Parses one record file into its list; the error names the line and
    /// column serde stopped at.
    pub fn absorb(&mut self, name: &str, bytes: &[u8]) -> Result<(), String> {
        fn list<T: serde::de::DeserializeOwned>(
            name: &str,
            bytes: &[u8],
        ) -> Result<Vec<T>, String> {
            serde_json::from_slice(bytes).map_err(|error| {
                format!(
                    "{name}, ligne {} colonne {} : {error}",
                    error.line(),
                    error.column()
                )
            })
        }
        match name {
            "donnees/ecoles.json" => self.ecoles = list(name, bytes)?,
            "donnees/classes.json" => self.classes = list(name, bytes)?,
            "donnees/personnes.json" => self.personnes = list(name, bytes)?,
            "donnees/messages.json" => self.messages = list(name, bytes)?,
            "donnees/billets.json" => self.billets = list(name, bytes)?,
            "donnees/cahier_textes.json" => self.cahier_textes = list(name, bytes)?,
            "donnees/agenda.json" => self.agenda = list(name, bytes)?,
            "donnees/cahier_liaison.json" => self.cahier_liaison = list(name, bytes)?,
            "donnees/fichiers.json" => self.fichiers = list(name, bytes)?,
            _ => return Err(format!("{name} : fichier de données inconnu du format")),
        }
        Ok(())
    }

    /// Every text of every record, with where it was found, for marker and
    /// identifier searches.
    pub fn texts(&self) -> Vec<(&'static str, &str)> {
        let mut texts: Vec<(&'static str, &str)> = Vec::new();
        for s in &self.ecoles {
            texts.push(("ecoles", &s.nom));
            texts.extend(s.uai.as_deref().map(|u| ("ecoles", u)));
        }
        for m in &self.messages {
            texts.push(("messages", &m.objet));
            texts.push(("messages", &m.corps));
        }
        for p in &self.billets {
            texts.push(("billets", &p.titre));
            texts.push(("billets", &p.contenu));
            for c in &p.commentaires {
                texts.push(("billets", &c.texte));
            }
        }
        for h in &self.cahier_textes {
            texts.push(("cahier_textes", &h.contenu));
        }
        for e in &self.agenda {
            texts.push(("agenda", &e.titre));
        }
        for n in &self.cahier_liaison {
            texts.push(("cahier_liaison", &n.texte));
        }
        for f in &self.fichiers {
            texts.push(("fichiers", &f.nom));
        }
        texts
    }
}

/// The JSON Schema of the format, published in
/// `suites/api/export-format.schema.json`: the manifest, and under
/// `donnees` the content of each record file (`donnees/<name>.json` holds
/// the array of the same name).
pub fn json_schema_text() -> String {
    /// An export of the format "entconf-reversibilite/1".
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct ExportFormat {
        /// `manifest.json`.
        manifest: Manifest,
        /// The record files.
        donnees: Records,
    }
    let schema = schemars::schema_for!(ExportFormat);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
