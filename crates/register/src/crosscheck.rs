//! Whether the consent answers, withdrawals and pupil flags (and the other registers that decide
//! whether a photo may go out: see [`differences`]) still say what the audit log recorded when
//! ClearShot wrote them.
//!
//! The tables are append-only behind triggers, and every write appends an audit entry in the
//! same transaction; the entries are chained, so they cannot be changed unseen. But a person
//! with the register file and `sqlite3` can drop the triggers and turn a parent's "no" into a
//! "yes", delete a withdrawal or a never-publish flag: the chain still verifies, because the
//! rows are not in it. This replays the log's `consent.record`, `consent.withdraw`, `flag.set`,
//! `flag.clear`, `pupil.rekey` (merges) and `pupil.purge` entries into the rows they must have
//! left, and compares them with the rows there are. Each difference is one sentence.
//!
//! An entry whose payload was redacted by retention vouches for nothing: its pupil's rows were
//! deleted with it. A row that only a redacted entry could vouch for is reported as not in the
//! log. Redacting is the one change the audit triggers allow, so a redaction is also checked to
//! belong to a purge: a pupil purged, or a record merged into one purged. And each pupil's
//! pseudonymous id must be one the log saw added: a record given a fresh id would otherwise
//! shed its history.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::Connection;
use serde_json::Value;

use crate::Result;

/// One consent answer, as the log recorded it or as the table holds it (channel and answer
/// apart: a `consent.record` entry lists the form's channels, not which row holds which).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    subject: String,
    form_id: String,
    signatory: String,
    signer_name: Option<String>,
    relationship: Option<String>,
    signed_on: String,
    expires_on: Option<String>,
    evidence_sha256: Option<String>,
    recorded_by: String,
    recorded_at: String,
}

/// A withdrawal: the log records its fields but not its row id, so withdrawals are compared as
/// a multiset. Details a withdrawal did not give (and every withdrawal logged before they
/// existed) are empty.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Withdrawal {
    subject: String,
    signatory: String,
    channel: String,
    on: String,
    signer_name: String,
    relationship: String,
    note: String,
    evidence_sha256: String,
    by: String,
    at: String,
}

impl Withdrawal {
    /// From a `consent.withdraw` payload (one channel of it), or a rekey's copy of a row.
    fn from_log(subject: &str, channel: String, by: String, at: String, p: &Value) -> Withdrawal {
        Withdrawal {
            subject: subject.to_owned(),
            signatory: text_or_empty(p, "signatory"),
            channel,
            on: text_or_empty(p, "withdrawn_on"),
            signer_name: text_or_empty(p, "signer_name"),
            relationship: text_or_empty(p, "relationship"),
            note: text_or_empty(p, "note"),
            evidence_sha256: text_or_empty(p, "evidence_sha256"),
            by,
            at,
        }
    }

    fn words(&self, names: &Names) -> String {
        format!(
            "a withdrawal of {} ({} withdrew {} from {})",
            names.of(&self.subject),
            self.signatory,
            self.channel,
            self.on
        )
    }
}

/// A form's (channel, granted) pairs.
type Pairs = Vec<(String, bool)>;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Flag {
    subject: String,
    kind: String,
    reason: String,
    set_on: String,
    set_by: String,
    /// (on, reason, by)
    cleared: Option<(String, String, String)>,
}

#[derive(Default)]
struct Expected {
    /// Each answer row's fields, and the sequence number of the entry that recorded its form:
    /// its channel and answer are one of that form's.
    answers: HashMap<i64, (Answer, i64)>,
    /// The (channel, granted) pairs of each recorded form, by its entry's sequence number: all
    /// of them, and those no row has matched yet.
    forms: HashMap<i64, (Pairs, Pairs)>,
    withdrawals: BTreeMap<Withdrawal, usize>,
    flags: HashMap<i64, Flag>,
    /// Forms voided as recorded in error: form id → (reason, by, at).
    voids: BTreeMap<String, (String, String, String)>,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn text_or_empty(v: &Value, key: &str) -> String {
    text(v, key).unwrap_or_default()
}

fn texts(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

impl Expected {
    /// Replays the entries that create, move and remove the compared rows, oldest first.
    fn from_log(conn: &Connection) -> Result<Expected> {
        let mut exp = Expected::default();
        let mut stmt = conn.prepare(
            "SELECT seq, at, actor, action, subject, payload FROM audit_log
             WHERE action IN ('consent.record', 'consent.withdraw', 'flag.set', 'flag.clear',
                              'pupil.rekey', 'pupil.purge', 'pupil.add', 'consent.void')
             ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        for row in rows {
            let (seq, at, actor, action, subject, payload) = row?;
            let subject = subject.unwrap_or_default();
            if action == "pupil.purge" {
                exp.forget(&subject);
                continue;
            }
            if action == "pupil.add" {
                continue;
            }
            // Redacted, or not JSON (the chain check reports a payload that does not hash).
            let Some(p) = payload.and_then(|p| serde_json::from_str::<Value>(&p).ok()) else {
                continue;
            };
            match action.as_str() {
                "consent.record" => exp.record(seq, &at, &actor, &subject, &p),
                "consent.withdraw" => {
                    for channel in texts(&p, "channels") {
                        let w =
                            Withdrawal::from_log(&subject, channel, actor.clone(), at.clone(), &p);
                        *exp.withdrawals.entry(w).or_default() += 1;
                    }
                }
                "flag.set" => {
                    if let Some(id) = p.get("flag_id").and_then(Value::as_i64) {
                        exp.flags.insert(
                            id,
                            Flag {
                                subject: subject.clone(),
                                kind: text_or_empty(&p, "kind"),
                                reason: text_or_empty(&p, "reason"),
                                set_on: text_or_empty(&p, "set_on"),
                                set_by: actor.clone(),
                                cleared: None,
                            },
                        );
                    }
                }
                "flag.clear" => {
                    if let Some(flag) = p
                        .get("flag_id")
                        .and_then(Value::as_i64)
                        .and_then(|id| exp.flags.get_mut(&id))
                    {
                        flag.cleared = Some((
                            text_or_empty(&p, "cleared_on"),
                            text_or_empty(&p, "reason"),
                            actor.clone(),
                        ));
                    }
                }
                "pupil.rekey" => exp.merge(&subject, &p),
                "consent.void" => {
                    if let Some(form) = text(&p, "form_id") {
                        exp.voids.insert(
                            form,
                            (text_or_empty(&p, "reason"), actor.clone(), at.clone()),
                        );
                    }
                }
                _ => {}
            }
        }
        Ok(exp)
    }

    fn record(&mut self, seq: i64, at: &str, actor: &str, subject: &str, p: &Value) {
        let answer = Answer {
            subject: subject.to_owned(),
            form_id: text_or_empty(p, "form_id"),
            signatory: text_or_empty(p, "signatory"),
            signer_name: text(p, "signer_name"),
            relationship: text(p, "relationship"),
            signed_on: text_or_empty(p, "signed_on"),
            expires_on: text(p, "expires_on"),
            evidence_sha256: text(p, "evidence_sha256"),
            recorded_by: actor.to_owned(),
            recorded_at: at.to_owned(),
        };
        let choices: Vec<(String, bool)> = texts(p, "granted")
            .into_iter()
            .map(|c| (c, true))
            .chain(texts(p, "refused").into_iter().map(|c| (c, false)))
            .collect();
        self.forms.insert(seq, (choices.clone(), choices));
        for id in p
            .get("answer_ids")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_i64)
        {
            self.answers.insert(id, (answer.clone(), seq));
        }
    }

    /// A merge (`pupils rekey` onto a UPN that had a record of its own): the merged record's
    /// answers became new rows of the kept record, its withdrawals and flags moved with them.
    fn merge(&mut self, kept: &str, p: &Value) {
        if p.get("merged").and_then(Value::as_bool) != Some(true) {
            return;
        }
        let Some(gone) = text(p, "merged_subject").map(|s| crate::pupils::subject_of(&s)) else {
            return;
        };
        for a in p
            .get("consent_answers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(old), Some(new)) = (
                a.get("id").and_then(Value::as_i64),
                a.get("now_id").and_then(Value::as_i64),
            ) else {
                continue;
            };
            // What the log said of the old row stands (if it had been changed before the merge,
            // the copy carries the change and is reported); a row the log never had stays out.
            if let Some((mut answer, form)) = self.answers.remove(&old) {
                answer.subject = kept.to_owned();
                self.answers.insert(new, (answer, form));
            }
        }
        for w in p
            .get("consent_withdrawals")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = |subject: &str| -> Withdrawal {
                Withdrawal::from_log(
                    subject,
                    text_or_empty(w, "channel"),
                    text_or_empty(w, "recorded_by"),
                    text_or_empty(w, "recorded_at"),
                    w,
                )
            };
            if take(&mut self.withdrawals, &key(&gone)) {
                *self.withdrawals.entry(key(kept)).or_default() += 1;
            }
        }
        for id in p
            .get("flags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|f| f.get("flag_id").and_then(Value::as_i64))
        {
            if let Some(flag) = self.flags.get_mut(&id) {
                flag.subject = kept.to_owned();
            }
        }
    }

    /// A purged pupil's rows were deleted with their entries' payloads.
    fn forget(&mut self, subject: &str) {
        self.answers.retain(|_, (a, _)| a.subject != subject);
        self.withdrawals.retain(|w, _| w.subject != subject);
        self.flags.retain(|_, f| f.subject != subject);
    }
}

/// Removes one of `key` from a multiset; whether there was one.
fn take<K: Ord>(set: &mut BTreeMap<K, usize>, key: &K) -> bool {
    match set.get_mut(key) {
        Some(n) if *n > 1 => {
            *n -= 1;
            true
        }
        Some(_) => {
            set.remove(key);
            true
        }
        None => false,
    }
}

/// The pupils on the register, by their pseudonymous subjects.
struct Names {
    /// A pupil's own subject → their UPN (how a pupil is named in a sentence).
    upns: HashMap<String, String>,
    /// Every subject that stands for a pupil on the register → the pupil's own subject: their
    /// own, and those of the records merged into theirs (by the log's merges).
    owner: HashMap<String, String>,
}

impl Names {
    fn load(conn: &Connection) -> Result<Names> {
        let pupils: Vec<(i64, String, String)> = conn
            .prepare("SELECT id, subject_id, upn FROM pupils")?
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    crate::pupils::subject_of(&r.get::<_, String>(1)?),
                    r.get(2)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut owner: HashMap<String, String> = pupils
            .iter()
            .map(|(_, s, _)| (s.clone(), s.clone()))
            .collect();
        let by_id: HashMap<i64, &String> = pupils.iter().map(|(id, s, _)| (*id, s)).collect();
        for (alias, pupil) in crate::rekey::aliases_in_log(conn)? {
            if let Some(s) = by_id.get(&pupil) {
                owner.insert(crate::pupils::subject_of(&alias), (*s).clone());
            }
        }
        let upns = pupils.into_iter().map(|(_, s, upn)| (s, upn)).collect();
        Ok(Names { upns, owner })
    }

