//! Subject access (UK GDPR art. 15): everything the register holds on one pupil, in a folder a
//! data-protection officer can review and hand over: `pupil.json` (complete, machine-readable),
//! `summary.html` (the same, readable) and `evidence/` (each scanned form, verified).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use register::audit::Entry;
use register::clearances::Clearance;
use register::consents::{AnswerRecord, WithdrawalRecord};
use register::flags::Flag;
use register::takedowns::Takedown;
use serde::Serialize;

use crate::backup::{create_private_dir, read_verified, write_private};
use crate::consent::{StatusFilter, StatusRow};
use crate::{Error, Result, Stamp, Store};

/// The `format` value of `pupil.json`.
pub const FORMAT: &str = "clearshot-subject-access/1";

/// The pupil's register record.
#[derive(Debug, Clone, Serialize)]
pub struct PupilRecord {
    pub upn: String,
    /// The pseudonymous id the audit log names the pupil by.
    pub subject_id: String,
    pub legal_forename: String,
    pub legal_surname: String,
    pub preferred_forename: Option<String>,
    pub preferred_surname: Option<String>,
    pub dob: NaiveDate,
    pub academy_code: String,
    pub academy_name: Option<String>,
    pub reg_group: Option<String>,
    pub admission_number: Option<String>,
    /// The year group as the school's MIS recorded it, and for which academic year.
    pub recorded_year_group: i32,
    pub recorded_for_academic_year: i32,
    /// The year group on the export date.
    pub year_group: i32,
    pub year_group_label: String,
    /// The day the pupil joined the roll, when the register knows it.
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
}

/// One evidence file in the export.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceFile {
    pub sha256: String,
    /// Relative to the export folder; `None` when the file could not be exported.
    pub file: Option<String>,
    pub verified: bool,
    pub problem: Option<String>,
}

/// `pupil.json`.
#[derive(Debug, Clone, Serialize)]
pub struct SubjectAccess {
    pub format: String,
    pub generated_at: String,
    pub generated_by: String,
    pub on: NaiveDate,
    pub pupil: PupilRecord,
    /// Every flag, set or cleared, with its reason. A never-publish flag's reasons (and the
    /// reasons given for revealing them) are withheld unless the DPO asked for them
    /// (`safeguarding_reasons_included`): the person asking may be the one the child is
    /// protected from.
    pub flags: Vec<Flag>,
    pub safeguarding_reasons_included: bool,
    pub consent_answers: Vec<AnswerRecord>,
    pub consent_withdrawals: Vec<WithdrawalRecord>,
    /// Consent status per channel on the export date.
    pub consent_status: Vec<StatusRow>,
    /// Photos cleared for publication that name the pupil.
    pub clearances: Vec<Clearance>,
    pub takedowns: Vec<Takedown>,
    /// Audit entries about the pupil (by their pseudonymous subject), oldest first.
    pub audit_entries: Vec<Entry>,
    pub evidence: Vec<EvidenceFile>,
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "SubjectAccessExport"))]
pub struct Exported {
    pub upn: String,
    pub dir: PathBuf,
    pub files: Vec<String>,
    pub consent_answers: usize,
    pub flags: usize,
    pub clearances: usize,
    pub takedowns: usize,
    pub audit_entries: usize,
    pub evidence_files: usize,
    /// Evidence files that are missing or damaged (named in `pupil.json`).
    pub evidence_problems: Vec<String>,
}

/// Collects everything held on one pupil (no files written, nothing audited).
/// What a subject access export says in place of a never-publish flag's reason.
pub const WITHHELD_FROM_EXPORT: &str = "(withheld: safeguarding. Disclosing it could put the child at risk; the data protection officer decides whether it is released)";

pub fn collect(
    store: &Store,
    upn: &str,
    on: NaiveDate,
    stamp: &Stamp,
    include_safeguarding_reasons: bool,
) -> Result<SubjectAccess> {
    let log = AuditIndex::load(&store.conn)?;
    collect_from(store, upn, on, stamp, include_safeguarding_reasons, &log)
}

