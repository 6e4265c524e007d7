//! Clearing a photo for publication: evidence, provenance, every rule, the verdict, the audit
//! entry, and the safe export copy.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::NaiveDate;
use photo::{Evidence, PerceptualHash};
use register::devices::Device;
use register::flags::FlagKind;
use rules::clearance::{ProvenanceLevel, Rule, RuleOutcome, Verdict};
use rules::consent::{Channel, ConsentStatus};
use serde::Serialize;

use crate::consent::StatusFilter;
use crate::{Error, Result, Stamp, Store};

/// The long edge of an exported copy unless asked otherwise: enough for every social platform.
pub const DEFAULT_MAX_EDGE: u32 = photo::WORKING_EDGE;

impl From<photo::PhotoError> for Error {
    fn from(e: photo::PhotoError) -> Self {
        Error::Photo(e.to_string())
    }
}

/// A path as text for JSON: a file name that is not UTF-8 (Latin-1 names from an old zip or a
/// camera card) is written with U+FFFD for the bytes it cannot show, never dropped.
pub fn lossy_path<S: serde::Serializer>(path: &Path, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&path.to_string_lossy())
}

/// `photos inspect` for one file: the evidence, with the path.
#[derive(Debug, Clone, Serialize)]
pub struct Inspected {
    #[serde(serialize_with = "lossy_path")]
    pub path: PathBuf,
    #[serde(flatten)]
    pub evidence: Evidence,
}

pub fn inspect(path: &Path) -> Result<Inspected> {
    let bytes = photo::read_file(path)?;
    Ok(Inspected {
        path: path.to_path_buf(),
        evidence: photo::inspect(&bytes)?,
    })
}

/// The date part of an EXIF `taken_at` ("2024-05-01T10:00:00+01:00").
fn taken_on(evidence: &Evidence) -> Option<NaiveDate> {
    evidence.taken_at.as_deref().and_then(day_of)
}

/// The day of a time written as ISO 8601 ("2026-10-01T10:30:00+01:00").
fn day_of(time: &str) -> Option<NaiveDate> {
    time.get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// The provenance found for a photo.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Provenance {
    pub level: ProvenanceLevel,
    pub device: Option<String>,
    /// In words: what matched.
    pub evidence: String,
}

/// "Canon EOS 250D" for make "Canon" and model "Canon EOS 250D" (the model often repeats the
/// make), "NIKON CORPORATION NIKON D5300" as "NIKON D5300"; otherwise make and model.
fn camera_words(make: &str, model: &str) -> String {
    let (make, model) = (make.trim(), model.trim());
    let maker = maker_words(make);
    if !maker.is_empty() && words(model).starts_with(&maker) {
        model.to_string()
    } else {
        format!("{make} {model}")
    }
}

/// The words of a make or model as compared: letters and digits, lower case.
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Words a camera maker's name carries in EXIF and not on the body's badge.
const MAKER_SUFFIXES: &[&str] = &[
    "corporation",
    "corp",
    "inc",
    "co",
    "ltd",
    "limited",
    "company",
    "imaging",
    "optical",
    "techwin",
    "electric",
    "electronics",
    "digital",
    "camera",
    "cameras",
    "gmbh",
    "ag",
];

fn maker_words(s: &str) -> Vec<String> {
    words(s)
        .into_iter()
        .filter(|w| !MAKER_SUFFIXES.contains(&w.as_str()))
        .collect()
}

/// Names one maker writes under another: Pentax bodies since 2013 write "RICOH IMAGING",
/// Olympus's successor "OM Digital Solutions", and the badge may say "Fuji".
const MAKER_ALIASES: &[&[&str]] = &[
    &["pentax", "ricoh"],
    &[
        "olympus",
        "om",
        "omsystem",
        "omsolutions",
        "omdigitalsolutions",
    ],
    &["fujifilm", "fuji"],
    &["konicaminolta", "konica", "minolta"],
];

fn maker_key(s: &str) -> String {
    let joined: String = maker_words(s).concat();
    MAKER_ALIASES
        .iter()
        .find(|group| group.contains(&joined.as_str()))
        .map_or(joined, |group| group[0].to_string())
}

/// A photo's make against a device's, as an office registers it from the badge: "NIKON" is
/// the "NIKON CORPORATION" the camera writes, "Olympus" its "OLYMPUS IMAGING CORP.", "Pentax"
/// a K-70's "RICOH IMAGING COMPANY, LTD.".
fn same_make(photo: &str, device: &str) -> bool {
    let (p, d) = (maker_key(photo), maker_key(device));
    !p.is_empty() && p == d
}

/// A photo's model against a device's, with or without the maker's name in front: "Canon EOS
/// 250D" is the "EOS 250D" on the badge, "NIKON D5300" the "D5300".
fn same_model(photo: &str, device: &str, make: &str) -> bool {
    // Letters and digits run together ("EOS250D", "E-1"), the maker's name in front and
    // "DIGITAL" behind left off ("Canon EOS 300D DIGITAL").
    let key = |s: &str| -> String {
        let mut w = words(s);
        let m = maker_words(make);
        if !m.is_empty() && w.starts_with(&m) {
            w.drain(..m.len());
        }
        if w.last().is_some_and(|l| l == "digital") {
            w.pop();
        }
        w.concat()
    };
    let (p, d) = (key(photo), key(device));
    if p.is_empty() || d.is_empty() {
        return false;
    }
    // A series name on the badge the EXIF leaves out, or the other way round ("Lumix
    // DMC-FZ3" for "DMC-FZ3"): the shorter must be a model number (4 characters or more, with
    // a digit) that ends the longer.
    let (short, long) = if p.len() <= d.len() {
        (&p, &d)
    } else {
        (&d, &p)
    };
    p == d
        || (short.len() >= 4
            && short.chars().any(|c| c.is_ascii_digit())
            && long.ends_with(short.as_str()))
}

/// A serial number as compared: letters and digits only, in upper case, leading zeros dropped
/// from an all-digit serial, and Nikon's "NO=" prefix dropped. So "NO= 20025585" (a Nikon D70's
/// maker note), "20025585" (the body's label) and Canon's "0560018150" (ExifTool's display of
/// 560018150) each match what an office types.
fn serial_key(serial: &str) -> String {
    let s = serial.trim();
    let s = match s.get(..3) {
        Some(p) if p.eq_ignore_ascii_case("NO=") => &s[3..],
        _ => s,
    };
    let key: String = s
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if key.bytes().all(|b| b.is_ascii_digit()) {
        let trimmed = key.trim_start_matches('0');
        if trimmed.is_empty() {
            key
        } else {
            trimmed.to_owned()
        }
    } else {
        key
    }
}

fn same_serial(a: &str, b: &str) -> bool {
    let (a, b) = (serial_key(a), serial_key(b));
    !a.is_empty() && a == b
}

/// When a ledger photo was taken: its EXIF time, or else at the latest the day its bytes were
/// ingested (they existed then).
fn ledger_taken_on(entry: &register::ledger::LedgerEntry) -> Option<NaiveDate> {
    entry
        .taken_at
        .as_deref()
        .and_then(day_of)
        .or_else(|| day_of(&entry.ingested_at))
}