    fn of(&self, subject: &str) -> String {
        match self.upns.get(subject) {
            Some(upn) => format!("pupil {upn}"),
            None => format!("a pupil no longer on the register ({subject})"),
        }
    }
}

/// The pseudonymous subject of the pupil a row belongs to, from the joined `subject_id` column
/// at `i` ("" for a row whose pupil is missing: the foreign-key check names it).
fn subject_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<String> {
    Ok(r.get::<_, Option<String>>(i)?
        .map(|s| crate::pupils::subject_of(&s))
        .unwrap_or_default())
}

/// The fields of a record that differ from what the log recorded, each with both values:
/// "signer name \"J Smith\" (the log: \"Jane Smith\")". Empty when none of the given do.
fn changed_fields(fields: &[(&str, Option<&str>, Option<&str>)]) -> String {
    let text = |v: Option<&str>| v.map_or("none".to_owned(), |v| format!("\"{v}\""));
    let changed: Vec<String> = fields
        .iter()
        .filter(|(_, held, logged)| held != logged)
        .map(|(label, held, logged)| {
            format!("{label} {} (the log: {})", text(*held), text(*logged))
        })
        .collect();
    if changed.is_empty() {
        String::new()
    } else {
        format!(" — {}", changed.join(", "))
    }
}

fn answer_changes(held: &Answer, logged: &Answer) -> String {
    changed_fields(&[
        ("form", Some(&held.form_id), Some(&logged.form_id)),
        ("signatory", Some(&held.signatory), Some(&logged.signatory)),
        (
            "signer name",
            held.signer_name.as_deref(),
            logged.signer_name.as_deref(),
        ),
        (
            "relationship",
            held.relationship.as_deref(),
            logged.relationship.as_deref(),
        ),
        ("signed on", Some(&held.signed_on), Some(&logged.signed_on)),
        (
            "expires on",
            held.expires_on.as_deref(),
            logged.expires_on.as_deref(),
        ),
        (
            "scanned form",
            held.evidence_sha256.as_deref(),
            logged.evidence_sha256.as_deref(),
        ),
        (
            "recorded by",
            Some(&held.recorded_by),
            Some(&logged.recorded_by),
        ),
        (
            "recorded at",
            Some(&held.recorded_at),
            Some(&logged.recorded_at),
        ),
    ])
}

fn answer_words(a: &Answer, choice: Option<(&str, bool)>) -> String {
    let what = match choice {
        Some((channel, true)) => format!("granted {channel}"),
        Some((channel, false)) => format!("refused {channel}"),
        None => "answered".to_owned(),
    };
    format!("{} {what}, signed {}", a.signatory, a.signed_on)
}

/// Every difference between the compared tables and the audit log, one sentence each, in a
/// stable order: answers, withdrawals, flags; pupils' pseudonymous ids and unexplained
/// redactions; then staff, devices, holds, settings, accounts, takedown tasks and clearances.
pub fn differences(conn: &Connection) -> Result<Vec<String>> {
    let mut exp = Expected::from_log(conn)?;
    let names = Names::load(conn)?;
    let mut out = Vec::new();

    // Answers.
    let mut stmt = conn.prepare(
        "SELECT c.id, p.subject_id, c.form_id, c.signatory, c.signer_name, c.relationship,
                c.channel, c.granted, c.signed_on, c.expires_on, c.evidence_sha256,
                c.recorded_by, c.recorded_at
         FROM consent_answers c LEFT JOIN pupils p ON p.id = c.pupil_id ORDER BY c.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            Answer {
                subject: subject_at(r, 1)?,
                form_id: r.get(2)?,
                signatory: r.get(3)?,
                signer_name: r.get(4)?,
                relationship: r.get(5)?,
                signed_on: r.get(8)?,
                expires_on: r.get(9)?,
                evidence_sha256: r.get(10)?,
                recorded_by: r.get(11)?,
                recorded_at: r.get(12)?,
            },
            r.get::<_, String>(6)?,
            r.get::<_, bool>(7)?,
        ))
    })?;
    for row in rows {
        let (id, actual, channel, granted) = row?;
        let Some((logged, form)) = exp.answers.remove(&id) else {
            out.push(format!(
                "consent answer #{id} of {} ({}) is not in the audit log: it was added outside ClearShot",
                names.of(&actual.subject),
                answer_words(&actual, Some((&channel, granted)))
            ));
            continue;
        };
        // Each row takes one of its form's (channel, answer) pairs.
        let choice_ok = exp
            .forms
            .get_mut(&form)
            .and_then(|(_, pairs)| {
                let i = pairs
                    .iter()
                    .position(|(c, g)| *c == channel && *g == granted)?;
                Some(pairs.swap_remove(i))
            })
            .is_some();
        if logged != actual || !choice_ok {
            let mut logged_words = answer_words(&logged, None);
            if !choice_ok
                && let Some((all, _)) = exp.forms.get(&form)
                && !all.is_empty()
            {
                let pairs: Vec<String> = all
                    .iter()
                    .map(|(c, g)| format!("{} {c}", if *g { "granted" } else { "refused" }))
                    .collect();
                logged_words.push_str(&format!(" (the form: {})", pairs.join(", ")));
            }
            let whose = if logged.subject != actual.subject {
                format!(", recorded for {}", names.of(&logged.subject))
            } else {
                String::new()
            };
            out.push(format!(
                "consent answer #{id} of {} says {}, but the audit log recorded {}{whose}: it was changed outside ClearShot{}",
                names.of(&actual.subject),
                answer_words(&actual, Some((&channel, granted))),
                logged_words,
                answer_changes(&actual, &logged)
            ));
        }
    }
    let mut missing: Vec<(i64, Answer)> = exp
        .answers
        .into_iter()
        .map(|(id, (a, _))| (id, a))
        .collect();
    missing.sort_by_key(|(id, _)| *id);
    for (id, a) in missing {
        out.push(format!(
            "consent answer #{id} of {} ({}) was recorded, and is gone: it was deleted outside ClearShot",
            names.of(&a.subject),
            answer_words(&a, None)
        ));
    }

    // Withdrawals.
    let mut stmt = conn.prepare(
        "SELECT p.subject_id, w.signatory, w.channel, w.withdrawn_on, w.signer_name, w.relationship,
            w.note, w.evidence_sha256, w.recorded_by, w.recorded_at
         FROM consent_withdrawals w LEFT JOIN pupils p ON p.id = w.pupil_id ORDER BY w.id",
    )?;
    let rows = stmt.query_map([], |r| {
        let or_empty = |i: usize| -> rusqlite::Result<String> {
            Ok(r.get::<_, Option<String>>(i)?.unwrap_or_default())
        };
        Ok(Withdrawal {
            subject: subject_at(r, 0)?,
            signatory: r.get(1)?,
            channel: r.get(2)?,
            on: r.get(3)?,
            signer_name: or_empty(4)?,
            relationship: or_empty(5)?,
            note: or_empty(6)?,
            evidence_sha256: or_empty(7)?,
            by: r.get(8)?,
            at: r.get(9)?,
        })
    })?;
    for row in rows {
        let w: Withdrawal = row?;
        if !take(&mut exp.withdrawals, &w) {
            out.push(format!(
                "{} is not in the audit log: it was added or changed outside ClearShot",
                w.words(&names)
            ));
        }
    }
    for (w, n) in &exp.withdrawals {
        for _ in 0..*n {
            out.push(format!(
                "{} was recorded, and is gone: it was deleted or changed outside ClearShot",
                w.words(&names)
            ));
        }
    }

    // Flags.
    let mut stmt = conn.prepare(
        "SELECT f.id, p.subject_id, f.kind, f.reason, f.set_on, f.set_by, f.cleared_on,
                f.cleared_reason, f.cleared_by
         FROM pupil_flags f LEFT JOIN pupils p ON p.id = f.pupil_id ORDER BY f.id",
    )?;
    let rows = stmt.query_map([], |r| {
        let cleared_on: Option<String> = r.get(6)?;
        Ok((
            r.get::<_, i64>(0)?,
            Flag {
                subject: subject_at(r, 1)?,
                kind: r.get(2)?,
                reason: r.get(3)?,
                set_on: r.get(4)?,
                set_by: r.get(5)?,
                cleared: match cleared_on {
                    Some(on) => Some((
                        on,
                        r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                        r.get::<_, Option<String>>(8)?.unwrap_or_default(),
                    )),
                    None => None,
                },
            },
        ))
    })?;
    let state = |f: &Flag| match &f.cleared {
        Some((on, _, _)) => format!("{} flag set on {}, cleared on {on}", f.kind, f.set_on),
        None => format!("{} flag set on {}", f.kind, f.set_on),
    };
    for row in rows {
        let (id, actual) = row?;
        match exp.flags.remove(&id) {
            None => out.push(format!(
                "flag #{id} of {} ({}) is not in the audit log: it was added outside ClearShot",
                names.of(&actual.subject),
                state(&actual)
            )),
            Some(logged) if logged != actual => {
                let cleared = |f: &Flag, by: bool| {
                    f.cleared
                        .as_ref()
                        .map(|(on, _, who)| if by { who.clone() } else { on.clone() })
                };
                let mut changes = changed_fields(&[
                    ("kind", Some(&actual.kind), Some(&logged.kind)),
                    ("set on", Some(&actual.set_on), Some(&logged.set_on)),
                    ("set by", Some(&actual.set_by), Some(&logged.set_by)),
                    (
                        "cleared on",
                        cleared(&actual, false).as_deref(),
                        cleared(&logged, false).as_deref(),
                    ),
                    (
                        "cleared by",
                        cleared(&actual, true).as_deref(),
                        cleared(&logged, true).as_deref(),
                    ),
                ]);
                // A reason is a safeguarding matter: said to differ, never quoted.
                let cleared_reason = |f: &Flag| f.cleared.as_ref().map(|c| c.1.clone());
                for (differs, what) in [
                    (actual.reason != logged.reason, "the reason"),
                    (
                        actual.cleared.is_some()
                            && logged.cleared.is_some()
                            && cleared_reason(&actual) != cleared_reason(&logged),
                        "the reason it was lifted",
                    ),
                ] {
                    if differs {
                        changes.push_str(if changes.is_empty() { " — " } else { ", " });
                        changes.push_str(&format!("{what} is not the one the log recorded"));
                    }
                }
                let whose = if logged.subject != actual.subject {
                    format!(", recorded for {}", names.of(&logged.subject))
                } else {
                    String::new()
                };
                out.push(format!(
                    "flag #{id} of {} says {}, but the audit log recorded {}{whose}: it was changed outside ClearShot{changes}",
                    names.of(&actual.subject),
                    state(&actual),
                    state(&logged)
                ))
            }
            Some(_) => {}
        }
    }
    let mut missing: Vec<(i64, Flag)> = exp.flags.into_iter().collect();
    missing.sort_by_key(|(id, _)| *id);
    for (id, f) in missing {
        out.push(format!(
            "flag #{id} of {} ({}) was recorded, and is gone: it was deleted outside ClearShot",
            names.of(&f.subject),
            state(&f)
        ));
    }
    // Voids: a void added behind the log would silently cancel a "no". A purge deletes a
    // form's void with its answers, so only forms that still have answers are compared.
    let has_table: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'consent_voids'",
        [],
        |r| r.get(0),
    )?;
    if has_table > 0 {
        let mut stmt = conn.prepare(
            "SELECT v.form_id, v.reason, v.voided_by, v.voided_at,
                    (SELECT p.subject_id FROM consent_answers c JOIN pupils p ON p.id = c.pupil_id
                     WHERE c.form_id = v.form_id LIMIT 1)
             FROM consent_voids v ORDER BY v.form_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                (
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ),
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        for row in rows {
            let (form, actual, subject) = row?;
            let whose = subject
                .map(|s| names.of(&crate::pupils::subject_of(&s)))
                .unwrap_or_default();
            match exp.voids.remove(&form) {
                None => out.push(format!(
                    "the void of form {form} of {whose} (\"{}\") is not in the audit log: it was added outside ClearShot",
                    actual.0
                )),
                Some(logged) if logged != actual => out.push(format!(
                    "the void of form {form} of {whose} says \"{}\", but the audit log recorded \"{}\": it was changed outside ClearShot",
                    actual.0, logged.0
                )),
                Some(_) => {}
            }
        }
        let still_there: HashSet<String> = conn
            .prepare("SELECT DISTINCT form_id FROM consent_answers")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for (form, (reason, _, _)) in &exp.voids {
            if still_there.contains(form) {
                out.push(format!(
                    "form {form} was voided (\"{reason}\"), and the void is gone: the form counts again, changed outside ClearShot"
                ));
            }
        }
    }
    out.extend(subject_differences(conn, &names)?);
    out.extend(pupil_differences(conn, &names)?);
    out.extend(register_differences(conn, &names)?);
    Ok(out)
}

