//! The fault matrix: the clean reference ENT passes every check; each seeded
//! fault makes exactly its expected checks fail (or warn, or error, or n/a),
//! and no other; every check is killed by at least one fault.

use std::collections::{BTreeMap, BTreeSet};

use ent_server::Fault;
use entconf::check::Outcome;

use super::support::{catalog, findings, run_reference};

use Outcome::{Error as E, Fail as F, NotApplicable as NA, Warn as W};

/// What each SSO fault must produce (SSO-NN → outcome).
fn expected_sso(fault: Fault) -> Option<Vec<(u8, Outcome)>> {
    Some(match fault {
        Fault::OidcSkipSignature => vec![(10, F), (11, F)],
        Fault::OidcAcceptAlgNone => vec![(11, F)],
        Fault::OidcSkipIssuer => vec![(12, F)],
        Fault::OidcSkipAudience => vec![(13, F)],
        Fault::OidcSkipExpiry => vec![(14, F)],
        Fault::OidcSkipNonce => vec![(15, F), (16, F)],
        Fault::OidcSkipState => vec![(17, F)],
        Fault::OidcCodeReplay => vec![(18, F)],
        Fault::OidcCreateUnknownUser => vec![(5, F)],
        Fault::SamlAcceptUnsigned => vec![(20, F)],
        Fault::SamlTrustEmbeddedKey => vec![(21, F)],
        Fault::SamlSkipAudience => vec![(22, F)],
        Fault::SamlSkipRecipient => vec![(23, F)],
        Fault::SamlSkipDestination => vec![(24, F)],
        Fault::SamlSkipExpiry => vec![(25, F)],
        Fault::SamlNoReplayCache => vec![(26, F)],
        Fault::SamlSignatureWrapping => vec![(27, F)],
        // Session hygiene is a `should` (requirements.md SEC-02/03): warn.
        Fault::CookieNotHttpOnly | Fault::CookieNotSecure | Fault::CookieNoSameSite => {
            vec![(30, W)]
        }
        Fault::SessionFixation => vec![(31, W)],
        Fault::SessionIdInUrl => vec![(32, W)],
        Fault::LogoutSkipsIdp => vec![(33, W)],
        Fault::LogoutKeepsSession => vec![(34, W)],
        // Broken logins: the positive checks fail, and every check that
        // needs a working login of that kind cannot conclude (error).
        Fault::OidcWrongAcademyCode => {
            let mut outcomes = vec![(1, F), (2, F)];
            outcomes.extend(
                [5, 10, 11, 12, 13, 14, 15, 16, 17, 18, 30, 31, 32, 33]
                    .iter()
                    .map(|n| (*n, E)),
            );
            outcomes
        }
        Fault::NoProfileChooser => vec![(2, F)],
        Fault::SamlSha1Only => {
            let mut outcomes = vec![(3, F), (4, F)];
            outcomes.extend([20, 21, 22, 23, 24, 25, 26, 27, 34].iter().map(|n| (*n, E)));
            outcomes
        }
        Fault::AgentsNoCtemail => vec![(4, F)],
        _ => return None,
    })
}