/// The audit log read once, each entry filed under the subjects it is about or names in its
/// details (`pupil:<uuid>`, `takedown:<id>`) and the clearance a photo export names: for the
/// exports of many pupils (a retention purge's archive), which read the log once, not once
/// for each pupil. The same entries as `register::audit::mentions` finds.
pub(crate) struct AuditIndex {
    entries: Vec<Entry>,
    by_subject: HashMap<String, Vec<usize>>,
    by_clearance: HashMap<String, Vec<usize>>,
}

impl AuditIndex {
    pub(crate) fn load(conn: &register::Connection) -> Result<AuditIndex> {
        let entries = register::audit::list(conn, None, None)?;
        let mut by_subject: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_clearance: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let mut named: Vec<String> = e.subject.iter().cloned().collect();
            if let Some(p) = &e.payload {
                let text = p.to_string();
                let mut rest = text.as_str();
                while let Some(at) = rest.find("pupil:") {
                    let id = rest[at + 6..].chars().take(36).collect::<String>();
                    if id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
                        named.push(format!("pupil:{id}"));
                    }
                    rest = &rest[at + 6..];
                }
                if e.action.starts_with("photo.export")
                    && let Some(c) = p.get("clearance_id").and_then(|c| c.as_str())
                {
                    by_clearance.entry(c.to_owned()).or_default().push(i);
                }
            }
            named.sort();
            named.dedup();
            for n in named {
                by_subject.entry(n).or_default().push(i);
            }
        }
        Ok(AuditIndex {
            entries,
            by_subject,
            by_clearance,
        })
    }

    /// The entries about any of `subjects` (or naming one), and the exports of `clearances`,
    /// in the log's order.
    fn about(&self, subjects: &[String], clearances: &[&str]) -> Vec<Entry> {
        let mut at: Vec<usize> = subjects
            .iter()
            .filter_map(|s| self.by_subject.get(s))
            .chain(clearances.iter().filter_map(|c| self.by_clearance.get(*c)))
            .flatten()
            .copied()
            .collect();
        at.sort_unstable();
        at.dedup();
        at.into_iter().map(|i| self.entries[i].clone()).collect()
    }
}