/// What a pupil's record holds that decides consent and lists, by field, as text.
const PUPIL_FIELDS: &[(&str, &str)] = &[
    ("upn", "UPN"),
    ("legal_forename", "legal forename"),
    ("legal_surname", "legal surname"),
    ("preferred_forename", "preferred forename"),
    ("preferred_surname", "preferred surname"),
    ("dob", "date of birth"),
    ("academy", "academy"),
    ("reg_group", "registration group"),
    ("admission_number", "admission number"),
    // Said as the school says it: "Year 4 (the log: Year 5)".
    ("year_group", ""),
    ("year_group_academic_year", "year group's school year"),
    ("left_on", "left on"),
    ("joined_on", "on roll from"),
];

/// A JSON value as the text a row holds: `Some(None)` for null, `None` when the key is absent
/// (an entry written before the log recorded that field: not compared).
fn field(p: &Value, key: &str) -> Option<Option<String>> {
    p.get(key).map(|v| match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    })
}

/// Each pupil's record against what the log's `academy.add`, `pupil.add`, `pupil.update`,
/// `pupil.left`, `pupil.rekey`, `pupil.merged_away` and `pupil.purge` entries left it holding:
/// the year group decides who must consent, the UPN which child a photo's tag is, the dates
/// whether the child is on the lists at all. Each difference names the field and both values.
/// A field an older entry did not record is not compared; a record whose pseudonymous id the
/// log never saw added is reported by [`subject_differences`].
fn pupil_differences(conn: &Connection, names: &Names) -> Result<Vec<String>> {
    let mut out = Vec::new();
    // Academies: their code is how a pupil's academy is named.
    let logged: BTreeMap<String, String> = entries(conn, &["academy.add"])?
        .into_iter()
        .filter_map(|(_, _, p)| {
            let code = p.get("code")?.as_str()?.to_owned();
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            Some((code, format!("\"{name}\"")))
        })
        .collect();
    let held: BTreeMap<String, String> = rows(conn, "SELECT code, name FROM academies", 2)?
        .into_iter()
        .map(|r| {
            let mut r = r.into_iter().map(Option::unwrap_or_default);
            let code = r.next().unwrap_or_default();
            (code, format!("\"{}\"", r.next().unwrap_or_default()))
        })
        .collect();
    diff("academy", &logged, &held, &mut out);

    type Record = BTreeMap<&'static str, Option<Option<String>>>;
    let mut logged: BTreeMap<String, Record> = BTreeMap::new();
    for (action, subject, p) in entries(
        conn,
        &[
            "pupil.add",
            "pupil.update",
            "pupil.left",
            "pupil.rekey",
            "pupil.merged_away",
            "pupil.purge",
        ],
    )? {
        match action.as_str() {
            "pupil.add" | "pupil.update" => {
                let record = logged.entry(subject).or_default();
                for (key, _) in PUPIL_FIELDS {
                    let value = field(&p, key);
                    // A new record is on roll. What an older entry did not say is not known.
                    let value = match (*key, &value, action.as_str()) {
                        ("left_on", None, "pupil.add") => Some(None),
                        _ => value,
                    };
                    record.insert(key, value);
                }
            }
            "pupil.left" => {
                logged
                    .entry(subject)
                    .or_default()
                    .insert("left_on", field(&p, "left_on"));
            }
            "pupil.rekey" => {
                let record = logged.entry(subject).or_default();
                record.insert("upn", field(&p, "to"));
                if let Some(roll) = p.get("roll") {
                    for (key, _) in PUPIL_FIELDS {
                        if !matches!(*key, "upn" | "dob" | "joined_on") {
                            record.insert(key, field(roll, key));
                        }
                    }
                }
            }
            _ => {
                logged.remove(&subject);
                for merged in p
                    .get("merged_subjects")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    logged.remove(&crate::pupils::subject_of(merged));
                }
            }
        }
    }
    let columns = "p.upn, p.legal_forename, p.legal_surname, p.preferred_forename, \
        p.preferred_surname, p.dob, a.code, p.reg_group, p.admission_number, p.year_group, \
        p.year_group_academic_year, p.left_on, p.joined_on";
    let held = rows(
        conn,
        &format!(
            "SELECT p.subject_id, {columns} FROM pupils p LEFT JOIN academies a ON a.id = p.academy_id"
        ),
        PUPIL_FIELDS.len() + 1,
    )?;
    for row in held {
        let mut row = row.into_iter();
        let subject = crate::pupils::subject_of(&row.next().flatten().unwrap_or_default());
        let Some(record) = logged.remove(&subject) else {
            continue;
        };
        let changed: Vec<String> = PUPIL_FIELDS
            .iter()
            .zip(row)
            .filter_map(|((key, label), held)| {
                let logged = record.get(key).cloned().flatten()?;
                (logged != held).then(|| {
                    // A year group as the school says it ("Nursery 1", "Year 7"), not its number.
                    let text = |v: &Option<String>| match (v, *key) {
                        (Some(n), "year_group") => n
                            .parse::<i32>()
                            .map_or_else(|_| n.clone(), rules::year::year_group_label),
                        (Some(v), _) => v.clone(),
                        (None, _) => "none".into(),
                    };
                    format!("{label} {} (the log: {})", text(&held), text(&logged))
                        .trim_start()
                        .to_owned()
                })
            })
            .collect();
        if !changed.is_empty() {
            out.push(format!(
                "the record of {} says {}: it was changed outside ClearShot",
                names.of(&subject),
                changed.join(", ")
            ));
        }
    }
    for (subject, record) in logged {
        let upn = record
            .get("upn")
            .cloned()
            .flatten()
            .flatten()
            .unwrap_or_default();
        out.push(format!(
            "the record of pupil {upn} ({subject}) was recorded, and is gone: it was deleted outside ClearShot"
        ));
    }
    Ok(out)
}