/// What each STATS fault must produce (STATS-NN → outcome).
fn expected_stats(fault: Fault) -> Vec<(u8, Outcome)> {
    // Statistics the harness cannot read (100 MB, or not JSON): every rule
    // that reads the walked tree cannot conclude. The anonymous, privacy and
    // DNMA rules read other documents and still conclude.
    let unreadable = |own: Outcome| {
        let mut outcomes: Vec<(u8, Outcome)> =
            [1, 3, 5, 6, 7, 11, 13].iter().map(|n| (*n, E)).collect();
        outcomes.push((2, own));
        outcomes
    };
    match fault {
        Fault::StatsMissingLevel => vec![(1, F)],
        Fault::StatsScopeNotEnforced => vec![(2, F)],
        Fault::StatsNoDevice => vec![(3, F)],
        Fault::StatsNoDefinitions => vec![(5, W)],
        Fault::StatsCountsOffByOne => vec![(6, F)],
        Fault::StatsLevelSumWrong | Fault::StatsUniqueUsersSummed => vec![(7, F)],
        Fault::StatsCsvWrongColumns => vec![(8, F)],
        Fault::StatsNoSmallCellSuppression => vec![(11, W)],
        Fault::StatsWeekStartsSunday => vec![(13, W)],
        Fault::StatsAnonymousAccess => vec![(14, F)],
        Fault::StatsLeaksNames => vec![(15, F)],
        Fault::StatsDnmaMissingKeys => vec![(16, W)],
        Fault::StatsHugeResponse | Fault::StatsMalformed => unreadable(E),
        // Logins that do not work, or land in the wrong school: the scripted
        // activity cannot be played, so its counts prove nothing (error).
        Fault::OidcWrongAcademyCode
        | Fault::NoProfileChooser
        | Fault::SamlSha1Only
        | Fault::AgentsNoCtemail => vec![(6, E)],
        _ => Vec::new(),
    }
}

/// What each GAR fault must produce (GAR-NN → outcome).
fn expected_gar(fault: Fault) -> Vec<(u8, Outcome)> {
    match fault {
        Fault::GarExportInvalidXsd => vec![(2, F)],
        Fault::GarExportDanglingGroup => vec![(3, F)],
        // The IdP and the médiacentre use the stable id, no longer the
        // exported one: the GAR would not know whom they speak of, and it
        // serves no list for the exported id.
        Fault::GarExportIdsUnstable => vec![(3, F), (6, F), (8, F), (9, E)],
        Fault::GarExportMissingPupil => vec![(4, F)],
        Fault::GarExportLeaksParents => vec![(5, F)],
        Fault::GarExportBadMd5 => vec![(1, F)],
        Fault::GarAssertionUnsigned | Fault::GarAssertionLeaksName => vec![(6, F)],
        Fault::GarMetadataCertExpired => vec![(7, F)],
        Fault::GarIdpAnyIssuer | Fault::GarIdpAnyAcs => vec![(10, F)],
        // Refused by the GAR: no list to show (error, not a second failure).
        Fault::GarMediacentreNoClientCert => vec![(8, F), (9, E)],
        Fault::GarMediacentreEveryone => vec![(8, F)],
        Fault::GarMediacentreNoLinks => vec![(9, F)],
        // The pupil cannot log in: neither the IdP nor the médiacentre can
        // be asked about them (error).
        Fault::OidcWrongAcademyCode => vec![(6, E), (8, E), (9, E), (10, E)],
        // A refused archive: delivery fails, nothing else can be read.
        // The pupil's exported identifier, which the assertion and the
        // médiacentre's calls are compared with, is unknown.
        Fault::GarExportTraversal | Fault::GarExportBomb => {
            vec![
                (1, F),
                (2, E),
                (3, E),
                (4, E),
                (5, E),
                (6, E),
                (8, E),
                (9, E),
            ]
        }
        _ => Vec::new(),
    }
}