/// Finds the strongest evidence that a photo was captured on a registered, unretired device
/// (DOMAIN.md, rule 4). C2PA manifests are not read (see README: no maintained pure-Rust C2PA
/// reader fits this build), so the strongest level reached here is the ledger.
pub fn provenance(
    store: &Store,
    sha256: &str,
    evidence: &Evidence,
    phash: impl FnOnce() -> Result<PerceptualHash>,
    on: NaiveDate,
) -> Result<Provenance> {
    let devices = register::devices::list(&store.conn)?;
    let by_id = |id: i64| devices.iter().find(|d| d.id == id);
    let shot_on = taken_on(evidence).unwrap_or(on);
    let undated = if taken_on(evidence).is_none() {
        " (the photo does not say when it was taken, so the day of the check counts)"
    } else {
        ""
    };
    let mut notes = Vec::new();

    if let Some(entry) = register::ledger::by_sha256(&store.conn, sha256)?
        && let Some(d) = by_id(entry.device_id)
    {
        {
            let taken = ledger_taken_on(&entry).unwrap_or(shot_on);
            if d.counts_on(taken) {
                return Ok(Provenance {
                    level: ProvenanceLevel::Ledger,
                    device: Some(d.label.clone()),
                    evidence: format!(
                        "these exact bytes were ingested from {} on {}",
                        d.label,
                        entry.ingested_at.get(..10).unwrap_or(&entry.ingested_at)
                    ),
                });
            }
            notes.push(format!(
                "in the ledger for {}, but taken after it was retired on {}{}",
                d.label,
                d.retired_on.map(|r| r.to_string()).unwrap_or_default(),
                undated
            ));
        }
    }

    let ledger = register::ledger::all(&store.conn)?;
    if !ledger.is_empty() {
        let hash = phash()?;
        if !hash.has_detail() {
            notes.push(
                "too plain a picture to recognise as a copy of a ledger photo by its look".into(),
            );
        }
        // The time the shutter fired, to the second, when the EXIF says: a copy keeps it, and
        // a different one means a different photo however alike they look.
        let second = |t: Option<&str>| t.and_then(|t| t.get(..19)).map(str::to_owned);
        let taken = second(evidence.taken_at.as_deref());
        // A photo that names a camera other than the device the ledger photo came from is
        // another camera's shot of the same moment (a teacher's phone beside the school's
        // camera), not a copy: an edit keeps the EXIF or drops it, it does not change it.
        let other_camera_than = |d: &Device| {
            let present = |v: &Option<String>| v.as_deref().is_some_and(|t| !t.trim().is_empty());
            (present(&evidence.make)
                && !evidence
                    .make
                    .as_deref()
                    .is_some_and(|m| same_make(m, &d.make)))
                || (present(&evidence.model)
                    && !evidence
                        .model
                        .as_deref()
                        .is_some_and(|m| same_model(m, &d.model, &d.make)))
        };
        let best = ledger
            .iter()
            .filter_map(|e| {
                if by_id(e.device_id).is_some_and(other_camera_than) {
                    return None;
                }
                let theirs = second(e.taken_at.as_deref());
                let timed = taken.is_some() && theirs.is_some();
                if timed && taken != theirs {
                    return None;
                }
                // Without both times, only a near-exact look is a copy (a second shot of the
                // same scene on a personal phone, sent on WhatsApp, carries no time).
                let within = if timed {
                    photo::SIMILAR_MAX_DISTANCE
                } else {
                    photo::SIMILAR_UNTIMED_MAX_DISTANCE
                };
                PerceptualHash::from_hex(&e.phash)
                    .ok()
                    .filter(|h| h.is_similar(&hash) && h.distance(&hash) <= within)
                    .map(|h| (h.distance(&hash), e))
            })
            .min_by_key(|(dist, _)| *dist);
        if let Some((dist, entry)) = best
            && let Some(d) = by_id(entry.device_id)
        {
            // A copy was taken when its original was: the ledger knows when that was, or at
            // the latest the day it was ingested.
            let taken = taken_on(evidence)
                .or_else(|| ledger_taken_on(entry))
                .unwrap_or(shot_on);
            if d.counts_on(taken) {
                return Ok(Provenance {
                    level: ProvenanceLevel::LedgerSimilar,
                    device: Some(d.label.clone()),
                    evidence: format!(
                        "a resized or edited copy of a photo ingested from {} (perceptual distance {dist})",
                        d.label
                    ),
                });
            }
            notes.push(format!(
                "similar to a photo from {}, but taken after it was retired on {}{}",
                d.label,
                d.retired_on.map(|r| r.to_string()).unwrap_or_default(),
                undated
            ));
        } else if hash.has_detail() {
            notes.push(
                "no photo in the ledger looks like it (a copy cropped by more than about 2% a side, or rotated, is not recognised: use the original file from the card)"
                    .into(),
            );
        }
    }

    let make_matches = |d: &Device| {
        evidence
            .make
            .as_deref()
            .is_some_and(|m| same_make(m, &d.make))
    };
    let model_matches = |d: &Device| {
        evidence
            .model
            .as_deref()
            .is_some_and(|m| same_model(m, &d.model, &d.make))
    };
    let serial = evidence.serial.as_deref().filter(|s| !s.trim().is_empty());
    // Serials are unique within a make and model only, and a camera writes both: a serial with
    // neither, or with another make or model, is not that device's (and is named, so that a
    // device registered with the wrong make or model can be put right).
    if let Some(serial) = serial {
        for d in devices.iter().filter(|d| {
            d.serial.as_deref().is_some_and(|s| same_serial(s, serial))
                && !(make_matches(d) && model_matches(d))
        }) {
            notes.push(format!(
                "the serial number matches {}, but {} ({} {}): a serial counts only with the make and model of the device",
                d.label,
                match (&evidence.make, &evidence.model) {
                    (None, None) => "the photo names no make or model".to_string(),
                    (m, o) => format!(
                        "the photo says {} {}",
                        m.as_deref().unwrap_or("(no make)").trim(),
                        o.as_deref().unwrap_or("(no model)").trim()
                    ),
                },
                d.make,
                d.model
            ));
        }
    }
    if let Some(serial) = serial
        && let Some(d) = devices.iter().find(|d| {
            d.serial.as_deref().is_some_and(|s| same_serial(s, serial))
                && make_matches(d)
                && model_matches(d)
        })
    {
        {
            if d.counts_on(shot_on) {
                return Ok(Provenance {
                    level: ProvenanceLevel::Serial,
                    device: Some(d.label.clone()),
                    evidence: format!(
                        "serial number {serial} ({}) matches {}",
                        evidence.serial_tag.as_deref().unwrap_or("EXIF"),
                        d.label
                    ),
                });
            }
            notes.push(format!(
                "serial matches {}, but taken after it was retired on {}{}",
                d.label,
                d.retired_on.map(|r| r.to_string()).unwrap_or_default(),
                undated
            ));
        }
    }
    // The serial and the make match a device but the model does not read as its badge: a
    // person looks (needs review) rather than the photo being blocked.
    if let Some(serial) = serial
        && let Some(d) = devices.iter().find(|d| {
            d.serial.as_deref().is_some_and(|s| same_serial(s, serial))
                && make_matches(d)
                && d.counts_on(shot_on)
        })
    {
        return Ok(Provenance {
            level: ProvenanceLevel::MakeModel,
            device: Some(d.label.clone()),
            evidence: format!(
                "serial number {serial} and the make match {}, but the photo's model ({}) is not the one registered ({}): look, and correct the device's model if it is the same camera",
                d.label,
                evidence.model.as_deref().unwrap_or("none").trim(),
                d.model
            ),
        });
    }
    // Make and model alone: weak. A photo whose serial differs from the device's recorded
    // serial is from another camera of the same model, and does not count.
    let photo_serial = evidence.serial.as_deref().filter(|s| !s.trim().is_empty());
    if let Some(d) = devices.iter().find(|d| {
        make_matches(d)
            && model_matches(d)
            && d.counts_on(shot_on)
            && match (photo_serial, d.serial.as_deref()) {
                (Some(p), Some(s)) => same_serial(p, s),
                _ => true,
            }
    }) {
        let serial_words = match (photo_serial, d.serial.as_deref()) {
            (Some(p), None) => format!(
                "; the photo carries serial number {}, and {} has none recorded: record it on the device if it is that camera's",
                p.trim(),
                d.label
            ),
            _ => String::new(),
        };
        return Ok(Provenance {
            level: ProvenanceLevel::MakeModel,
            device: Some(d.label.clone()),
            evidence: format!(
                "make and model ({} {}) match {}, but nothing proves it is that device{serial_words}",
                d.make, d.model, d.label
            ),
        });
    }
    // Another camera of a registered model: said, so nobody thinks the device was missed.
    if let Some(p) = photo_serial {
        for d in devices.iter().filter(|d| {
            make_matches(d)
                && model_matches(d)
                && d.serial.as_deref().is_some_and(|s| !same_serial(p, s))
        }) {
            notes.push(format!(
                "the make and model match {}, but its serial number is {} and the photo's is {}: another camera of the same model",
                d.label,
                d.serial.as_deref().unwrap_or_default().trim(),
                p.trim()
            ));
        }
    }
    let mut evidence_text = "no evidence that a trust-owned device took this photo".to_string();
    if let (Some(make), Some(model)) = (&evidence.make, &evidence.model) {
        evidence_text.push_str(&format!(" (it says {})", camera_words(make, model)));
    } else {
        evidence_text.push_str(" (it carries no camera make or model)");
    }
    if !notes.is_empty() {
        evidence_text.push_str(&format!("; {}", notes.join("; ")));
    }
    Ok(Provenance {
        level: ProvenanceLevel::None,
        device: None,
        evidence: evidence_text,
    })
}