/// Compares one table's rows, each reduced to a key and a readable state, with the states the
/// log recorded for them.
fn diff(
    what: &str,
    logged: &BTreeMap<String, String>,
    held: &BTreeMap<String, String>,
    out: &mut Vec<String>,
) {
    for (key, state) in held {
        match logged.get(key) {
            None => out.push(format!(
                "{what} {key} ({state}) is not in the audit log: it was added outside ClearShot"
            )),
            Some(l) if l != state => out.push(format!(
                "{what} {key} says {state}, but the audit log recorded {l}: it was changed outside ClearShot"
            )),
            Some(_) => {}
        }
    }
    for (key, state) in logged {
        if !held.contains_key(key) {
            out.push(format!(
                "{what} {key} ({state}) was recorded, and is gone: it was deleted outside ClearShot"
            ));
        }
    }
}

fn on_or(label: &str, date: Option<String>) -> String {
    date.filter(|d| !d.is_empty())
        .map(|d| format!(", {label} {d}"))
        .unwrap_or_default()
}

/// The entries of some actions, oldest first: (action, subject, payload), redacted ones left out.
fn entries(conn: &Connection, actions: &[&str]) -> Result<Vec<(String, String, Value)>> {
    let list = actions
        .iter()
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = conn.prepare(&format!(
        "SELECT action, subject, payload FROM audit_log
         WHERE action IN ({list}) AND payload IS NOT NULL ORDER BY seq"
    ))?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?.unwrap_or_default(),
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (action, subject, payload) = row?;
        if let Ok(v) = serde_json::from_str::<Value>(&payload) {
            out.push((action, subject, v));
        }
    }
    Ok(out)
}