/// What each EXPORT fault must produce (EXPORT-NN → outcome).
fn expected_export(fault: Fault) -> Vec<(u8, Outcome)> {
    match fault {
        Fault::ExportAnyoneCanStart => vec![(1, F)],
        // The parent's own archive loses their comment too.
        Fault::ExportMissingComments => vec![(2, F), (10, F)],
        // The manifest is a `should`: a wrong hash there warns.
        Fault::ExportFileCorrupted => vec![(2, F), (5, W)],
        // A refused archive: nothing in it can be judged.
        // The parent's own archive is refused as unsafe: that is a failure of
        // their portability.
        Fault::ExportZipUnsafeName => {
            vec![(2, E), (4, F), (5, E), (6, E), (7, E), (10, F), (12, E)]
        }
        // Without join keys nobody can be recognised, and EXPORT-06 says why;
        // a successor can re-attach nothing.
        Fault::ExportNoNationalIds => vec![(2, F), (6, F), (7, W), (10, F)],
        Fault::ExportLinkPublic => vec![(9, F)],
        // The leaked messages name people the export does not hold: no
        // successor can place them.
        Fault::ExportOtherSchoolLeak => vec![(6, F), (7, W), (12, F)],
        // Dates without offset: the instants seeded are lost, and a strict
        // importer leaves the dated items out.
        Fault::ExportLocalDates => vec![(2, F), (7, W)],
        Fault::ReversibilityPlanIncomplete => vec![(11, W)],
        Fault::ReversibilityChargesHidden => vec![(14, W)],
        Fault::ExportReadOnly => vec![(13, W)],
        // The home page hangs: the service's read during the export times out.
        Fault::HomeHangs => vec![(13, E)],
        Fault::PortabilityWholeSchool => vec![(10, F)],
        // The parent cannot log in: no archive can be asked in their name.
        Fault::OidcWrongAcademyCode => vec![(10, E)],
        _ => Vec::new(),
    }
}

/// What each DELCERT fault must produce (DELCERT-NN → outcome).
fn expected_delcert(fault: Fault) -> Vec<(u8, Outcome)> {
    match fault {
        // The outsider's request deletes the other school's class before
        // the controller deletes the school: its certificate counts less.
        Fault::DeleteAnyone => vec![(1, F), (10, W)],
        Fault::DelcertUnsigned => vec![(2, F)],
        Fault::DelcertNoSigner => vec![(3, F)],
        Fault::DelcertBackupsLate => vec![(5, F)],
        // The certificate honestly counts no message: a wrong count too.
        Fault::DeleteKeepsMessages => vec![(4, F), (10, W)],
        // Counted on untouched data, the class still holds what the user
        // deletion should have removed.
        Fault::DelcertLies => vec![(4, F), (10, W)],
        // The content goes, the accounts still log in (and are counted).
        Fault::DeleteKeepsAccounts => vec![(4, F)],
        Fault::DeleteStatsStale => vec![(4, F)],
        Fault::DelcertDeferred => vec![(6, F)],
        Fault::DelcertProcessorsSilent => vec![(7, W)],
        Fault::DelcertNoNotifications => vec![(8, W)],
        Fault::DelcertKeepsContent => vec![(9, F)],
        Fault::DeletionLogKeepsNames => vec![(11, W)],
        // A deleted parent logs in again: the ENT re-creates the account.
        Fault::OidcCreateUnknownUser => vec![(4, F)],
        // A witness's login fails before the deletions already: its refusal
        // afterwards would prove nothing.
        Fault::OidcWrongAcademyCode | Fault::SamlSha1Only | Fault::AgentsNoCtemail => {
            vec![(4, E)]
        }
        // No archive to take the objects' ids from, nor to search after;
        // objects (comments, accounts) the export gave no id or join key.
        Fault::ExportZipUnsafeName | Fault::ExportMissingComments | Fault::ExportNoNationalIds => {
            vec![(4, E)]
        }
        _ => Vec::new(),
    }
}

/// What each fault must produce, check by check.
fn expected(fault: Fault) -> BTreeMap<String, Outcome> {
    let mut outcomes = match expected_sso(fault) {
        Some(pairs) => ids("SSO", pairs),
        None => ids("FOOTER", expected_footer(fault)),
    };
    outcomes.extend(ids("STATS", expected_stats(fault)));
    outcomes.extend(ids("GAR", expected_gar(fault)));
    outcomes.extend(ids("EXPORT", expected_export(fault)));
    outcomes.extend(ids("DELCERT", expected_delcert(fault)));
    outcomes
}