pub(crate) fn collect_from(
    store: &Store,
    upn: &str,
    on: NaiveDate,
    stamp: &Stamp,
    include_safeguarding_reasons: bool,
    log: &AuditIndex,
) -> Result<SubjectAccess> {
    let conn = &store.conn;
    let p = register::pupils::require(conn, upn)?;
    let academy_name = register::academies::by_code(conn, &p.academy)?.map(|a| a.name);
    let year_group = crate::pupils::year_group_on(&p, on);
    let answers = register::consents::answers_of(conn, p.id)?;
    let consent_status = crate::consent::status(store, &StatusFilter::pupil(&p.upn), on)?;
    let takedowns: Vec<register::takedowns::Takedown> = register::takedowns::list(conn, false)?
        .into_iter()
        .filter(|t| t.upn.as_deref() == Some(p.upn.as_str()))
        .collect();
    let clearances = register::clearances::of_pupil(conn, p.id)?;
    let withdrawals = register::consents::withdrawals_of(conn, p.id)?;
    let mut hashes: Vec<String> = answers
        .iter()
        .filter_map(|a| a.evidence_sha256.clone())
        .chain(withdrawals.iter().filter_map(|w| w.evidence_sha256.clone()))
        .collect();
    hashes.sort();
    hashes.dedup();
    let mut flags = register::flags::of_pupil(conn, p.id)?;
    // The entries about the pupil (under any of their subjects), and what happened to the
    // photos that name them: each export of their safe copy (or its refusal), and each
    // takedown task of theirs ticked off. (Entries about another child in the same photo stay
    // out.)
    let mut subjects = register::pupils::subjects(conn, &p)?;
    subjects.extend(takedowns.iter().map(|t| format!("takedown:{}", t.id)));
    let theirs: Vec<&str> = clearances.iter().map(|c| c.id.as_str()).collect();
    let mut audit_entries = log.about(&subjects, &theirs);
    if !include_safeguarding_reasons {
        for f in flags
            .iter_mut()
            .filter(|f| f.kind == register::flags::FlagKind::NeverPublish)
        {
            f.reason = WITHHELD_FROM_EXPORT.to_owned();
            if f.cleared_reason.is_some() {
                f.cleared_reason = Some(WITHHELD_FROM_EXPORT.to_owned());
            }
        }
        for e in &mut audit_entries {
            register::audit::withhold_safeguarding(e, &["reason", "why"], WITHHELD_FROM_EXPORT);
        }
    }
    Ok(SubjectAccess {
        format: FORMAT.to_string(),
        generated_at: stamp.at.clone(),
        generated_by: stamp.actor.clone(),
        on,
        flags,
        safeguarding_reasons_included: include_safeguarding_reasons,
        consent_withdrawals: withdrawals,
        consent_status,
        clearances,
        takedowns,
        audit_entries,
        evidence: hashes
            .into_iter()
            .map(|sha256| EvidenceFile {
                sha256,
                file: None,
                verified: false,
                problem: None,
            })
            .collect(),
        consent_answers: answers,
        pupil: PupilRecord {
            upn: p.upn.clone(),
            subject_id: p.subject_id.clone(),
            legal_forename: p.legal_forename.clone(),
            legal_surname: p.legal_surname.clone(),
            preferred_forename: p.preferred_forename.clone(),
            preferred_surname: p.preferred_surname.clone(),
            dob: p.dob,
            academy_code: p.academy.clone(),
            academy_name,
            reg_group: p.reg_group.clone(),
            admission_number: p.admission_number.clone(),
            recorded_year_group: p.year_group,
            recorded_for_academic_year: p.year_group_academic_year,
            year_group,
            year_group_label: rules::year::year_group_label(year_group),
            joined_on: p.joined_on,
            left_on: p.left_on,
        },
    })
}

/// Writes the subject access export of one pupil into `out` (a new or empty folder, made
/// readable by its owner only) and records the export in the audit log.
pub fn export(
    store: &mut Store,
    upn: &str,
    out: &Path,
    on: NaiveDate,
    include_safeguarding_reasons: bool,
    stamp: &Stamp,
) -> Result<Exported> {
    let exported = write_export(
        store,
        upn,
        out,
        on,
        include_safeguarding_reasons,
        stamp,
        None,
    )?;
    let p = register::pupils::require(&store.conn, upn)?;
    let tx = register::begin(&mut store.conn)?;
    stamp.audit(
        &tx,
        "pupil.export",
        Some(&p.subject()),
        serde_json::json!({
            "kind": "subject_access", "out": out, "on": on, "files": exported.files.len(),
            "safeguarding_reasons_included": include_safeguarding_reasons,
            "evidence_problems": exported.evidence_problems.len(),
        }),
    )?;
    tx.commit()?;
    Ok(exported)
}

/// [`export`] into a new folder of its own, `subject-access-UPN-DATE`, under
/// `REGISTER.exports/` beside the register (readable by its owner only): the app's export, for
/// the DPO to check and then send.
pub fn export_beside_register(
    store: &mut Store,
    upn: &str,
    on: NaiveDate,
    stamp: &Stamp,
) -> Result<Exported> {
    let root = store
        .exports_dir()
        .ok_or_else(|| Error::Invalid("an in-memory register has no folder to export to".into()))?;
    create_private_dir(&root)?;
    let upn_typed = upn.trim().to_uppercase();
    let out = crate::backup::unused(&root.join(format!("subject-access-{upn_typed}-{on}")));
    export(store, upn, &out, on, false, stamp)
}