/// A query's rows, each column as text. A table a register made before schema 2 lacks (an old
/// backup being checked before it is restored) has no rows, and no entries to compare either.
fn rows(conn: &Connection, sql: &str, n: usize) -> Result<Vec<Vec<Option<String>>>> {
    let mut stmt = match conn.prepare(sql) {
        Ok(stmt) => stmt,
        Err(e) if e.to_string().contains("no such table") => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    // Each column as text, whatever its type (an id is an integer).
    let rows = stmt.query_map([], |r| {
        (0..n)
            .map(|i| {
                Ok(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => None,
                    rusqlite::types::ValueRef::Integer(v) => Some(v.to_string()),
                    rusqlite::types::ValueRef::Real(v) => Some(v.to_string()),
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        Some(String::from_utf8_lossy(t).into_owned())
                    }
                })
            })
            .collect::<rusqlite::Result<Vec<_>>>()
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Staff approvals, devices, holds, settings, accounts' administrators, clearances (the photo,
/// channel, academy, staff, day and pupils) and takedown tasks, against the log: each decides
/// whether a photo may be published or must come down, and none is behind a trigger.
fn register_differences(conn: &Connection, names: &Names) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let get = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);

    // Staff: approved, trained, revoked.
    let staff_state =
        |approved: Option<String>, trained: Option<String>, revoked: Option<String>| {
            format!(
                "approved on {}{}{}",
                approved.unwrap_or_default(),
                on_or("trained on", trained),
                on_or("revoked on", revoked)
            )
        };
    let mut logged: BTreeMap<String, [Option<String>; 3]> = BTreeMap::new();
    for (action, _, p) in entries(
        conn,
        &[
            "staff.add",
            "staff.reapprove",
            "staff.revoke",
            "staff.train",
        ],
    )? {
        let Some(email) = get(&p, "email") else {
            continue;
        };
        match action.as_str() {
            "staff.revoke" => {
                if let Some(s) = logged.get_mut(&email) {
                    s[2] = get(&p, "revoked_on");
                }
            }
            "staff.train" => {
                if let Some(s) = logged.get_mut(&email) {
                    s[1] = get(&p, "trained_on");
                }
            }
            _ => {
                logged.insert(email, [get(&p, "approved_on"), get(&p, "trained_on"), None]);
            }
        }
    }
    let logged = logged
        .into_iter()
        .map(|(k, [a, t, r])| (k, staff_state(a, t, r)))
        .collect();
    let held = rows(
        conn,
        "SELECT email, approved_on, trained_on, revoked_on FROM staff",
        4,
    )?
    .into_iter()
    .map(|r| {
        let mut r = r.into_iter();
        let key = r.next().flatten().unwrap_or_default();
        (
            key,
            staff_state(r.next().flatten(), r.next().flatten(), r.next().flatten()),
        )
    })
    .collect();
    diff("member of staff", &logged, &held, &mut out);

    // Devices: what identifies them, added, retired.
    let device_state = |make: Option<String>,
                        model: Option<String>,
                        serial: Option<String>,
                        added: Option<String>,
                        retired: Option<String>| {
        format!(
            "{} {}{}, added on {}{}",
            make.unwrap_or_default(),
            model.unwrap_or_default(),
            serial
                .filter(|s| !s.is_empty())
                .map(|s| format!(", serial {s}"))
                .unwrap_or_default(),
            added.unwrap_or_default(),
            on_or("retired on", retired)
        )
    };
    let mut logged: BTreeMap<String, [Option<String>; 5]> = BTreeMap::new();
    for (action, _, p) in entries(conn, &["device.add", "device.retire"])? {
        let Some(label) = get(&p, "label") else {
            continue;
        };
        if action == "device.retire" {
            if let Some(d) = logged.get_mut(&label) {
                d[4] = get(&p, "retired_on");
            }
        } else {
            logged.insert(
                label,
                [
                    get(&p, "make"),
                    get(&p, "model"),
                    get(&p, "serial"),
                    get(&p, "added_on"),
                    None,
                ],
            );
        }
    }
    let logged = logged
        .into_iter()
        .map(|(k, [a, b, c, d, e])| (k, device_state(a, b, c, d, e)))
        .collect();
    let held = rows(
        conn,
        "SELECT label, make, model, serial, added_on, retired_on FROM devices",
        6,
    )?
    .into_iter()
    .map(|r| {
        let mut r = r.into_iter();
        let mut f = || r.next().flatten();
        let key = f().unwrap_or_default();
        (key, device_state(f(), f(), f(), f(), f()))
    })
    .collect();
    diff("device", &logged, &held, &mut out);

    // Holds: where, why, from, until.
    let hold_state =
        |scope: String, reason: Option<String>, started: Option<String>, ended: Option<String>| {
            format!(
                "{scope} hold \"{}\" from {}{}",
                reason.unwrap_or_default(),
                started.unwrap_or_default(),
                on_or("ended on", ended)
            )
        };
    let mut logged: BTreeMap<String, (String, [Option<String>; 3])> = BTreeMap::new();
    for (action, subject, p) in entries(conn, &["hold.start", "hold.end"])? {
        let Some(id) = p.get("hold_id").and_then(Value::as_i64) else {
            continue;
        };
        let key = format!("#{id}");
        if action == "hold.end" {
            if let Some(h) = logged.get_mut(&key) {
                h.1[2] = get(&p, "ended_on");
            }
        } else {
            let scope = subject
                .strip_prefix("academy:")
                .map_or_else(|| "trust-wide".to_owned(), str::to_owned);
            logged.insert(
                key,
                (scope, [get(&p, "reason"), get(&p, "started_on"), None]),
            );
        }
    }
    let logged = logged
        .into_iter()
        .map(|(k, (a, [b, c, d]))| (k, hold_state(a, b, c, d)))
        .collect();
    let held = rows(
        conn,
        "SELECT '#' || h.id, coalesce(a.code, 'trust-wide'), h.reason, h.started_on, h.ended_on
         FROM holds h LEFT JOIN academies a ON a.id = h.academy_id",
        5,
    )?
    .into_iter()
    .map(|r| {
        let mut r = r.into_iter();
        let mut f = || r.next().flatten();
        let key = f().unwrap_or_default();
        let scope = f().unwrap_or_default();
        (key, hold_state(scope, f(), f(), f()))
    })
    .collect();
    diff("posting hold", &logged, &held, &mut out);

    // Settings: the last value set.
    let mut logged: BTreeMap<String, String> = BTreeMap::new();
    for (_, _, p) in entries(conn, &["settings.set"])? {
        if let (Some(k), Some(v)) = (get(&p, "key"), get(&p, "value")) {
            logged.insert(k, format!("\"{v}\""));
        }
    }
    let held = rows(conn, "SELECT key, value FROM settings", 2)?
        .into_iter()
        .map(|r| {
            let mut r = r.into_iter();
            let k = r.next().flatten().unwrap_or_default();
            (k, format!("\"{}\"", r.next().flatten().unwrap_or_default()))
        })
        .collect();
    diff("setting", &logged, &held, &mut out);

    // Accounts and their administrators.
    let mut logged: BTreeMap<String, String> = BTreeMap::new();
    for (action, _, p) in entries(conn, &["account.add", "account.admins", "account.remove"])? {
        let (Some(platform), Some(handle)) = (get(&p, "platform"), get(&p, "handle")) else {
            continue;
        };
        let key = format!("{platform} @{handle}");
        if action == "account.remove" {
            logged.remove(&key);
            continue;
        }
        let mut admins = texts(&p, "admins");
        admins.sort();
        logged.insert(key, format!("administrators {}", admins.join(", ")));
    }
    let mut held: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows(
        conn,
        "SELECT a.platform || ' @' || a.handle, m.email FROM accounts a
         LEFT JOIN account_admins m ON m.account_id = a.id",
        2,
    )? {
        let mut r = r.into_iter();
        let key = r.next().flatten().unwrap_or_default();
        let admins = held.entry(key).or_default();
        if let Some(email) = r.next().flatten() {
            admins.push(email);
        }
    }
    let held = held
        .into_iter()
        .map(|(k, mut a)| {
            a.sort();
            (k, format!("administrators {}", a.join(", ")))
        })
        .collect();
    diff("account", &logged, &held, &mut out);

    // Takedown tasks: which clearance, and whether done.
    let task_state = |clearance: Option<String>, done: bool| {
        format!(
            "for clearance {}, {}",
            clearance.unwrap_or_default(),
            if done { "done" } else { "open" }
        )
    };
    let mut logged: BTreeMap<String, (Option<String>, bool)> = BTreeMap::new();
    let mut done: HashSet<String> = HashSet::new();
    for (action, _, p) in entries(conn, &["takedown.raise", "takedown.done"])? {
        let Some(id) = p.get("takedown_id").and_then(Value::as_i64) else {
            continue;
        };
        let key = format!("#{id}");
        if action == "takedown.done" {
            done.insert(key.clone());
            if let Some(t) = logged.get_mut(&key) {
                t.1 = true;
            }
        } else {
            logged.insert(key, (get(&p, "clearance_id"), false));
        }
    }
    let mut logged: BTreeMap<String, String> = logged
        .into_iter()
        .map(|(k, (c, d))| (k, task_state(c, d)))
        .collect();
    // A purged pupil's tasks stay, unlinked, and the entries that raised them were redacted
    // with the pupil's other entries: as many unlinked tasks as redacted raisings are theirs.
    let mut redacted_raisings: i64 = conn.query_row(
        "SELECT count(*) FROM audit_log WHERE action = 'takedown.raise' AND payload IS NULL",
        [],
        |r| r.get(0),
    )?;
    let mut held = BTreeMap::new();
    for r in rows(
        conn,
        "SELECT '#' || id, clearance_id, done_at, pupil_id FROM takedowns",
        4,
    )? {
        let mut r = r.into_iter();
        let mut f = || r.next().flatten();
        let key = f().unwrap_or_default();
        let clearance = f();
        let state = task_state(clearance.clone(), f().is_some());
        let unlinked = f().is_none();
        if unlinked && !logged.contains_key(&key) && redacted_raisings > 0 {
            redacted_raisings -= 1;
            logged.insert(key.clone(), task_state(clearance, done.contains(&key)));
        }
        held.insert(key, state);
    }
    diff("takedown task", &logged, &held, &mut out);

    // Clearances: the photo, the channel, the academy, who, the day, and the pupils in it (a
    // merged record's clearances are its kept record's; a purged pupil's links are gone).
    let who = |subjects: Vec<String>| -> String {
        let mut upns: Vec<String> = subjects
            .iter()
            .map(|s| names.upns.get(s).cloned().unwrap_or_else(|| s.clone()))
            .collect();
        upns.sort();
        upns.dedup();
        if upns.is_empty() {
            "no pupils".to_owned()
        } else {
            format!("pupils {}", upns.join(" "))
        }
    };
    let clearance_state = |sha: Option<String>,
                           channel: Option<String>,
                           academy: Option<String>,
                           staff: Option<String>,
                           on: Option<String>,
                           pupils: String| {
        format!(
            "photo {}, {} for {}, by {} on {}, {pupils}",
            sha.map(|s| s.chars().take(12).collect::<String>())
                .unwrap_or_default(),
            channel.unwrap_or_default(),
            academy.unwrap_or_default(),
            staff.map(|s| s.trim().to_lowercase()).unwrap_or_default(),
            on.unwrap_or_default()
        )
    };
    let mut logged: BTreeMap<String, String> = BTreeMap::new();
    for (_, _, p) in entries(conn, &["photo.check"])? {
        let Some(id) = get(&p, "clearance_id") else {
            continue;
        };
        let pupils: Vec<String> = texts(&p, "pupils")
            .into_iter()
            .filter_map(|s| names.owner.get(&s).cloned())
            .collect();
        logged.insert(
            id,
            clearance_state(
                get(&p, "sha256"),
                get(&p, "channel"),
                get(&p, "academy"),
                get(&p, "staff"),
                get(&p, "on"),
                who(pupils),
            ),
        );
    }
    let mut links: HashMap<String, Vec<String>> = HashMap::new();
    for r in rows(
        conn,
        "SELECT l.clearance_id, p.subject_id FROM clearance_pupils l JOIN pupils p ON p.id = l.pupil_id",
        2,
    )? {
        if let [Some(c), Some(s)] = &r[..] {
            links
                .entry(c.clone())
                .or_default()
                .push(crate::pupils::subject_of(s));
        }
    }
    let held = rows(
        conn,
        "SELECT c.id, c.photo_sha256, c.channel, a.code, c.staff_email, c.cleared_on
         FROM clearances c LEFT JOIN academies a ON a.id = c.academy_id",
        6,
    )?
    .into_iter()
    .map(|r| {
        let mut r = r.into_iter();
        let mut f = || r.next().flatten();
        let id = f().unwrap_or_default();
        let pupils = who(links.remove(&id).unwrap_or_default());
        let (sha, channel, academy, staff, on) = (f(), f(), f(), f(), f());
        (
            id.clone(),
            clearance_state(sha, channel, academy, staff, on, pupils),
        )
    })
    .collect();
    diff("clearance", &logged, &held, &mut out);

    // The provenance ledger: a photo's hash in it is the evidence that a trust device took it.
    let ledger_state = |device: Option<String>, taken: Option<String>, phash: Option<String>| {
        format!(
            "ingested from {}, {}, perceptual hash {}",
            device.unwrap_or_default(),
            taken
                .filter(|t| !t.is_empty())
                .map_or("its time not known".to_owned(), |t| format!("taken {t}")),
            phash.unwrap_or_default()
        )
    };
    let logged: BTreeMap<String, String> = entries(conn, &["ledger.ingest"])?
        .into_iter()
        .filter_map(|(_, _, p)| {
            Some((
                get(&p, "sha256")?,
                ledger_state(get(&p, "device"), get(&p, "taken_at"), get(&p, "phash")),
            ))
        })
        .collect();
    let held: BTreeMap<String, String> = rows(
        conn,
        "SELECT l.sha256, d.label, l.taken_at, l.phash
         FROM photo_ledger l LEFT JOIN devices d ON d.id = l.device_id",
        4,
    )?
    .into_iter()
    .map(|r| {
        let mut r = r.into_iter();
        let key = r.next().flatten().unwrap_or_default();
        (
            key,
            ledger_state(r.next().flatten(), r.next().flatten(), r.next().flatten()),
        )
    })
    .collect();
    diff("ledger photo", &logged, &held, &mut out);
    Ok(out)
}