/// What each FOOTER fault must produce (FOOTER-NN → outcome).
fn expected_footer(fault: Fault) -> Vec<(u8, Outcome)> {
    let notice_unreadable: Vec<(u8, Outcome)> = [2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 19, 20]
        .iter()
        .map(|n| (*n, E))
        .collect();
    match fault {
        Fault::FooterMissingOnHome => vec![(1, F), (14, F)],
        Fault::FooterRenderedByScriptOnHome => vec![(1, E), (14, E)],
        Fault::NoticeRequiresLogin => vec![
            (2, F),
            (3, F),
            (4, F),
            (5, F),
            (6, F),
            (7, F),
            (8, F),
            (10, W),
            (11, F),
            (12, F),
            (19, W),
            (20, W),
        ],
        Fault::LegalNoticePdf => vec![(2, F), (13, E)],
        Fault::LegalPageHuge => vec![(2, E), (13, E)],
        Fault::NoticeMissingPurposes => vec![(3, F)],
        Fault::NoticeMissingRights => vec![(4, F)],
        Fault::NoticeMissingSource => vec![(5, F)],
        Fault::NoticeSingleController => vec![(6, F)],
        Fault::NoticeMissingDpo => vec![(7, F)],
        Fault::NoticeMissingCnil => vec![(8, F)],
        Fault::LoginNoFirstLayer => vec![(9, W)],
        Fault::NoticeLegalese => vec![(10, W)],
        Fault::NoticeRetentionVague => vec![(11, F)],
        Fault::NoticeRecipientsVague => vec![(12, F)],
        Fault::LegalMissingHost => vec![(13, F)],
        Fault::AccessibilityMentionMissing | Fault::AccessibilityMentionAmbiguous => {
            vec![(14, F), (16, NA)]
        }
        Fault::AccessibilityDeclarationIncomplete => vec![(15, F)],
        Fault::AccessibilityMentionOverstated => vec![(16, F)],
        Fault::TrackerBeforeConsent => vec![(17, F)],
        Fault::NoCharterLink => vec![(18, W)],
        Fault::NoticeUndated => vec![(19, W)],
        Fault::HtmlLangMissing => vec![(20, W)],
        Fault::NoticeRedirectLoop | Fault::NoticeInvalidUtf8 => notice_unreadable,
        Fault::HomeHangs => vec![(1, E), (14, E), (17, E), (20, E)],
        _ => Vec::new(),
    }
}

fn ids(suite: &str, pairs: Vec<(u8, Outcome)>) -> BTreeMap<String, Outcome> {
    pairs
        .into_iter()
        .map(|(n, o)| (format!("{suite}-{n:02}"), o))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_reference_passes_every_check() {
    let record = run_reference(&[], 4).await;
    assert_eq!(
        findings(&record),
        BTreeMap::new(),
        "the clean reference ENT must pass"
    );
    assert_eq!(record.checks.len(), catalog().checks().count());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_fault_fails_exactly_its_checks_and_every_check_can_fail() {
    let mut killed: BTreeSet<String> = BTreeSet::new();
    let mut mismatches = Vec::new();
    for fault in Fault::all() {
        let record = run_reference(&[*fault], 4).await;
        let found = findings(&record);
        let wanted = expected(*fault);
        if found != wanted {
            mismatches.push(format!(
                "{}:\n  attendu {wanted:?}\n  obtenu  {found:?}",
                fault.name()
            ));
        }
        killed.extend(
            found
                .iter()
                .filter(|(_, o)| matches!(o, Outcome::Fail | Outcome::Warn))
                .map(|(id, _)| id.clone()),
        );
    }
    assert!(
        mismatches.is_empty(),
        "fault matrix differs:\n{}",
        mismatches.join("\n")
    );
    let never: Vec<String> = catalog()
        .checks()
        .map(|c| c.id.clone())
        .filter(|id| !killed.contains(id))
        .collect();
    assert!(
        never.is_empty(),
        "checks that no fault makes fail or warn: {never:?}"
    );
}