/// [`export`]'s files, without its audit entry: for a caller that records the export its own
/// way (a retention purge's archive, one entry for every pupil it archives).
pub(crate) fn write_export(
    store: &Store,
    upn: &str,
    out: &Path,
    on: NaiveDate,
    include_safeguarding_reasons: bool,
    stamp: &Stamp,
    log: Option<&AuditIndex>,
) -> Result<Exported> {
    let mut sar = match log {
        Some(log) => collect_from(store, upn, on, stamp, include_safeguarding_reasons, log)?,
        None => collect(store, upn, on, stamp, include_safeguarding_reasons)?,
    };
    if out.exists() {
        let empty = std::fs::read_dir(out)
            .map_err(|source| Error::Io {
                path: out.to_path_buf(),
                source,
            })?
            .next()
            .is_none();
        if !empty {
            return Err(Error::Invalid(format!(
                "{} is not empty; export into a new folder",
                out.display()
            )));
        }
    }
    create_private_dir(out)?;
    let mut files = Vec::new();
    let mut evidence_problems = Vec::new();
    if !sar.evidence.is_empty() {
        let dir = out.join("evidence");
        create_private_dir(&dir)?;
        for ev in &mut sar.evidence {
            let stored = crate::evidence::path_of(store, &ev.sha256);
            let result = match &stored {
                Some(path) => read_verified(path, &ev.sha256),
                None => Err("an in-memory register keeps no evidence files".to_string()),
            };
            match result {
                Ok(bytes) => {
                    let name = format!("{}.{}", ev.sha256, extension(&bytes));
                    write_private(&dir.join(&name), &bytes)?;
                    ev.file = Some(format!("evidence/{name}"));
                    ev.verified = true;
                    files.push(format!("evidence/{name}"));
                }
                Err(problem) => {
                    evidence_problems.push(problem.clone());
                    ev.problem = Some(problem);
                }
            }
        }
    }
    let json = serde_json::to_string_pretty(&sar)
        .map_err(|e| Error::Invalid(format!("cannot write pupil.json: {e}")))?;
    write_private(&out.join("pupil.json"), json.as_bytes())?;
    write_private(&out.join("summary.html"), summary_html(&sar).as_bytes())?;
    files.insert(0, "summary.html".to_string());
    files.insert(0, "pupil.json".to_string());
    Ok(Exported {
        upn: sar.pupil.upn,
        dir: out.to_path_buf(),
        files,
        consent_answers: sar.consent_answers.len(),
        flags: sar.flags.len(),
        clearances: sar.clearances.len(),
        takedowns: sar.takedowns.len(),
        audit_entries: sar.audit_entries.len(),
        evidence_files: sar.evidence.iter().filter(|e| e.verified).count(),
        evidence_problems,
    })
}

/// A file extension for a scanned form, from its first bytes, so it opens with a double-click.
fn extension(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"%PDF") {
        "pdf"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "jpg"
    } else if bytes.starts_with(b"\x89PNG") {
        "png"
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        "tif"
    } else {
        "bin"
    }
}

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(|v| esc(&v.to_string())).unwrap_or_default()
}