/// What a teacher asks.
#[derive(Debug, Clone)]
pub struct CheckRequest {
    pub file: PathBuf,
    pub channel: Channel,
    pub staff: String,
    pub academy: String,
    /// UPNs of the identifiable pupils; empty = no identifiable pupils.
    pub pupils: Vec<String>,
    pub caption: Option<String>,
    pub on: NaiveDate,
    pub faces_acknowledged: bool,
}

/// The `photos check --json` contract.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CheckResult {
    pub verdict: Verdict,
    pub clearance_id: Option<String>,
    pub sha256: String,
    pub provenance: ProvenanceView,
    pub reasons: Vec<Reason>,
    /// Why the clearance is already a takedown task (a "no" recorded for a later day), one
    /// sentence a pupil; empty as a rule.
    pub takedowns: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProvenanceView {
    pub level: ProvenanceLevel,
    pub device: Option<String>,
    pub evidence: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Reason {
    pub rule: Rule,
    pub passed: bool,
    /// Not a block, but a person must look (weak provenance, more faces than tagged pupils).
    pub review: bool,
    pub detail: String,
}

impl From<RuleOutcome> for Reason {
    fn from(o: RuleOutcome) -> Self {
        Reason {
            rule: o.rule,
            passed: o.passed,
            review: o.review,
            detail: o.detail,
        }
    }
}

/// Whether the register can be relied on for a decision: its audit chain intact and its records
/// what the log says ClearShot wrote (`register::backup::trust_problems`). A register edited
/// with `sqlite3` (a parent's "no" turned into a "yes", a hold or a withdrawal deleted) would
/// otherwise be read by every other rule as if it were true. Read once per open register, and
/// again whenever another program has written to the file since (SQLite's `data_version`);
/// this register's own writes are ClearShot's, and logged.
pub fn register_outcome(store: &Store) -> Result<RuleOutcome> {
    let version: i64 = store
        .conn
        .query_row("PRAGMA data_version", [], |r| r.get(0))?;
    if store.trusted_at() == Some(version) {
        return Ok(outcome(Rule::Register, true, REGISTER_TRUSTED.into()));
    }
    let problems = register::backup::trust_problems(&store.conn);
    let Some(first) = problems.first() else {
        store.set_trusted_at(Some(version));
        return Ok(outcome(Rule::Register, true, REGISTER_TRUSTED.into()));
    };
    store.set_trusted_at(None);
    Ok(outcome(
        Rule::Register,
        false,
        format!(
            "the register does not agree with its audit log, so its answers cannot be relied on: {first}. The trust's IT lead should run `clearshot check`, which lists every problem, and restore the last backup made before the change"
        ),
    ))
}

const REGISTER_TRUSTED: &str = "the register agrees with its audit log";

fn outcome(rule: Rule, passed: bool, detail: String) -> RuleOutcome {
    RuleOutcome {
        rule,
        passed,
        review: false,
        detail,
    }
}

/// The hold rule on a date for an academy.
/// The hold rule: a hold on the posting academy or the whole trust, or on the academy of a
/// pupil in the photo (a crisis at one academy is not got round by posting its pupils from
/// another academy's account).
fn hold_outcome(
    store: &Store,
    academy_id: i64,
    academy: &str,
    pupils: &[register::pupils::Pupil],
    on: NaiveDate,
) -> Result<RuleOutcome> {
    let holds: Vec<_> = register::holds::list(&store.conn)?
        .into_iter()
        .filter(|h| {
            h.in_force(on)
                && (h.covers(academy_id) || pupils.iter().any(|p| h.covers(p.academy_id)))
        })
        .collect();
    Ok(match holds.first() {
        Some(h) => outcome(
            Rule::Hold,
            false,
            format!(
                "posting is on hold for {} since {}: {}{}",
                h.academy
                    .clone()
                    .unwrap_or_else(|| "the whole trust".into()),
                h.started_on,
                h.reason,
                match &h.academy {
                    Some(code) if code != academy => {
                        format!(" (the photo shows pupils of {code})")
                    }
                    _ => String::new(),
                }
            ),
        ),
        None => outcome(
            Rule::Hold,
            true,
            format!("no posting hold for {academy} or the trust"),
        ),
    })
}

fn staff_outcome(
    store: &Store,
    email: &str,
    academy_id: i64,
    on: NaiveDate,
) -> Result<RuleOutcome> {
    let s = register::staff::by_email(&store.conn, email)?;
    let domains = crate::settings::trust_domains(store)?;
    Ok(match s {
        None => outcome(
            Rule::Staff,
            false,
            format!("{} is not approved to post for the trust", email.trim()),
        ),
        // Approved before the trust's domains were set, with an address outside them.
        Some(s)
            if !domains.is_empty() && !crate::settings::is_trust_address(&s.email, &domains) =>
        {
            outcome(
                Rule::Staff,
                false,
                format!(
                    "{} is not a trust address: approved staff post with their work address, \
                     never a personal one (policy 4.4.2)",
                    s.email
                ),
            )
        }
        Some(s) if !s.approved(on) => outcome(
            Rule::Staff,
            false,
            match s.revoked_on {
                Some(r) if r <= on => format!("{}'s approval to post was revoked on {r}", s.email),
                _ => format!(
                    "{} is approved to post only from {}",
                    s.email, s.approved_on
                ),
            },
        ),
        // Policy 7.1.1: training comes before posting. A training date still to come is not
        // training done.
        Some(s) if s.trained_on.is_none() && crate::settings::training_required(store)? => outcome(
            Rule::Staff,
            false,
            format!(
                "{} has no social media training recorded: policy 7.1.1 requires it before posting (record it with `clearshot staff train {} --on DATE`)",
                s.email, s.email
            ),
        ),
        Some(s) if s.trained_on.is_some_and(|t| t > on) => outcome(
            Rule::Staff,
            false,
            format!(
                "{}'s training is recorded for {}, after {on}: approved staff post once trained",
                s.email,
                s.trained_on.map(|t| t.to_string()).unwrap_or_default()
            ),
        ),
        Some(s) if s.academy_id.is_some_and(|a| a != academy_id) => outcome(
            Rule::Staff,
            false,
            format!(
                "{} is approved to post for {} only",
                s.email,
                s.academy.clone().unwrap_or_default()
            ),
        ),
        Some(s) => outcome(
            Rule::Staff,
            true,
            format!(
                "{} ({}) approved on {}{}",
                s.name,
                s.email,
                s.approved_on,
                s.trained_on
                    .map(|t| format!(", trained on {t}"))
                    .unwrap_or_else(|| ", no training recorded".into())
            ),
        ),
    })
}

/// The consent rule for the tagged pupils on a date. Returns the outcome and the pupils.
/// One pupil's consent status for one channel on a day (on roll or not).
fn pupil_status(
    store: &Store,
    upn: &str,
    channel: Channel,
    on: NaiveDate,
) -> Result<Option<crate::consent::StatusRow>> {
    let filter = StatusFilter {
        channel: Some(channel),
        ..StatusFilter::pupil(upn)
    };
    Ok(crate::consent::status(store, &filter, on)?
        .into_iter()
        .next())
}

fn consent_outcome(
    store: &Store,
    upns: &[String],
    channel: Channel,
    on: NaiveDate,
) -> Result<(RuleOutcome, Vec<register::pupils::Pupil>)> {
    if upns.is_empty() {
        return Ok((
            outcome(Rule::Consent, true, "no identifiable pupils".into()),
            Vec::new(),
        ));
    }
    let mut pupils = Vec::new();
    let mut parts = Vec::new();
    let mut all_granted = true;
    for upn in upns {
        let p = register::pupils::require(&store.conn, upn)?;
        if pupils
            .iter()
            .any(|q: &register::pupils::Pupil| q.id == p.id)
        {
            continue;
        }
        let (status, detail, warnings) = pupil_status(store, &p.upn, channel, on)?
            .map(|r| (r.status, r.detail, r.warnings))
            .unwrap_or((ConsentStatus::Missing, "no status".into(), Vec::new()));
        let mut status_text = if status == ConsentStatus::NeverPublish {
            // The block is always shown; the safeguarding reason never is.
            "never publish (safeguarding flag)".to_string()
        } else {
            format!("{}: {detail}", status.as_str())
        };
        // A "no" from someone whose consent is not required does not block, but the teacher
        // is told, as the pupil's page tells the office.
        for w in &warnings {
            status_text.push_str(&format!(" (warning: {w})"));
        }
        let left = match p.joined_on {
            _ if p.on_roll(on) => String::new(),
            Some(joined) if joined > on => format!(" (not on roll until {joined})"),
            _ => " (has left)".to_string(),
        };
        parts.push(format!(
            "{} {}{left} — {status_text}",
            p.upn,
            p.display_name()
        ));
        if status != ConsentStatus::Granted {
            all_granted = false;
        }
        pupils.push(p);
    }
    Ok((
        outcome(Rule::Consent, all_granted, parts.join("; ")),
        pupils,
    ))
}

fn caption_outcome(store: &Store, caption: Option<&str>) -> Result<RuleOutcome> {
    let Some(caption) = caption.filter(|c| !c.trim().is_empty()) else {
        return Ok(outcome(Rule::Caption, true, "no caption".into()));
    };
    let names: Vec<rules::caption::PupilName> = register::pupils::list(&store.conn, None)?
        .into_iter()
        .map(|p| rules::caption::PupilName {
            upn: p.upn,
            forenames: std::iter::once(p.legal_forename)
                .chain(p.preferred_forename)
                .collect(),
            surnames: std::iter::once(p.legal_surname)
                .chain(p.preferred_surname)
                .collect(),
        })
        .collect();
    // The trust's own accounts, and the partners IT has allowed (settings: partner-handles).
    let handles: Vec<String> = register::accounts::list(&store.conn)?
        .into_iter()
        .map(|a| a.handle)
        .chain(crate::settings::partner_handles(store)?)
        .collect();
    let domains = crate::settings::trust_domains(store)?;
    let problems = rules::caption::check_caption(
        caption,
        &rules::caption::CaptionContext {
            pupil_names: &names,
            trust_handles: &handles,
            allowed_domains: &domains,
        },
    );
    Ok(if problems.is_empty() {
        outcome(Rule::Caption, true, "caption is safe".into())
    } else {
        outcome(
            Rule::Caption,
            false,
            problems
                .iter()
                .map(|p| p.detail.clone())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}

/// The live caption check for the app: the problems, in words.
pub fn check_caption(store: &Store, caption: &str) -> Result<Vec<String>> {
    let o = caption_outcome(store, Some(caption))?;
    Ok(if o.passed {
        Vec::new()
    } else {
        o.detail.split("; ").map(str::to_string).collect()
    })
}

/// `photos faces` for one file: the faces found, in displayed full-size pixels.
#[derive(Debug, Clone, Serialize)]
pub struct FacesFound {
    #[serde(serialize_with = "lossy_path")]
    pub path: PathBuf,
    pub faces: Vec<photo::FaceBox>,
}

/// Detects (never identifies) the faces in a photo.
pub fn faces(path: &Path) -> Result<FacesFound> {
    let bytes = photo::read_file(path)?;
    Ok(FacesFound {
        path: path.to_path_buf(),
        faces: photo::detect_faces(&bytes)?,
    })
}

/// The faces in a photo with the size of the frame their boxes are in (the displayed
/// orientation, full size), so that a shell can draw them over a resized copy.
#[derive(Debug, Clone, Serialize)]
pub struct FacesInFrame {
    pub width: u32,
    pub height: u32,
    pub found: FacesFound,
}

/// [`faces`] with the frame size, from one read of the file.
pub fn faces_in_frame(path: &Path) -> Result<FacesInFrame> {
    let bytes = photo::read_file(path)?;
    let (width, height) = photo::faces::displayed_size(&bytes)?;
    Ok(FacesInFrame {
        width,
        height,
        found: FacesFound {
            path: path.to_path_buf(),
            faces: photo::detect_faces(&bytes)?,
        },
    })
}

/// The faces rule: more faces than tagged pupils needs a person to look, until acknowledged.
/// A photo the detector cannot process is sent for review rather than passed; one whose pixels
/// are truncated or corrupt is no photo to clear (its copy could not be made either), and the
/// check is refused.
fn faces_rule(bytes: &[u8], tagged: usize, acknowledged: bool) -> Result<RuleOutcome> {
    Ok(match photo::detect_faces(bytes) {
        Ok(found) => rules::clearance::faces_outcome(Some(found.len()), tagged, acknowledged),
        Err(e @ photo::PhotoError::Malformed(_)) => return Err(e.into()),
        Err(e) if acknowledged => RuleOutcome {
            rule: Rule::Faces,
            passed: true,
            review: false,
            detail: format!(
                "faces could not be counted ({e}); acknowledged by the member of staff"
            ),
        },
        Err(e) => RuleOutcome {
            rule: Rule::Faces,
            passed: false,
            review: true,
            detail: format!("faces could not be counted ({e}): look at the photo and acknowledge"),
        },
    })
}

/// Which faces to blur in an exported copy, by their index in `photos faces`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum BlurFaces {
    #[default]
    None,
    All,
    Some(Vec<usize>),
}

impl std::str::FromStr for BlurFaces {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("all") {
            return Ok(BlurFaces::All);
        }
        if s.is_empty() || s.eq_ignore_ascii_case("none") {
            return Ok(BlurFaces::None);
        }
        let mut indexes = s
            .split(',')
            .map(|p| {
                let p = p.trim();
                if p.eq_ignore_ascii_case("all") || p.eq_ignore_ascii_case("none") {
                    return Err(format!(
                        "{p:?} cannot be listed with face indexes: give it alone (--blur-faces {p}), or only indexes like 0,2"
                    ));
                }
                p.parse::<usize>().map_err(|_| {
                    format!(
                        "{p:?} is not a face index; use all, or indexes like 0,2 from `photos faces`"
                    )
                })
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        // A face listed twice is one face blurred (and counted) once.
        indexes.sort_unstable();
        indexes.dedup();
        Ok(BlurFaces::Some(indexes))
    }
}

/// Clears (or refuses) a photo: every rule evaluated and reported, the verdict, a clearance id
/// when cleared, and an audit entry either way.
pub fn check(store: &mut Store, req: &CheckRequest, stamp: &Stamp) -> Result<CheckResult> {
    let bytes = photo::read_file(&req.file)?;
    let sha256 = photo::sha256_hex(&bytes);
    let evidence = photo::inspect(&bytes)?;
    let academy = register::academies::require(&store.conn, &req.academy)?;

    let trusted = register_outcome(store)?;
    let (consent, pupils) = consent_outcome(store, &req.pupils, req.channel, req.on)?;
    let hold = hold_outcome(store, academy.id, &academy.code, &pupils, req.on)?;
    let staff = staff_outcome(store, &req.staff, academy.id, req.on)?;
    let prov = provenance(
        store,
        &sha256,
        &evidence,
        // The working copy: the faces rule and a later export in this process reuse its decode.
        || Ok(photo::working_copy(&bytes)?.perceptual_hash()),
        req.on,
    )?;
    let provenance_rule =
        rules::clearance::provenance_outcome(prov.level, prov.device.as_deref(), &prov.evidence);
    let caption = caption_outcome(store, req.caption.as_deref())?;
    let faces = faces_rule(&bytes, pupils.len(), req.faces_acknowledged)?;
    let outcomes = vec![
        hold,
        staff,
        consent,
        provenance_rule,
        caption,
        faces,
        trusted,
    ];
    let verdict = rules::clearance::verdict(&outcomes);
    let today = crate::today();

    // The photo's rules took their time (the decode, the face detector); the register's are
    // decided again inside the write, so that a withdrawal, a flag, a hold or a merge recorded
    // meanwhile by another program is not missed: if any answer changed, nothing is recorded.
    let tx = register::begin_shared(&store.conn)?;
    for p in &pupils {
        if register::pupils::by_upn(&tx, &p.upn)?.map(|now| now.id) != Some(p.id) {
            return Err(Error::Invalid(format!(
                "the record of {} changed while the photo was being checked (another program replaced or merged it); nothing was recorded: check the photo again",
                p.upn
            )));
        }
    }
    let again = [
        hold_outcome(store, academy.id, &academy.code, &pupils, req.on)?,
        staff_outcome(store, &req.staff, academy.id, req.on)?,
        consent_outcome(store, &req.pupils, req.channel, req.on)?.0,
    ];
    let mut outcomes = outcomes;
    for (i, now) in again.into_iter().enumerate() {
        if (now.passed, now.review) != (outcomes[i].passed, outcomes[i].review) {
            return Err(Error::Invalid(format!(
                "the {} rule's answer changed while the photo was being checked (another program recorded a change: {}); nothing was recorded: check the photo again",
                now.rule.as_str(),
                now.detail
            )));
        }
        // The same answer, perhaps in other words (a second parent's yes): recorded as it is now.
        outcomes[i] = now;
    }
    // A "no" already on the register but dated after the day cleared for (a withdrawal dated
    // next week, or recorded after a clearance for a past day) makes the clearance a takedown
    // task at once, as it would have had the photo been cleared first.
    let lapsed = if verdict == Verdict::Cleared {
        later_noes(store, &pupils, req.channel, req.on, today)?
    } else {
        Vec::new()
    };
    let clearance_id = if verdict == Verdict::Cleared {
        let id = uuid::Uuid::now_v7().to_string();
        let device_id = match &prov.device {
            Some(label) => register::devices::by_label(&tx, label)?.map(|d| d.id),
            None => None,
        };
        let pupil_ids: Vec<i64> = pupils.iter().map(|p| p.id).collect();
        register::clearances::insert(
            &tx,
            &register::clearances::NewClearance {
                id: &id,
                photo_sha256: &sha256,
                channel: req.channel.as_str(),
                academy_id: academy.id,
                staff_email: &req.staff.trim().to_lowercase(),
                cleared_on: req.on,
                provenance: level_str(prov.level),
                device_id,
                faces_acknowledged: req.faces_acknowledged,
                caption: req.caption.as_deref(),
                pupil_ids: &pupil_ids,
                created_at: &stamp.at,
            },
        )?;
        for (p, status, from) in &lapsed {
            register::takedowns::raise_for_pupil(
                &tx,
                p.id,
                &p.subject(),
                &[req.channel.as_str()],
                &format!(
                    "cleared for {}, but consent for {} is {} from {from}",
                    req.on,
                    req.channel.label(),
                    status.as_str()
                ),
                today,
                stamp,
            )?;
        }
        Some(id)
    } else {
        None
    };
    // Pupils are named by their pseudonymous subject ids, never by name or UPN.
    let subjects: Vec<String> = pupils.iter().map(|p| p.subject()).collect();
    stamp.audit(
        &tx,
        "photo.check",
        Some(&format!("photo:{sha256}")),
        serde_json::json!({
            "sha256": sha256, "staff": req.staff.trim().to_lowercase(), "channel": req.channel.as_str(),
            "academy": academy.code, "on": req.on, "pupils": subjects, "verdict": verdict,
            "clearance_id": clearance_id, "faces_acknowledged": req.faces_acknowledged,
            "provenance": {"level": prov.level, "device": prov.device},
            "rules": outcomes.iter().map(|o| serde_json::json!({"rule": o.rule, "passed": o.passed, "review": o.review})).collect::<Vec<_>>(),
        }),
    )?;
    tx.commit()?;
    Ok(CheckResult {
        verdict,
        clearance_id,
        sha256,
        provenance: ProvenanceView {
            level: prov.level,
            device: prov.device,
            evidence: prov.evidence,
        },
        reasons: outcomes.into_iter().map(Reason::from).collect(),
        takedowns: lapsed
            .iter()
            .map(|(p, status, from)| {
                format!(
                    "{} {}: consent for {} is {} from {from}; a takedown task was raised",
                    p.upn,
                    p.display_name(),
                    req.channel.label(),
                    status.as_str()
                )
            })
            .collect(),
    })
}

/// The clearances naming `pupil` that their consent record now rules out, after the record
/// changed in a way that rewrites its history (two records of one child merged): each with the
/// status and the day, from the day cleared for up to `today`, on which a withdrawal, a "no" or
/// a never-publish flag applies. As for the takedowns raised when those are recorded, nothing
/// else counts: an expiry, or a year group corrected by the MIS, does not ask for a post to
/// come down.
pub(crate) fn clearances_no_longer_consented(
    store: &Store,
    pupil: &register::pupils::Pupil,
    today: NaiveDate,
) -> Result<Vec<(register::clearances::Clearance, ConsentStatus, NaiveDate)>> {
    let mut out = Vec::new();
    for c in register::clearances::of_pupil(&store.conn, pupil.id)? {
        let Ok(channel) = c.channel.parse::<Channel>() else {
            continue;
        };
        let status = pupil_status(store, &pupil.upn, channel, c.cleared_on)?
            .map_or(ConsentStatus::Missing, |r| r.status);
        let failing = if is_a_no(status) {
            Some((status, c.cleared_on))
        } else {
            later_noes(
                store,
                std::slice::from_ref(pupil),
                channel,
                c.cleared_on,
                today,
            )?
            .into_iter()
            .next()
            .map(|(_, status, day)| (status, day))
        };
        if let Some((status, day)) = failing {
            out.push((c, status, day));
        }
    }
    Ok(out)
}

/// A status that takes a post down: a withdrawal, a "no", a never-publish flag.
fn is_a_no(status: ConsentStatus) -> bool {
    matches!(
        status,
        ConsentStatus::Withdrawn | ConsentStatus::Refused | ConsentStatus::NeverPublish
    )
}

/// The pupils whose consent for `channel`, granted on `on`, is already known to end: on a
/// later day there is a withdrawal, a refusal or a never-publish flag recorded (or, for a day
/// cleared in the past, the status today is one). With the status and the first such day.
fn later_noes<'p>(
    store: &Store,
    pupils: &'p [register::pupils::Pupil],
    channel: Channel,
    on: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<(&'p register::pupils::Pupil, ConsentStatus, NaiveDate)>> {
    let mut out = Vec::new();
    for p in pupils {
        let mut days: Vec<NaiveDate> = register::consents::withdrawals_of(&store.conn, p.id)?
            .iter()
            .filter(|w| w.channel == channel)
            .map(|w| w.withdrawn_on)
            .chain(
                register::consents::answers_of(&store.conn, p.id)?
                    .iter()
                    .filter(|a| a.channel == channel && !a.granted)
                    .map(|a| a.signed_on),
            )
            .chain(
                register::flags::of_pupil(&store.conn, p.id)?
                    .iter()
                    .filter(|f| f.kind == FlagKind::NeverPublish)
                    .map(|f| f.set_on),
            )
            .chain(std::iter::once(today))
            .filter(|d| *d > on)
            .collect();
        days.sort();
        days.dedup();
        for day in days {
            let status = pupil_status(store, &p.upn, channel, day)?
                .map_or(ConsentStatus::Missing, |r| r.status);
            // As for takedowns raised when it happens: a withdrawal, a "no", a never-publish
            // flag (an expiry does not ask for a post to come down).
            if is_a_no(status) {
                out.push((p, status, day));
                break;
            }
        }
    }
    Ok(out)
}

fn level_str(level: ProvenanceLevel) -> &'static str {
    match level {
        ProvenanceLevel::C2pa => "c2pa",
        ProvenanceLevel::Ledger => "ledger",
        ProvenanceLevel::LedgerSimilar => "ledger_similar",
        ProvenanceLevel::Serial => "serial",
        ProvenanceLevel::MakeModel => "make_model",
        ProvenanceLevel::None => "none",
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Exported {
    pub clearance_id: String,
    #[serde(serialize_with = "lossy_path")]
    pub path: PathBuf,
    pub width: u32,
    pub height: u32,
    pub bytes: usize,
    pub sha256: String,
    /// How many faces were blurred.
    pub faces_blurred: usize,
}

/// The smallest long edge an export may ask for: anything smaller is no picture to post.
pub const MIN_MAX_EDGE: u32 = 64;

/// Whether an export into `out_dir` at `max_edge` can be made, before any work is done: the
/// folder is a folder (or can be made) and the size is one a photo can be posted at.
pub fn check_export_target(out_dir: &Path, max_edge: u32) -> Result<()> {
    if max_edge < MIN_MAX_EDGE {
        return Err(Error::Invalid(format!(
            "--max-edge {max_edge} is too small: at least {MIN_MAX_EDGE} pixels"
        )));
    }
    if out_dir.exists() && !out_dir.is_dir() {
        return Err(Error::Invalid(format!(
            "{} is a file, not a folder to write the copy into",
            out_dir.display()
        )));
    }
    // The folder, or the nearest part of its path that exists (the rest is made when the copy
    // is written), is tried with a scratch file: a folder that cannot take the copy is found
    // before anything is cleared, and nothing is left behind.
    let cannot = |e: std::io::Error| {
        Error::Invalid(format!(
            "the copy cannot be written into {}: {e}",
            out_dir.display()
        ))
    };
    let existing = out_dir
        .ancestors()
        .find(|a| a.as_os_str().is_empty() || a.exists())
        .map(|a| {
            if a.as_os_str().is_empty() {
                Path::new(".")
            } else {
                a
            }
        })
        .unwrap_or(Path::new("."));
    if !existing.is_dir() {
        return Err(cannot(std::io::Error::new(
            std::io::ErrorKind::NotADirectory,
            format!("{} is a file", existing.display()),
        )));
    }
    let probe = existing.join(format!(".clearshot-probe-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| {
        Error::Invalid(format!(
            "the copy cannot be written into {}: {}",
            out_dir.display(),
            cannot_write_because(&e, existing)
        ))
    })?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Why a file cannot be made in a folder that exists, in words: the system's own message for a
/// folder that takes no new files (such as /proc) is "No such file or directory".
fn cannot_write_because(e: &std::io::Error, folder: &Path) -> String {
    use std::io::ErrorKind;
    let said = format!("({e})");
    match e.kind() {
        ErrorKind::PermissionDenied => {
            format!(
                "you are not allowed to write in {} {said}",
                folder.display()
            )
        }
        ErrorKind::ReadOnlyFilesystem => {
            format!("{} is on a read-only disk {said}", folder.display())
        }
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => format!("the disk is full {said}"),
        ErrorKind::NotFound => format!(
            "{} takes no new files (a system folder?); choose a folder of your own {said}",
            folder.display()
        ),
        _ => e.to_string(),
    }
}

/// Writes the safe copy of a cleared photo: `<clearance id>.jpg` in `out_dir`, decoded,
/// orientation applied, resized, re-encoded with no metadata at all. Refuses a file whose bytes
/// are not the cleared ones, and re-checks consent, holds and the member of staff's approval on
/// the export date.
#[allow(clippy::too_many_arguments)]
pub fn export(
    store: &mut Store,
    clearance_id: &str,
    file: &Path,
    out_dir: &Path,
    max_edge: u32,
    blur: &BlurFaces,
    on: NaiveDate,
    stamp: &Stamp,
) -> Result<Exported> {
    check_export_target(out_dir, max_edge)?;
    let clearance = register::clearances::by_id(&store.conn, clearance_id)?
        .ok_or_else(|| Error::NotFound(format!("no clearance {}", clearance_id.trim())))?;
    let bytes = photo::read_file(file)?;
    let sha256 = photo::sha256_hex(&bytes);
    if sha256 != clearance.photo_sha256 {
        // Recorded too: another photo offered under a clearance is worth seeing in the log.
        let tx = register::begin(&mut store.conn)?;
        stamp.audit(
            &tx,
            "photo.export_refused",
            Some(&format!("photo:{}", clearance.photo_sha256)),
            serde_json::json!({"clearance_id": clearance.id, "on": on,
                "rules": ["photo"], "offered_sha256": sha256}),
        )?;
        tx.commit()?;
        return Err(Error::Refused(format!(
            "{} is not the photo cleared by {} (its bytes differ): check the photo again",
            file.display(),
            clearance.id
        )));
    }
    let channel: Channel = clearance.channel.parse().map_err(|_| {
        Error::Invalid(format!(
            "clearance has unknown channel {}",
            clearance.channel
        ))
    })?;
    // The copy is for posting from the day it was cleared: an earlier export date would
    // re-check consent and holds on a day before a withdrawal or a hold.
    if on < clearance.cleared_on {
        return Err(Error::Invalid(format!(
            "the export date {on} is before the day the photo was cleared for ({}); export it on or after that day",
            clearance.cleared_on
        )));
    }
    let tagged: Vec<register::pupils::Pupil> = clearance
        .pupil_ids
        .iter()
        .map(|id| register::pupils::by_id(&store.conn, *id))
        .collect::<register::Result<_>>()?;
    let hold = hold_outcome(store, clearance.academy_id, &clearance.academy, &tagged, on)?;
    // The copy is for the member of staff who cleared it to post: still approved that day.
    let staff = staff_outcome(store, &clearance.staff_email, clearance.academy_id, on)?;
    let upns: Vec<String> = tagged.iter().map(|p| p.upn.clone()).collect();
    let (consent, _) = consent_outcome(store, &upns, channel, on)?;
    let trusted = register_outcome(store)?;
    let failed: Vec<RuleOutcome> = [hold, staff, consent, trusted]
        .into_iter()
        .filter(|o| !o.passed)
        .collect();
    if !failed.is_empty() {
        // The rules that refused it, by name only: their sentences name pupils, and this
        // entry is about the photo (a purge redacts the entries about a pupil).
        let rules: Vec<Rule> = failed.iter().map(|o| o.rule).collect();
        let tx = register::begin(&mut store.conn)?;
        stamp.audit(
            &tx,
            "photo.export_refused",
            Some(&format!("photo:{sha256}")),
            serde_json::json!({"clearance_id": clearance.id, "on": on, "rules": rules}),
        )?;
        tx.commit()?;
        let details: Vec<&str> = failed.iter().map(|o| o.detail.as_str()).collect();
        return Err(Error::Refused(format!(
            "export refused on {on}: {}",
            details.join("; ")
        )));
    }
    // The working copy that the check decoded, when it is big enough: no second decode.
    let decoded = if max_edge <= photo::WORKING_EDGE {
        photo::working_copy(&bytes)?
    } else {
        std::sync::Arc::new(photo::decode_scaled(&bytes, max_edge)?)
    };
    let rects = match blur {
        BlurFaces::None => Vec::new(),
        choice => {
            let found = photo::detect_faces(&bytes)?;
            let chosen: Vec<photo::FaceBox> = match choice {
                BlurFaces::Some(idx) => {
                    if let Some(bad) = idx.iter().find(|i| **i >= found.len()) {
                        return Err(Error::Invalid(format!(
                            "no face {bad}: the photo has {} face(s), numbered from 0 (see `photos faces`)",
                            found.len()
                        )));
                    }
                    idx.iter().map(|i| found[*i]).collect()
                }
                _ => found,
            };
            let (fw, fh) = photo::faces::displayed_size(&bytes)?;
            photo::faces::boxes_for(&chosen, fw, fh, &decoded)
        }
    };
    let blurred = rects.len();
    let jpeg = decoded.export_jpeg(max_edge, &rects)?;
    let check = photo::inspect(&jpeg)?;
    std::fs::create_dir_all(out_dir).map_err(|source| Error::Io {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let path = out_dir.join(format!("{}.jpg", clearance.id));
    // The same copy again is fine; a different one (another size, other faces blurred) would
    // silently replace a file that may already have been posted.
    if let Ok(existing) = std::fs::read(&path)
        && existing != jpeg
    {
        return Err(Error::Invalid(format!(
            "{} already exists, written by an earlier export with other settings; move it away first",
            path.display()
        )));
    }
    write_atomic(&path, &jpeg)?;
    let out_sha = photo::sha256_hex(&jpeg);
    let tx = register::begin(&mut store.conn)?;
    stamp.audit(
        &tx,
        "photo.export",
        Some(&format!("photo:{sha256}")),
        serde_json::json!({"clearance_id": clearance.id, "on": on, "export_sha256": out_sha,
            "width": check.width, "height": check.height, "faces_blurred": blurred}),
    )?;
    tx.commit()?;
    Ok(Exported {
        clearance_id: clearance.id,
        path,
        width: check.width,
        height: check.height,
        bytes: jpeg.len(),
        sha256: out_sha,
        faces_blurred: blurred,
    })
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let tmp = path.with_extension("jpg.partial");
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)?;
    Ok(())
}

/// A JPEG thumbnail (long edge `max_edge`) for the app.
pub fn thumbnail(path: &Path, max_edge: u32) -> Result<Vec<u8>> {
    let bytes = photo::read_file(path)?;
    Ok(photo::decode_scaled(&bytes, max_edge)?.thumbnail_jpeg(max_edge)?)
}

/// A file the ingest could not take.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RejectedFile {
    #[serde(serialize_with = "lossy_path")]
    pub path: PathBuf,
    pub reason: String,
}

/// The `photos ingest --json` contract.
#[derive(Debug, Clone, Serialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IngestReport {
    pub ingested: usize,
    pub already: usize,
    pub rejected: Vec<RejectedFile>,
    /// True when the run was cancelled before every file was seen.
    pub cancelled: bool,
}

/// Every file under the paths (folders recursively, hidden files skipped), sorted.
pub fn collect_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<RejectedFile>) {
    let mut files = Vec::new();
    let mut rejected = Vec::new();
    let mut stack: Vec<PathBuf> = paths.to_vec();
    // Folders already read, by their real path: a link back to a parent folder (a loop) or
    // two links to one folder are read once.
    let mut seen: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    while let Some(p) = stack.pop() {
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() && !seen.insert(std::fs::canonicalize(&p).unwrap_or(p.clone())) => {
            }
            Ok(m) if m.is_dir() => match std::fs::read_dir(&p) {
                Ok(entries) => {
                    for e in entries.flatten() {
                        let hidden = e.file_name().to_string_lossy().starts_with('.');
                        if !hidden {
                            stack.push(e.path());
                        }
                    }
                }
                Err(e) => rejected.push(RejectedFile {
                    path: p,
                    reason: format!("cannot read folder: {e}"),
                }),
            },
            Ok(_) => files.push(p),
            Err(e) => {
                let link = std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_symlink());
                let reason = match e.kind() {
                    std::io::ErrorKind::NotFound if link => {
                        "a link to a file or folder that does not exist".to_owned()
                    }
                    std::io::ErrorKind::NotFound => "no such file or folder".to_owned(),
                    std::io::ErrorKind::PermissionDenied => {
                        "this account is not allowed to read it".to_owned()
                    }
                    _ => e.to_string(),
                };
                rejected.push(RejectedFile { path: p, reason });
            }
        }
    }
    files.sort();
    (files, rejected)
}

struct Prepared {
    sha256: String,
    phash: String,
    taken_at: Option<String>,
    make: Option<String>,
    model: Option<String>,
    serial: Option<String>,
}

/// Why a photo cannot have been captured on `device`, when its EXIF names another camera: the
/// ledger is the strongest evidence there is, so a personal phone's photo copied with the card
/// must not enter it.
fn other_camera(p: &Prepared, device: &Device) -> Option<String> {
    fn present(v: &Option<String>) -> Option<&str> {
        v.as_deref().filter(|t| !t.trim().is_empty())
    }
    let make_differs = present(&p.make).is_some_and(|t| !same_make(t, &device.make));
    let model_differs =
        present(&p.model).is_some_and(|t| !same_model(t, &device.model, &device.make));
    if make_differs || model_differs {
        return Some(format!(
            "its EXIF says it was taken on a {}, not on {} ({}); not ingested",
            camera_words(
                p.make.as_deref().unwrap_or("?"),
                p.model.as_deref().unwrap_or("?")
            ),
            device.label,
            camera_words(&device.make, &device.model)
        ));
    }
    match (p.serial.as_deref(), device.serial.as_deref()) {
        (Some(theirs), Some(ours)) if !theirs.trim().is_empty() && !same_serial(theirs, ours) => {
            Some(format!(
                "its EXIF serial number {} is not {}'s ({ours}); not ingested",
                theirs.trim(),
                device.label
            ))
        }
        _ => None,
    }
}

/// Why a photo cannot count for a retired device: it was taken after the retirement (or does
/// not say when, and the card is copied after it), so no check would take it as the device's.
fn after_retirement(p: &Prepared, device: &Device) -> Option<String> {
    let retired = device.retired_on?;
    match p.taken_at.as_deref().and_then(day_of) {
        Some(t) if device.counts_on(t) => None,
        Some(t) => Some(format!(
            "it was taken on {t}, after {} was retired on {retired}; not ingested",
            device.label
        )),
        None if device.counts_on(crate::today()) => None,
        None => Some(format!(
            "it does not say when it was taken, and {} was retired on {retired}; not ingested",
            device.label
        )),
    }
}

fn prepare(path: &Path) -> Result<Prepared> {
    let bytes = photo::read_file(path)?;
    let evidence = photo::inspect(&bytes)?;
    let phash = photo::decode_scaled(&bytes, photo::LEDGER_HASH_EDGE)?.perceptual_hash();
    Ok(Prepared {
        sha256: evidence.sha256.clone(),
        phash: phash.to_hex(),
        taken_at: evidence.taken_at,
        make: evidence.make,
        model: evidence.model,
        serial: evidence.serial,
    })
}

/// Records photos (files, or folders recursively) as captured on a registered device: the
/// provenance ledger. Files are hashed on every core; one bad file is named and skipped.
/// `progress(done, total)` is called as files finish; `cancel` stops the run between files.
pub fn ingest(
    store: &mut Store,
    paths: &[PathBuf],
    device_label: &str,
    stamp: &Stamp,
    progress: &(dyn Fn(usize, usize) + Sync),
    cancel: &AtomicBool,
) -> Result<IngestReport> {
    let device = register::devices::require(&store.conn, device_label)?;
    let (files, mut rejected) = collect_files(paths);
    let total = files.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(8);
    let mut results: Vec<(usize, Result<Prepared>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        if cancel.load(Ordering::Relaxed) {
                            break;
                        }
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = files.get(i) else { break };
                        out.push((i, prepare(path)));
                        progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    let cancelled = results.len() < total;
    let mut report = IngestReport::default();
    let tx = register::begin(&mut store.conn)?;
    for (i, r) in results {
        let path = &files[i];
        match r {
            Ok(p) => {
                if let Some(reason) =
                    other_camera(&p, &device).or_else(|| after_retirement(&p, &device))
                {
                    rejected.push(RejectedFile {
                        path: path.clone(),
                        reason,
                    });
                    continue;
                }
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                let capture = register::ledger::Capture {
                    sha256: &p.sha256,
                    phash: &p.phash,
                    device_id: device.id,
                    device_label: &device.label,
                    taken_at: p.taken_at.as_deref(),
                    source_name: name.as_deref(),
                };
                if register::ledger::add(&tx, &capture, stamp)? {
                    report.ingested += 1;
                } else {
                    report.already += 1;
                }
            }
            Err(e) => rejected.push(RejectedFile {
                path: path.clone(),
                reason: e.to_string(),
            }),
        }
    }
    tx.commit()?;
    report.rejected = rejected;
    report.cancelled = cancelled;
    Ok(report)
}

/// Whether a never-publish flag is set on any of the pupils (used by the app's badges).
pub fn any_never_publish(store: &Store, upns: &[String], on: NaiveDate) -> Result<bool> {
    for upn in upns {
        let p = register::pupils::require(&store.conn, upn)?;
        let flags = register::flags::of_pupil(&store.conn, p.id)?;
        if crate::pupils::flag_active(&flags, FlagKind::NeverPublish, on) {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The comparison with the log is made once per open register and again only after another
    /// connection (another program, `sqlite3`) has written: this register's own logged writes
    /// keep the answer, an edit from outside is caught at the next rule.
    #[test]
    fn the_register_is_compared_with_its_log_again_after_another_program_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite3");
        let mut store = Store::open(&path).unwrap();
        let stamp = Stamp::new("office@test", "2026-11-20T09:00:00Z");
        crate::pupils::add_academy(&mut store, "OAK", "Oak", &stamp).unwrap();
        assert!(register_outcome(&store).unwrap().passed);
        let trusted = store.trusted_at();
        assert!(trusted.is_some());
        // Its own write: still trusted without a second comparison.
        let on = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        crate::admin::start_hold(&mut store, Some("OAK"), "Ofsted", on, &stamp).unwrap();
        assert!(register_outcome(&store).unwrap().passed);
        assert_eq!(store.trusted_at(), trusted);
        // Another connection ends the hold behind ClearShot's back.
        register::Connection::open(&path)
            .unwrap()
            .execute_batch("UPDATE holds SET ended_on = '2026-11-20'")
            .unwrap();
        let o = register_outcome(&store).unwrap();
        assert!(
            !o.passed && o.detail.contains("posting hold"),
            "{}",
            o.detail
        );
        assert_eq!(store.trusted_at(), None);
        // Put back as the log has it: trusted again.
        register::Connection::open(&path)
            .unwrap()
            .execute_batch("UPDATE holds SET ended_on = NULL")
            .unwrap();
        assert!(register_outcome(&store).unwrap().passed);
    }

    #[test]
    fn blur_faces_is_read_as_all_none_or_distinct_indexes() {
        assert_eq!("all".parse::<BlurFaces>(), Ok(BlurFaces::All));
        assert_eq!(" ".parse::<BlurFaces>(), Ok(BlurFaces::None));
        assert_eq!(
            "2, 0,0".parse::<BlurFaces>(),
            Ok(BlurFaces::Some(vec![0, 2]))
        );
        let e = "all,0".parse::<BlurFaces>().unwrap_err();
        assert!(
            e.contains("\"all\" cannot be listed with face indexes"),
            "{e}"
        );
        let e = "x".parse::<BlurFaces>().unwrap_err();
        assert!(e.contains("\"x\" is not a face index"), "{e}");
    }

    #[test]
    fn makes_and_models_match_as_the_badge_and_the_exif_give_them() {
        for (photo, device) in [
            ("NIKON CORPORATION", "Nikon"),
            ("OLYMPUS IMAGING CORP.  ", "OLYMPUS"),
            ("OLYMPUS OPTICAL CO.,LTD", "Olympus"),
            ("Canon", "canon"),
            ("RICOH IMAGING COMPANY, LTD.", "Ricoh"),
            ("SAMSUNG TECHWIN", "Samsung"),
        ] {
            assert!(same_make(photo, device), "{photo} / {device}");
        }
        for (photo, device) in [
            ("Sony", "Nikon"),
            ("NIKON", ""),
            ("", ""),
            ("Apple", "Apple Inc x"),
        ] {
            assert!(!same_make(photo, device), "{photo} / {device}");
        }
        assert!(same_model("Canon EOS 250D", "EOS 250D", "Canon"));
        assert!(same_model("Canon EOS 250D", "canon eos 250d", "Canon"));
        assert!(same_model("NIKON D5300", "D5300", "Nikon"));
        assert!(same_model(
            "iPad (10th generation)",
            "iPad 10th generation",
            "Apple"
        ));
        assert!(!same_model("Canon EOS 2000D", "EOS 250D", "Canon"));
        assert!(!same_model("EOS 250D", "", "Canon"));
        assert!(same_model("Canon EOS 300D DIGITAL", "EOS 300D", "Canon"));
        assert!(same_model("DMC-FZ3", "Lumix DMC-FZ3", "Panasonic"));
        assert!(same_model("E-1", "E1", "Olympus"));
        assert!(same_model("Canon EOS 250D", "EOS250D", "Canon"));
        assert!(!same_model("NIKON D70s", "D70", "Nikon"));
        assert!(!same_model("X-T40", "X-T4", "Fujifilm"));
        assert!(!same_model("Canon EOS 5D Mark IV", "EOS 5D", "Canon"));
        assert!(same_make("RICOH IMAGING COMPANY, LTD.", "Pentax"));
        assert!(same_make("OM Digital Solutions", "Olympus"));
        assert!(same_make("FUJIFILM", "Fuji"));
        assert!(!same_make("Sony", "Pentax"));
        assert_eq!(camera_words("Canon", "Canon EOS 250D"), "Canon EOS 250D");
        assert_eq!(
            camera_words("NIKON CORPORATION", "NIKON D5300"),
            "NIKON D5300"
        );
        assert_eq!(camera_words("Apple", "iPhone 13"), "Apple iPhone 13");
    }

    #[test]
    fn serials_match_as_an_office_would_read_them() {
        assert!(same_serial("NO= 20025585        ", "20025585"));
        assert!(same_serial("560018150", "0560018150"));
        assert!(same_serial("f17abc-123 xyz", "F17ABC123XYZ"));
        assert!(!same_serial("20025585", "20025586"));
        assert!(!same_serial("0123", "123A"));
        assert!(!same_serial("", ""), "no serial is not a match");
        assert!(!same_serial("---", "   "));
        assert_eq!(serial_key("0000"), "0000");
        assert_eq!(serial_key("NOISE"), "NOISE", "only \"NO=\" is a prefix");
    }

    #[test]
    fn a_look_alike_counts_as_a_copy_only_near_exact_unless_the_times_agree() {
        let mut store = Store::in_memory().unwrap();
        let stamp = register::Stamp::new("test", "2026-11-20T10:00:00Z");
        let original = PerceptualHash([0x0F; photo::PERCEPTUAL_HASH_BYTES]);
        let shot = "2026-11-19T10:00:00";
        {
            let tx = register::begin(&mut store.conn).unwrap();
            let device = register::devices::NewDevice {
                label: "OAK-CAM-1".into(),
                kind: "camera".into(),
                make: "Canon".into(),
                model: "Canon EOS 250D".into(),
                serial: None,
                academy_id: None,
                added_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            };
            let id = register::devices::add(&tx, &device, &stamp).unwrap();
            let capture = register::ledger::Capture {
                sha256: &"a".repeat(64),
                phash: &original.to_hex(),
                device_id: id,
                device_label: "OAK-CAM-1",
                taken_at: Some(shot),
                source_name: None,
            };
            register::ledger::add(&tx, &capture, &stamp).unwrap();
            tx.commit().unwrap();
        }
        // Another photo's bytes (a committed group photo), its camera details removed.
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../faces/tests/data/group4.jpg");
        let mut evidence = photo::inspect(&std::fs::read(path).unwrap()).unwrap();
        (evidence.make, evidence.model, evidence.serial) = (None, None, None);
        let on = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let level = |evidence: &Evidence, bits: usize| {
            let mut hash = original;
            for i in 0..bits {
                hash.0[i / 8] ^= 1 << (i % 8);
            }
            provenance(&store, &"b".repeat(64), evidence, || Ok(hash), on)
                .unwrap()
                .level
        };
        // No time to compare (sent through WhatsApp): only a near-exact look counts.
        evidence.taken_at = None;
        assert_eq!(level(&evidence, 4), ProvenanceLevel::LedgerSimilar);
        assert_eq!(level(&evidence, 8), ProvenanceLevel::LedgerSimilar);
        assert_eq!(level(&evidence, 12), ProvenanceLevel::None);
        // The same second on both: an edited copy (a crop) counts further out.
        evidence.taken_at = Some(shot.into());
        assert_eq!(level(&evidence, 12), ProvenanceLevel::LedgerSimilar);
        assert_eq!(level(&evidence, 17), ProvenanceLevel::None);
        // Another second: another photo, however alike.
        evidence.taken_at = Some("2026-11-19T10:00:05".into());
        assert_eq!(level(&evidence, 2), ProvenanceLevel::None);
    }

    #[test]
    fn a_folder_that_links_back_to_itself_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let card = dir.path().join("card");
        std::fs::create_dir_all(card.join("DCIM/100CANON")).unwrap();
        std::fs::write(card.join("DCIM/100CANON/IMG_0001.JPG"), b"x").unwrap();
        std::os::unix::fs::symlink(&card, card.join("DCIM/loop")).unwrap();
        std::os::unix::fs::symlink(card.join("DCIM"), card.join("again")).unwrap();
        let (files, rejected) = collect_files(std::slice::from_ref(&card));
        assert_eq!(files.len(), 1, "{files:?}");
        assert!(rejected.is_empty(), "{rejected:?}");
    }

    #[test]
    fn a_file_name_that_is_not_utf8_is_written_into_json_not_dropped() {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"Sports day \xe9quipe.jpg");
        let rejected = RejectedFile {
            path: PathBuf::from(name),
            reason: "not a photo".into(),
        };
        let json = serde_json::to_value(&rejected).unwrap();
        assert_eq!(json["path"], "Sports day \u{FFFD}quipe.jpg");
    }

    #[test]
    fn faces_in_frame_gives_boxes_inside_the_displayed_frame_of_a_group_photo() {
        // A committed group photo of four people (MIT; crates/faces/tests/data, see its notice).
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../faces/tests/data/group4.jpg");
        let f = faces_in_frame(&path).unwrap();
        assert_eq!(
            (f.width, f.height),
            (960, 769),
            "the frame is the photo's own size"
        );
        assert_eq!(f.found.faces.len(), 4, "four people, four faces");
        for b in &f.found.faces {
            assert!(
                b.x + b.w <= f.width && b.y + b.h <= f.height,
                "every box lies inside the frame the shell scales from: {b:?}"
            );
        }
    }
}