/// Pupils whose pseudonymous id the log never saw added, and redacted entries that no purge
/// explains.
fn subject_differences(conn: &Connection, names: &Names) -> Result<Vec<String>> {
    let mut added: HashSet<String> = HashSet::new();
    let mut purged: HashSet<String> = HashSet::new();
    let mut merged_away: HashSet<String> = HashSet::new();
    let mut redacted: BTreeMap<String, (i64, usize)> = BTreeMap::new();
    let mut stmt = conn.prepare(
        "SELECT seq, action, subject, payload FROM audit_log
         WHERE (action IN ('pupil.add', 'pupil.purge', 'pupil.merged_away') OR payload IS NULL)
           AND subject IS NOT NULL
         ORDER BY seq",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    for row in rows {
        let (seq, action, subject, payload) = row?;
        match action.as_str() {
            "pupil.add" => {
                added.insert(subject.clone());
            }
            "pupil.purge" => {
                // The records merged into the purged one were redacted with it.
                let p = payload
                    .as_deref()
                    .and_then(|p| serde_json::from_str::<Value>(p).ok());
                for m in p
                    .as_ref()
                    .map(|p| texts(p, "merged_subjects"))
                    .unwrap_or_default()
                {
                    purged.insert(crate::pupils::subject_of(&m));
                }
                purged.insert(subject.clone());
            }
            "pupil.merged_away" => {
                merged_away.insert(subject.clone());
            }
            _ => {}
        }
        if payload.is_none() {
            let e = redacted.entry(subject).or_insert((seq, 0));
            e.1 += 1;
        }
    }
    let mut out = Vec::new();
    for subject in names.upns.keys() {
        if !added.contains(subject) {
            out.push(format!(
                "{} has the pseudonymous id {subject}, which the audit log never saw added: the record was changed outside ClearShot, and its history no longer points at it",
                names.of(subject)
            ));
        }
    }
    out.sort();
    // A record merged into a pupil who was purged later is redacted with them; registers purged
    // before purge entries listed such records are recognised by their merge entry, when no
    // pupil on the register holds them.
    for (subject, (first, n)) in redacted {
        let explained = purged.contains(&subject)
            || (merged_away.contains(&subject) && !names.owner.contains_key(&subject));
        if !explained {
            out.push(format!(
                "{n} audit entr{} about {subject} (the first at #{first}) had {} details removed, but no retention purge removed them: the register file was edited outside ClearShot",
                if n == 1 { "y" } else { "ies" },
                if n == 1 { "its" } else { "their" }
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consents::{Form, WithdrawalDetails, record_form, withdraw};
    use crate::flags::FlagKind;
    use crate::pupils::Pupil;
    use crate::test_support::{add_pupil, d, stamp};
    use rules::consent::{Channel, Signatory};

    fn record(conn: &mut Connection, p: &Pupil, signatory: Signatory, answers: &[(Channel, bool)]) {
        let tx = crate::begin(conn).unwrap();
        let form = Form {
            signatory,
            signer_name: Some("Jane Example".into()),
            relationship: Some("mother".into()),
            signed_on: d("2025-09-05"),
            expires_on: None,
            evidence_sha256: None,
            answers: answers.to_vec(),
        };
        record_form(&tx, p, &form, &stamp()).unwrap();
        tx.commit().unwrap();
    }

    /// Three pupils with forms, withdrawals and flags; B is merged into A by a rekey, C purged.
    fn register() -> (Connection, Pupil) {
        let mut conn = crate::db::open_in_memory().unwrap();
        let a = add_pupil(&mut conn, "A1", "Ann");
        let b = add_pupil(&mut conn, "B1", "Ann");
        let c = add_pupil(&mut conn, "C1", "Cat");
        use Channel::*;
        record(
            &mut conn,
            &a,
            Signatory::Parent,
            &[(Website, true), (AcademySocial, false), (Press, true)],
        );
        record(&mut conn, &a, Signatory::Pupil, &[(AcademySocial, true)]);
        record(
            &mut conn,
            &b,
            Signatory::Parent,
            &[(AcademySocial, true), (Website, false)],
        );
        record(&mut conn, &c, Signatory::Parent, &[(Website, true)]);
        let tx = crate::begin(&mut conn).unwrap();
        let none = WithdrawalDetails::default();
        withdraw(
            &tx,
            &a,
            Signatory::Parent,
            &[Press],
            d("2025-10-01"),
            &none,
            &stamp(),
        )
        .unwrap();
        // With who asked, how and the proof: carried by the merge, compared like the rest.
        let asked = WithdrawalDetails {
            signer_name: Some("Ana Okafor".into()),
            relationship: Some("mother".into()),
            note: Some("email to the office".into()),
            evidence_sha256: Some(format!("{:064x}", 7)),
        };
        withdraw(
            &tx,
            &b,
            Signatory::Parent,
            &[AcademySocial],
            d("2025-10-02"),
            &asked,
            &stamp(),
        )
        .unwrap();
        withdraw(
            &tx,
            &c,
            Signatory::Parent,
            &[Website],
            d("2025-10-02"),
            &none,
            &stamp(),
        )
        .unwrap();
        crate::flags::set(
            &tx,
            &a,
            FlagKind::NeverPublish,
            "court order",
            d("2025-09-10"),
            &stamp(),
        )
        .unwrap();
        let f = crate::flags::set(
            &tx,
            &b,
            FlagKind::ParentAlsoRequired,
            "asked",
            d("2025-09-10"),
            &stamp(),
        )
        .unwrap();
        crate::flags::clear(
            &tx,
            &b,
            FlagKind::ParentAlsoRequired,
            "done",
            d("2025-09-20"),
            &stamp(),
        )
        .unwrap();
        assert!(f > 0);
        crate::flags::set(
            &tx,
            &c,
            FlagKind::NeverPublish,
            "x",
            d("2025-09-10"),
            &stamp(),
        )
        .unwrap();
        // A form of B's and one of C's were recorded in error: voided.
        for p in [&b, &c] {
            let form: String = tx
                .query_row(
                    "SELECT form_id FROM consent_answers WHERE pupil_id = ?1 ORDER BY id LIMIT 1",
                    [p.id],
                    |r| r.get(0),
                )
                .unwrap();
            crate::consents::void_form(&tx, p, &form, "recorded twice", &stamp()).unwrap();
        }
        // B1 was a temporary UPN of A's: A takes it, and B's record is merged into A's (its
        // void with it: the form keeps its id).
        let merged = crate::rekey::rekey(&tx, &a, "B1", false, &stamp()).unwrap();
        assert!(merged.merged);
        assert_eq!(merged.consent_answers, 2);
        crate::pupils::mark_left(&tx, &c, d("2019-07-20"), &stamp()).unwrap();
        let purged = crate::retention::purge_left_before(&tx, d("2020-01-01"), &stamp()).unwrap();
        assert_eq!(purged.pupils, 1);
        // C's void went with C's answers.
        let voids: i64 = tx
            .query_row("SELECT count(*) FROM consent_voids", [], |r| r.get(0))
            .unwrap();
        assert_eq!(voids, 1);
        tx.commit().unwrap();
        let a = crate::pupils::by_upn(&conn, "B1").unwrap().unwrap();
        (conn, a)
    }

    fn drop_triggers(conn: &Connection) {
        let names: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for n in names {
            conn.execute_batch(&format!("DROP TRIGGER \"{n}\""))
                .unwrap();
        }
    }

    #[test]
    fn records_written_by_clearshot_agree_with_the_log_through_a_merge_and_a_purge() {
        let (conn, a) = register();
        assert_eq!(differences(&conn).unwrap(), Vec::<String>::new());
        assert!(crate::backup::health(&conn).unwrap().ok());
        // What the merge brought is on A's record.
        assert_eq!(crate::consents::answers_of(&conn, a.id).unwrap().len(), 6);
        assert_eq!(
            crate::consents::withdrawals_of(&conn, a.id).unwrap().len(),
            2
        );
    }

    #[test]
    fn a_refusal_turned_into_a_grant_behind_the_triggers_is_found() {
        let (conn, a) = register();
        drop_triggers(&conn);
        conn.execute(
            "UPDATE consent_answers SET granted = 1 WHERE pupil_id = ?1 AND channel = 'academy_social' AND granted = 0",
            [a.id],
        )
        .unwrap();
        let found = differences(&conn).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("of pupil B1 says parent granted academy_social")
                && found[0]
                    .contains("the form: granted website, granted press, refused academy_social")
                && found[0].contains("changed outside ClearShot"),
            "{}",
            found[0]
        );
        let health = crate::backup::health(&conn).unwrap();
        assert!(
            health
                .problems
                .iter()
                .any(|p| p.contains("1 record(s) differ from what the audit log recorded")),
            "{:?}",
            health.problems
        );
    }

    #[test]
    fn a_void_added_removed_or_reworded_behind_the_log_is_found() {
        let (mut conn, a) = register();
        let form = |conn: &Connection, channel: &str| -> String {
            conn.query_row(
                "SELECT form_id FROM consent_answers WHERE pupil_id = ?1 AND channel = ?2
                 AND form_id NOT IN (SELECT form_id FROM consent_voids) LIMIT 1",
                rusqlite::params![a.id, channel],
                |r| r.get(0),
            )
            .unwrap()
        };
        let voided = form(&conn, "website");
        let tx = crate::begin(&mut conn).unwrap();
        crate::consents::void_form(&tx, &a, &voided, "on the wrong pupil", &stamp()).unwrap();
        tx.commit().unwrap();
        assert!(differences(&conn).unwrap().is_empty());
        drop_triggers(&conn);
        conn.execute(
            "UPDATE consent_voids SET reason = 'typo' WHERE form_id = ?1",
            [&voided],
        )
        .unwrap();
        let found = differences(&conn).unwrap();
        assert!(
            found.len() == 1
                && found[0]
                    .contains("says \"typo\", but the audit log recorded \"on the wrong pupil\"")
                && found[0].contains(&format!("of pupil {}", a.upn)),
            "named by UPN: {found:?}"
        );
        conn.execute("DELETE FROM consent_voids WHERE form_id = ?1", [&voided])
            .unwrap();
        let found = differences(&conn).unwrap();
        assert!(
            found.len() == 1 && found[0].contains("and the void is gone: the form counts again"),
            "{found:?}"
        );
        // A "no" cancelled by a void the log never saw.
        let other = conn
            .query_row(
                "SELECT form_id FROM consent_answers WHERE pupil_id = ?1 AND form_id <> ?2
                 AND form_id NOT IN (SELECT form_id FROM consent_voids) LIMIT 1",
                rusqlite::params![a.id, voided],
                |r| r.get::<_, String>(0),
            )
            .unwrap();
        conn.execute(
            "INSERT INTO consent_voids VALUES (?1, 'x', 'someone', '2025-01-01T00:00:00Z')",
            [&other],
        )
        .unwrap();
        let found = differences(&conn).unwrap();
        assert!(
            found
                .iter()
                .any(|f| f.contains(&format!("the void of form {other} of"))
                    && f.contains("is not in the audit log")),
            "{found:?}"
        );
    }

    #[test]
    fn two_answers_of_one_form_swapped_are_found_but_rows_of_a_form_may_come_in_any_order() {
        let (conn, a) = register();
        drop_triggers(&conn);
        // Swapping which row holds which (channel, answer) changes nothing a reader sees.
        let ids: Vec<(i64, String)> = conn
            .prepare("SELECT id, channel FROM consent_answers WHERE pupil_id = ?1 AND signatory = 'parent' AND form_id = (SELECT form_id FROM consent_answers WHERE channel = 'press' AND pupil_id = ?1) ORDER BY id")
            .unwrap()
            .query_map([a.id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(ids.len(), 3);
        conn.execute(
            "UPDATE consent_answers SET id = -1 WHERE id = ?1",
            [ids[0].0],
        )
        .unwrap();
        conn.execute(
            "UPDATE consent_answers SET id = ?1 WHERE id = ?2",
            [ids[0].0, ids[2].0],
        )
        .unwrap();
        conn.execute(
            "UPDATE consent_answers SET id = ?1 WHERE id = -1",
            [ids[2].0],
        )
        .unwrap();
        assert_eq!(differences(&conn).unwrap(), Vec::<String>::new());
        // Changing the channel of a grant is not.
        conn.execute(
            "UPDATE consent_answers SET channel = 'academy_social' WHERE id = ?1",
            [ids[0].0],
        )
        .unwrap();
        assert_eq!(differences(&conn).unwrap().len(), 1);
    }

    #[test]
    fn answers_added_deleted_moved_or_redated_behind_the_triggers_are_found() {
        let (mut conn, a) = register();
        let d1 = add_pupil(&mut conn, "D1", "Dan");
        drop_triggers(&conn);
        // Added: a grant no form gave.
        conn.execute(
            "INSERT INTO consent_answers (pupil_id, form_id, signatory, channel, granted, signed_on, recorded_by, recorded_at)
             VALUES (?1, 'f', 'parent', 'academy_social', 1, '2025-09-05', 'office', '2025-09-01T00:00:00Z')",
            [d1.id],
        )
        .unwrap();
        // Deleted: the pupil's own "yes" (a pupil on roll; the trigger would refuse).
        conn.execute(
            "DELETE FROM consent_answers WHERE pupil_id = ?1 AND signatory = 'pupil'",
            [a.id],
        )
        .unwrap();
        // Re-dated: the merged form signed a year later.
        conn.execute(
            "UPDATE consent_answers SET signed_on = '2026-09-05' WHERE pupil_id = ?1 AND channel = 'website' AND granted = 0",
            [a.id],
        )
        .unwrap();
        let found = differences(&conn).unwrap();
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found.iter().any(|f| f.contains("of pupil D1 (parent granted academy_social, signed 2025-09-05) is not in the audit log")), "{found:#?}");
        assert!(found.iter().any(|f| f.contains("says parent refused website, signed 2026-09-05, but the audit log recorded parent answered, signed 2025-09-05")), "{found:#?}");
        assert!(
            found.iter().any(|f| f.contains(
                "of pupil B1 (pupil answered, signed 2025-09-05) was recorded, and is gone"
            )),
            "{found:#?}"
        );
    }

    #[test]
    fn an_answer_moved_to_another_pupil_is_found() {
        let (mut conn, a) = register();
        let e = add_pupil(&mut conn, "E1", "Eve");
        drop_triggers(&conn);
        conn.execute(
            "UPDATE consent_answers SET pupil_id = ?1 WHERE pupil_id = ?2 AND signatory = 'pupil'",
            [e.id, a.id],
        )
        .unwrap();
        let found = differences(&conn).unwrap();
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].contains("of pupil E1 says pupil granted academy_social")
                && found[0].contains("recorded for pupil B1"),
            "{}",
            found[0]
        );
    }

    #[test]
    fn withdrawals_deleted_or_added_behind_the_triggers_are_found() {
        let (conn, a) = register();
        drop_triggers(&conn);
        // The merged record's withdrawal, deleted: the parent's "yes" would count again.
        conn.execute(
            "DELETE FROM consent_withdrawals WHERE pupil_id = ?1 AND channel = 'academy_social'",
            [a.id],
        )
        .unwrap();
        conn.execute(
            "UPDATE consent_withdrawals SET withdrawn_on = '2030-01-01' WHERE pupil_id = ?1 AND channel = 'press'",
            [a.id],
        )
        .unwrap();
        let found = differences(&conn).unwrap();
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(
            found.iter().any(|f| f.contains(
                "(parent withdrew academy_social from 2025-10-02) was recorded, and is gone"
            )),
            "{found:#?}"
        );
        assert!(
            found
                .iter()
                .any(|f| f
                    .contains("(parent withdrew press from 2030-01-01) is not in the audit log")),
            "{found:#?}"
        );
        assert!(
            found
                .iter()
                .any(|f| f
                    .contains("(parent withdrew press from 2025-10-01) was recorded, and is gone")),
            "{found:#?}"
        );
    }

    #[test]
    fn a_withdrawal_whose_asker_or_proof_is_changed_behind_the_log_is_found() {
        let (conn, a) = register();
        drop_triggers(&conn);
        // The merged record's withdrawal (asked by the mother, by email, with the message):
        // another name, and the message swapped for another file.
        conn.execute(
            "UPDATE consent_withdrawals SET signer_name = 'Someone Else', evidence_sha256 = ?2
             WHERE pupil_id = ?1 AND channel = 'academy_social'",
            rusqlite::params![a.id, format!("{:064x}", 8)],
        )
        .unwrap();
        let found = differences(&conn).unwrap();
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found.iter().any(|f| f.contains(
                "(parent withdrew academy_social from 2025-10-02) is not in the audit log"
            )),
            "{found:#?}"
        );
        // Untouched, the merged withdrawal with its details matches the log.
        let (conn, _) = register();
        assert_eq!(differences(&conn).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn flags_deleted_cleared_or_reopened_behind_the_log_are_found() {
        let (conn, a) = register();
        drop_triggers(&conn);
        // The never-publish flag cleared without an entry; the cleared one opened again; a
        // flag no one set.
        conn.execute(
            "UPDATE pupil_flags SET cleared_on = '2025-09-11', cleared_reason = 'x', cleared_by = 'y' WHERE kind = 'never_publish' AND pupil_id = ?1",
            [a.id],
        )
        .unwrap();
        conn.execute(
            "UPDATE pupil_flags SET cleared_on = NULL, cleared_reason = NULL, cleared_by = NULL WHERE kind = 'parent_also_required'",
            [],
        )
        .unwrap();
        let found = differences(&conn).unwrap();
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found.iter().any(|f| f.contains("says never_publish flag set on 2025-09-10, cleared on 2025-09-11, but the audit log recorded never_publish flag set on 2025-09-10:")), "{found:#?}");
        assert!(found.iter().any(|f| f.contains("says parent_also_required flag set on 2025-09-10, but the audit log recorded parent_also_required flag set on 2025-09-10, cleared on 2025-09-20")), "{found:#?}");
        conn.execute("DELETE FROM pupil_flags WHERE kind = 'never_publish'", [])
            .unwrap();
        conn.execute(
            "INSERT INTO pupil_flags (pupil_id, kind, reason, set_on, set_by) VALUES (?1, 'never_publish', 'r', '2025-01-01', 'z')",
            [a.id],
        )
        .unwrap();
        let found = differences(&conn).unwrap();
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(
            found
                .iter()
                .any(|f| f
                    .contains("(never_publish flag set on 2025-09-10) was recorded, and is gone")),
            "{found:#?}"
        );
        assert!(
            found
                .iter()
                .any(|f| f
                    .contains("(never_publish flag set on 2025-01-01) is not in the audit log")),
            "{found:#?}"
        );
    }

    #[test]
    fn a_redacted_entry_vouches_for_nothing() {
        let (conn, _) = register();
        // Redacting the entry of a pupil still on the register (the only change the audit
        // triggers allow, and the chain still verifies) leaves their answers unvouched for.
        let a = crate::pupils::by_upn(&conn, "B1").unwrap().unwrap();
        for subject in crate::pupils::subjects(&conn, &a).unwrap() {
            assert!(crate::audit::redact_subject(&conn, &subject).unwrap() > 0);
        }
        let found = differences(&conn).unwrap();
        let (unvouched, redactions): (Vec<&String>, Vec<&String>) = found
            .iter()
            .partition(|f| f.contains("is not in the audit log"));
        // A's 4 answers, B's 2 carried over, 2 withdrawals, 2 flags, B's void.
        assert_eq!(unvouched.len(), 11, "{found:#?}");
        // A's own entries; B's look like those of a record merged into a purged pupil (the
        // merge entry that would say otherwise is among A's).
        assert_eq!(redactions.len(), 1, "{found:#?}");
        assert!(
            redactions
                .iter()
                .all(|f| f.contains("but no retention purge removed them")),
            "{found:#?}"
        );
    }

    #[test]
    fn a_pupil_given_a_fresh_pseudonymous_id_and_their_history_redacted_is_found() {
        // The never-publish flag deleted (no trigger guards the flags table), the record given
        // a new subject id, and the old id's entries redacted: every step the triggers allow,
        // and the chain still verifies.
        let (mut conn, _) = register();
        let e = add_pupil(&mut conn, "E1", "Eve");
        let tx = crate::begin(&mut conn).unwrap();
        crate::flags::set(
            &tx,
            &e,
            FlagKind::NeverPublish,
            "court order",
            d("2025-09-10"),
            &stamp(),
        )
        .unwrap();
        tx.commit().unwrap();
        conn.execute("DELETE FROM pupil_flags WHERE pupil_id = ?1", [e.id])
            .unwrap();
        conn.execute(
            "UPDATE pupils SET subject_id = '00000000-0000-7000-8000-000000000000' WHERE id = ?1",
            [e.id],
        )
        .unwrap();
        crate::audit::redact_subject(&conn, &e.subject()).unwrap();
        assert!(crate::audit::verify(&conn).unwrap().ok);
        let found = differences(&conn).unwrap();
        assert!(
            found.iter().any(|f| f.contains(
                "pupil E1 has the pseudonymous id pupil:00000000-0000-7000-8000-000000000000, which the audit log never saw added"
            )),
            "{found:#?}"
        );
        assert!(
            found
                .iter()
                .any(|f| f.contains("but no retention purge removed them")),
            "{found:#?}"
        );
    }

    #[test]
    fn a_register_from_before_the_clearance_tables_is_compared_without_them() {
        // An old backup checked before it is restored: schema 1 had no staff, devices, holds,
        // accounts, clearances or takedown tasks.
        let (conn, _) = register();
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF;
             DROP TABLE clearance_pupils; DROP TABLE takedowns; DROP TABLE clearances;
             DROP TABLE photo_ledger; DROP TABLE holds; DROP TABLE account_admins;
             DROP TABLE accounts; DROP TABLE staff; DROP TABLE devices;",
        )
        .unwrap();
        assert_eq!(differences(&conn).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn a_purge_of_a_pupil_with_a_merged_record_is_explained() {
        let (mut conn, a) = register();
        let tx = crate::begin(&mut conn).unwrap();
        crate::pupils::mark_left(&tx, &a, d("2019-07-20"), &stamp()).unwrap();
        let purged = crate::retention::purge_left_before(&tx, d("2020-01-01"), &stamp()).unwrap();
        assert_eq!(purged.pupils, 1);
        tx.commit().unwrap();
        assert_eq!(differences(&conn).unwrap(), Vec::<String>::new());
        assert!(crate::backup::health(&conn).unwrap().ok());
    }
}