fn table(out: &mut String, title: &str, header: &[&str], rows: Vec<Vec<String>>) {
    out.push_str(&format!("<h2>{}</h2>\n", esc(title)));
    if rows.is_empty() {
        out.push_str("<p>None held.</p>\n");
        return;
    }
    out.push_str("<table>\n<tr>");
    for h in header {
        out.push_str(&format!("<th>{}</th>", esc(h)));
    }
    out.push_str("</tr>\n");
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            // Cells are escaped by the callers (some hold a link).
            out.push_str(&format!("<td>{c}</td>"));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

/// The readable page: the same content as `pupil.json`, every value escaped.
pub fn summary_html(s: &SubjectAccess) -> String {
    let p = &s.pupil;
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!(
        "<title>Subject access: {}</title>\n",
        esc(&format!("{} {}", p.legal_forename, p.legal_surname))
    ));
    out.push_str(
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}\
         table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #999;padding:.2em .5em;text-align:left;vertical-align:top}\
         th{background:#eee}code{font-size:.85em;word-break:break-all}</style>\n</head>\n<body>\n",
    );
    out.push_str(&format!(
        "<h1>Information held about {} {}</h1>\n",
        esc(&p.legal_forename),
        esc(&p.legal_surname)
    ));
    out.push_str(&format!(
        "<p>Produced by ClearShot on {} by {}. Everything the photo-consent register holds on this pupil is listed below; the same information is in <code>pupil.json</code>, and the scanned consent forms are in the <code>evidence</code> folder.</p>\n",
        esc(&s.generated_at),
        esc(&s.generated_by)
    ));
    let details: Vec<(&str, String)> = vec![
        ("UPN", esc(&p.upn)),
        ("Legal forename", esc(&p.legal_forename)),
        ("Legal surname", esc(&p.legal_surname)),
        ("Preferred forename", opt(&p.preferred_forename)),
        ("Preferred surname", opt(&p.preferred_surname)),
        ("Date of birth", esc(&p.dob.to_string())),
        (
            "Academy",
            format!("{} {}", esc(&p.academy_code), opt(&p.academy_name)),
        ),
        ("Registration group", opt(&p.reg_group)),
        ("Admission number", opt(&p.admission_number)),
        (
            "Year group",
            format!(
                "{} on {} (recorded by the school as {} for {}/{})",
                esc(&p.year_group_label),
                esc(&s.on.to_string()),
                p.recorded_year_group,
                p.recorded_for_academic_year,
                (p.recorded_for_academic_year + 1) % 100
            ),
        ),
        ("Joined on", opt(&p.joined_on)),
        ("Left on", opt(&p.left_on)),
        (
            "Pseudonymous id",
            format!("<code>{}</code>", esc(&p.subject_id)),
        ),
    ];
    table(
        &mut out,
        "Register record",
        &["", ""],
        details.into_iter().map(|(k, v)| vec![esc(k), v]).collect(),
    );
    table(
        &mut out,
        "Flags",
        &[
            "kind",
            "reason",
            "set on",
            "set by",
            "cleared on",
            "cleared because",
            "cleared by",
        ],
        s.flags
            .iter()
            .map(|f| {
                vec![
                    esc(f.kind.as_str()),
                    esc(&f.reason),
                    esc(&f.set_on.to_string()),
                    esc(&f.set_by),
                    opt(&f.cleared_on),
                    opt(&f.cleared_reason),
                    opt(&f.cleared_by),
                ]
            })
            .collect(),
    );
    // A scanned form or message: a link to its copy in the export, or its hash when missing.
    let evidence_cell = |hash: &Option<String>| -> String {
        hash.as_ref()
            .map(|h| {
                match s
                    .evidence
                    .iter()
                    .find(|e| &e.sha256 == h)
                    .and_then(|e| e.file.as_ref())
                {
                    Some(file) => format!("<a href=\"{}\">{}</a>", esc(file), esc(file)),
                    None => format!("<code>{}</code> (not available)", esc(h)),
                }
            })
            .unwrap_or_default()
    };
    table(
        &mut out,
        "Consent answers",
        &[
            "signed on",
            "signatory",
            "signed by",
            "relationship",
            "channel",
            "answer",
            "expires",
            "form",
            "recorded",
            "scanned form",
        ],
        s.consent_answers
            .iter()
            .map(|a| {
                vec![
                    esc(&a.signed_on.to_string()),
                    esc(a.signatory.as_str()),
                    opt(&a.signer_name),
                    opt(&a.relationship),
                    esc(a.channel.as_str()),
                    match &a.voided {
                        None => {
                            if a.granted {
                                "yes".into()
                            } else {
                                "no".into()
                            }
                        }
                        Some(why) => format!(
                            "{} (void, recorded in error: {}; it does not count)",
                            if a.granted { "yes" } else { "no" },
                            esc(why)
                        ),
                    },
                    opt(&a.expires_on),
                    format!("<code>{}</code>", esc(&a.form_id)),
                    format!("{} by {}", esc(&a.recorded_at), esc(&a.recorded_by)),
                    evidence_cell(&a.evidence_sha256),
                ]
            })
            .collect(),
    );
    table(
        &mut out,
        "Withdrawals of consent",
        &[
            "from",
            "signatory",
            "asked by",
            "relationship",
            "channel",
            "how it came",
            "recorded",
            "message or letter",
        ],
        s.consent_withdrawals
            .iter()
            .map(|w| {
                vec![
                    esc(&w.withdrawn_on.to_string()),
                    esc(w.signatory.as_str()),
                    opt(&w.signer_name),
                    opt(&w.relationship),
                    esc(w.channel.as_str()),
                    opt(&w.note),
                    format!("{} by {}", esc(&w.recorded_at), esc(&w.recorded_by)),
                    evidence_cell(&w.evidence_sha256),
                ]
            })
            .collect(),
    );
    table(
        &mut out,
        &format!("Consent status on {}", s.on),
        &["channel", "status", "detail"],
        s.consent_status
            .iter()
            .map(|r| {
                vec![
                    esc(r.channel.as_str()),
                    esc(r.status.as_str()),
                    esc(&r.detail),
                ]
            })
            .collect(),
    );
    table(
        &mut out,
        "Photos cleared for publication that name this pupil",
        &[
            "cleared on",
            "channel",
            "academy",
            "by",
            "photo (SHA-256)",
            "caption",
        ],
        s.clearances
            .iter()
            .map(|c| {
                vec![
                    esc(&c.cleared_on.to_string()),
                    esc(&c.channel),
                    esc(&c.academy),
                    esc(&c.staff_email),
                    format!("<code>{}</code>", esc(&c.photo_sha256)),
                    opt(&c.caption),
                ]
            })
            .collect(),
    );
    table(
        &mut out,
        "Takedown tasks",
        &[
            "raised on",
            "cause",
            "photo (SHA-256)",
            "channel",
            "done",
            "note",
        ],
        s.takedowns
            .iter()
            .map(|t| {
                vec![
                    esc(&t.raised_on.to_string()),
                    esc(&t.cause),
                    format!("<code>{}</code>", esc(&t.photo_sha256)),
                    esc(&t.channel),
                    match (&t.done_at, &t.done_by) {
                        (Some(at), Some(by)) => format!("{} by {}", esc(at), esc(by)),
                        (Some(at), None) => esc(at),
                        _ => "open".into(),
                    },
                    opt(&t.note),
                ]
            })
            .collect(),
    );
    table(
        &mut out,
        "Audit log entries about this pupil",
        &["#", "at", "by", "action", "details"],
        s.audit_entries
            .iter()
            .map(|e| {
                vec![
                    e.seq.to_string(),
                    esc(&e.at),
                    esc(&e.actor),
                    esc(&e.action),
                    e.payload
                        .as_ref()
                        .map(|p| format!("<code>{}</code>", esc(&p.to_string())))
                        .unwrap_or_else(|| "(redacted)".into()),
                ]
            })
            .collect(),
    );
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escaping_neutralises_markup_in_names() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }

    #[test]
    fn scanned_forms_get_an_extension_from_their_content() {
        assert_eq!(extension(b"%PDF-1.7"), "pdf");
        assert_eq!(extension(&[0xFF, 0xD8, 0xFF, 0xE0]), "jpg");
        assert_eq!(extension(b"hello"), "bin");
    }
}
