//! A pupil's UPN replaced: most often a temporary UPN (given while a child waited for the
//! permanent one) by the permanent UPN, or a UPN that was keyed in wrongly.
//!
//! When the new UPN is not on the register yet, the record simply takes it: consents, flags,
//! clearances and audit history stay with the record. When an import has already brought the
//! new UPN as a record of its own, the two records of the one child are merged: everything the
//! new record holds (answers, withdrawals, flags, clearance links, takedown tasks) is carried
//! onto the old record, which takes the new UPN and the new record's roll details (it is what
//! the MIS says now), and the new record is removed. The old record is kept because it has the
//! longer history (its consent forms, a safeguarding flag), and its pseudonymous subject id is
//! the one the audit log already follows. The removed record's audit entries are kept as they
//! are; `pupil_subject_aliases` makes them the kept record's, for subject access and retention.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::{Transaction, params};
use serde::Serialize;

use crate::pupils::{self, Pupil, by_upn};
use crate::{Error, Result, Stamp};

/// What a rekey did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Rekeyed {
    /// The UPN the record had.
    pub from: String,
    /// The UPN it has now.
    pub to: String,
    /// Whether the new UPN already had a record of its own, merged into this one.
    pub merged: bool,
    /// What the merged record brought with it (all zero when nothing was merged).
    pub consent_answers: usize,
    pub consent_withdrawals: usize,
    pub flags: usize,
    pub clearances: usize,
    pub takedowns: usize,
    /// Takedown tasks closed as duplicates: both records had one for the same photo.
    pub duplicate_takedowns_closed: usize,
}

/// Gives `pupil` the UPN `to` (already validated), merging the record that holds it, if any.
/// Two records whose legal names differ are merged only when `names_differ` says that a person
/// has checked they are one child (twins share a birthday and often a surname).
pub fn rekey(
    tx: &Transaction<'_>,
    pupil: &Pupil,
    to: &str,
    names_differ: bool,
    stamp: &Stamp,
) -> Result<Rekeyed> {
    if pupil.upn == to {
        return Err(Error::Invalid(format!("{to} is already this pupil's UPN")));
    }
    let mut done = Rekeyed {
        from: pupil.upn.clone(),
        to: to.to_owned(),
        ..Rekeyed::default()
    };
    let Some(other) = by_upn(tx, to)? else {
        tx.prepare_cached("UPDATE pupils SET upn = ?2, updated_at = ?3 WHERE id = ?1")?
            .execute(params![pupil.id, to, stamp.at])?;
        stamp.audit(
            tx,
            "pupil.rekey",
            Some(&pupil.subject()),
            serde_json::json!({"from": pupil.upn, "to": to, "merged": false}),
        )?;
        return Ok(done);
    };
    if other.dob != pupil.dob {
        return Err(Error::Invalid(format!(
            "{to} is {} (born {}), and {} is {} (born {}): different dates of birth, so not the same child; nothing was changed",
            other.display_name(),
            other.dob,
            pupil.upn,
            pupil.display_name(),
            pupil.dob
        )));
    }
    let key = pupils::name_key;
    if !names_differ
        && (key(&other.legal_forename) != key(&pupil.legal_forename)
            || key(&other.legal_surname) != key(&pupil.legal_surname))
    {
        return Err(Error::Invalid(format!(
            "{to} is {} {} and {} is {} {}: the legal names differ, so they may be two children (twins share a birthday). If a person has checked that they are one child, run again with --names-differ; nothing was changed",
            other.legal_forename,
            other.legal_surname,
            pupil.upn,
            pupil.legal_forename,
            pupil.legal_surname
        )));
    }
    // The usual mistake is the two UPNs the wrong way round: the record kept takes the other's
    // roll details, so merging an on-roll record into one that has left would take it off roll.
    if pupil.left_on.is_none()
        && let Some(left) = other.left_on
    {
        return Err(Error::Invalid(format!(
            "{} is on roll and {to}'s record left on {left}: merging would take the child off roll. To replace the UPN {to} by {}, run `clearshot pupils rekey {to} --to {}`; nothing was changed",
            pupil.upn, pupil.upn, pupil.upn
        )));
    }
    done.merged = true;
    let keep = pupil.id;
    let gone = other.id;
    // The merged-away record's answers and withdrawals, carried over one by one so that the
    // audit entry can say which new row each became (the tables are append-only: no UPDATE).
    let mut answers = Vec::new();
    for a in crate::consents::answers_of(tx, gone)? {
        tx.prepare_cached(
            "INSERT INTO consent_answers (pupil_id, form_id, signatory, signer_name, relationship,
                channel, granted, signed_on, expires_on, evidence_sha256, recorded_by, recorded_at)
             SELECT ?1, form_id, signatory, signer_name, relationship, channel, granted, signed_on,
                expires_on, evidence_sha256, recorded_by, recorded_at
             FROM consent_answers WHERE id = ?2",
        )?
        .execute([keep, a.id])?;
        let mut entry = serde_json::to_value(&a).map_err(|e| Error::Invalid(e.to_string()))?;
        entry["now_id"] = tx.last_insert_rowid().into();
        answers.push(entry);
    }
    done.consent_answers = answers.len();
    let mut withdrawals = Vec::new();
    for w in crate::consents::withdrawals_of(tx, gone)? {
        tx.prepare_cached(
            "INSERT INTO consent_withdrawals (pupil_id, signatory, channel, withdrawn_on,
                signer_name, relationship, note, evidence_sha256, recorded_by, recorded_at)
             SELECT ?1, signatory, channel, withdrawn_on, signer_name, relationship, note,
                evidence_sha256, recorded_by, recorded_at
             FROM consent_withdrawals WHERE id = ?2",
        )?
        .execute([keep, w.id])?;
        let mut entry = serde_json::to_value(&w).map_err(|e| Error::Invalid(e.to_string()))?;
        entry["now_id"] = tx.last_insert_rowid().into();
        withdrawals.push(entry);
    }
    done.consent_withdrawals = withdrawals.len();
    // Flags and takedown tasks keep their ids; a never-publish reason stays out of the log.
    let flags: Vec<serde_json::Value> = crate::flags::of_pupil(tx, gone)?
        .iter()
        .map(|f| {
            serde_json::json!({"flag_id": f.id, "kind": f.kind.as_str(), "set_on": f.set_on,
                "cleared_on": f.cleared_on})
        })
        .collect();
    done.flags = tx
        .prepare_cached("UPDATE pupil_flags SET pupil_id = ?1 WHERE pupil_id = ?2")?
        .execute([keep, gone])?;
    done.clearances = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO clearance_pupils (clearance_id, pupil_id)
             SELECT clearance_id, ?1 FROM clearance_pupils WHERE pupil_id = ?2",
        )?
        .execute([keep, gone])?;
    let takedown_ids: Vec<i64> = tx
        .prepare_cached("SELECT id FROM takedowns WHERE pupil_id = ?1 ORDER BY id")?
        .query_map([gone], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    done.takedowns = tx
        .prepare_cached("UPDATE takedowns SET pupil_id = ?1 WHERE pupil_id = ?2")?
        .execute([keep, gone])?;
    // The merged-away record goes (its answers may be deleted only once it is off roll); its
    // pseudonymous id, and those of records merged into it before, become the kept record's.
    tx.prepare_cached("UPDATE pupils SET left_on = coalesce(left_on, ?2) WHERE id = ?1")?
        .execute(params![gone, stamp.at.get(..10).unwrap_or("1970-01-01")])?;
    for sql in [
        "DELETE FROM consent_answers WHERE pupil_id = ?1",
        "DELETE FROM consent_withdrawals WHERE pupil_id = ?1",
        "DELETE FROM consent_digests WHERE pupil_id = ?1",
        "DELETE FROM clearance_pupils WHERE pupil_id = ?1",
    ] {
        tx.prepare_cached(sql)?.execute([gone])?;
    }
    tx.prepare_cached("UPDATE pupil_subject_aliases SET pupil_id = ?1 WHERE pupil_id = ?2")?
        .execute([keep, gone])?;
    tx.prepare_cached(
        "INSERT INTO pupil_subject_aliases (subject_id, pupil_id, merged_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![other.subject_id, keep, stamp.at])?;
    tx.prepare_cached("DELETE FROM pupils WHERE id = ?1")?
        .execute([gone])?;
    // The kept record takes the new UPN and what the MIS now says about the child.
    tx.prepare_cached(
        "UPDATE pupils SET upn = ?2, legal_forename = ?3, legal_surname = ?4,
            preferred_forename = ?5, academy_id = ?6, reg_group = ?7, admission_number = ?8,
            year_group = ?9, year_group_academic_year = ?10, left_on = ?11, updated_at = ?12,
            preferred_surname = ?13, sort_key = ?14
         WHERE id = ?1",
    )?
    .execute(params![
        keep,
        to,
        other.legal_forename,
        other.legal_surname,
        other.preferred_forename,
        other.academy_id,
        other.reg_group,
        other.admission_number,
        other.year_group,
        other.year_group_academic_year,
        other.left_on,
        stamp.at,
        other.preferred_surname,
        crate::pupils::sort_key(&other.legal_surname, &other.legal_forename)
    ])?;
    crate::consent_digest::rebuild(tx, keep)?;
    stamp.audit(
        tx,
        "pupil.merged_away",
        Some(&other.subject()),
        serde_json::json!({"into": pupil.subject_id}),
    )?;
    stamp.audit(
        tx,
        "pupil.rekey",
        Some(&pupil.subject()),
        serde_json::json!({
            "from": pupil.upn, "to": to, "merged": true,
            "merged_subject": other.subject_id, "names_differ": names_differ,
            "roll": {
                "legal_forename": other.legal_forename, "legal_surname": other.legal_surname,
                "preferred_forename": other.preferred_forename,
                "preferred_surname": other.preferred_surname, "academy": other.academy,
                "reg_group": other.reg_group, "admission_number": other.admission_number,
                "year_group": other.year_group,
                "year_group_academic_year": other.year_group_academic_year,
                "left_on": other.left_on,
            },
            "consent_answers": answers, "consent_withdrawals": withdrawals,
            "flags": flags, "clearances": done.clearances, "takedown_ids": takedown_ids,
        }),
    )?;
    done.duplicate_takedowns_closed = close_duplicate_takedowns(tx, pupil, stamp)?;
    Ok(done)
}

/// After a merge the child may have two takedown tasks for one photo, one from each record:
/// one is enough. If either is done, the photo is down and the open ones are closed; if both
/// are open, the oldest stays open. Returns how many were closed.
fn close_duplicate_takedowns(tx: &Transaction<'_>, pupil: &Pupil, stamp: &Stamp) -> Result<usize> {
    // (id, clearance, done) of each of the child's tasks.
    let mine: Vec<(i64, String, bool)> = tx
        .prepare_cached(
            "SELECT id, clearance_id, done_at IS NOT NULL FROM takedowns WHERE pupil_id = ?1 ORDER BY id",
        )?
        .query_map([pupil.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut closed = 0;
    for (id, clearance, done) in &mine {
        if *done {
            continue;
        }
        // The task that already covers this photo: a done one first, else an older open one.
        let covered_by = mine
            .iter()
            .filter(|(o, c, o_done)| c == clearance && o != id && (*o_done || o < id))
            .min_by_key(|(o, _, o_done)| (!*o_done, *o));
        if let Some((other, _, other_done)) = covered_by {
            let note = if *other_done {
                format!("records merged: the photo was already taken down (task {other})")
            } else {
                format!("records merged: the same photo as task {other}")
            };
            crate::takedowns::done(tx, *id, &note, stamp)?;
            closed += 1;
        }
    }
    Ok(closed)
}

/// UPNs that `pupils rekey` replaced, each with the UPN that now holds the child and the day it
/// was replaced (a chain of replacements is followed to its end). From the audit log.
pub fn replaced_upns(conn: &rusqlite::Connection) -> Result<HashMap<String, (String, String)>> {
    let mut step: HashMap<String, (String, String)> = HashMap::new();
    let mut stmt = conn.prepare(
        "SELECT at, payload FROM audit_log WHERE action = 'pupil.rekey' AND payload IS NOT NULL ORDER BY seq",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (at, payload) = row?;
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&payload) else {
            continue;
        };
        if let (Some(from), Some(to)) = (
            v.get("from").and_then(|f| f.as_str()),
            v.get("to").and_then(|t| t.as_str()),
        ) {
            step.insert(
                from.to_owned(),
                (to.to_owned(), at.get(..10).unwrap_or(&at).to_owned()),
            );
        }
    }
    let mut out = HashMap::new();
    for (from, (to, on)) in &step {
        let mut now = to.clone();
        let mut hops = 0;
        while let Some((next, _)) = step.get(&now) {
            if next == from || hops > step.len() {
                break;
            }
            now = next.clone();
            hops += 1;
        }
        if now != *from {
            out.insert(from.clone(), (now, on.clone()));
        }
    }
    Ok(out)
}

/// The merges the audit log records: for each pupil on the register, the pseudonymous ids of
/// the records merged into theirs (directly, or through a record merged earlier), read from the
/// `pupil.rekey` entries of the pupil and of those records. The audit chain vouches for these
/// entries, so `pupil_subject_aliases` must say the same: `clearshot check` compares them and
/// `check --repair` rebuilds the table from this. Keyed by merged-away subject id.
pub fn aliases_in_log(conn: &rusqlite::Connection) -> Result<BTreeMap<String, i64>> {
    let mut merged: HashMap<String, Vec<String>> = HashMap::new();
    let mut stmt = conn.prepare(
        "SELECT subject, payload FROM audit_log WHERE action = 'pupil.rekey' AND payload IS NOT NULL",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, Option<String>>(0)?, r.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (subject, payload) = row?;
        let Some(owner) = subject.as_deref().and_then(|s| s.strip_prefix("pupil:")) else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&payload) else {
            continue;
        };
        if let Some(m) = v.get("merged_subject").and_then(|m| m.as_str()) {
            merged
                .entry(owner.to_owned())
                .or_default()
                .push(m.to_owned());
        }
    }
    let pupils: Vec<(i64, String)> = conn
        .prepare("SELECT id, subject_id FROM pupils")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let live: HashSet<&str> = pupils.iter().map(|(_, s)| s.as_str()).collect();
    let mut out = BTreeMap::new();
    for (id, subject_id) in &pupils {
        let mut queue = vec![subject_id.clone()];
        while let Some(s) = queue.pop() {
            for m in merged.get(&s).into_iter().flatten() {
                if !live.contains(m.as_str()) && !out.contains_key(m) {
                    out.insert(m.clone(), *id);
                    queue.push(m.clone());
                }
            }
        }
    }
    Ok(out)
}

/// Where `pupil_subject_aliases` and the audit log's merges disagree, one sentence each
/// (nothing on a register older than the table).
pub fn alias_problems(conn: &rusqlite::Connection) -> Result<Vec<String>> {
    let has_table: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'pupil_subject_aliases'",
        [],
        |r| r.get(0),
    )?;
    if has_table == 0 {
        return Ok(Vec::new());
    }
    let expected = aliases_in_log(conn)?;
    let held: BTreeMap<String, i64> = conn
        .prepare("SELECT subject_id, pupil_id FROM pupil_subject_aliases")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut missing = 0;
    let mut wrong = 0;
    for (subject, pupil) in &expected {
        match held.get(subject) {
            None => missing += 1,
            Some(p) if p != pupil => wrong += 1,
            Some(_) => {}
        }
    }
    let extra = held.keys().filter(|s| !expected.contains_key(*s)).count();
    let mut problems = Vec::new();
    if missing + wrong + extra > 0 {
        problems.push(format!(
            "the register's record of merged pupils does not match the merges in the audit log ({missing} missing, {wrong} pointing at another pupil, {extra} not in the log), so a subject access export or a retention purge could miss or wrongly include entries (run `clearshot check --repair` to rebuild it from the audit log)"
        ));
    }
    Ok(problems)
}

/// Rebuilds `pupil_subject_aliases` from the audit log's merges when they disagree. Returns
/// how many merged records it now holds, or `None` when there was nothing to do. A damaged audit
/// chain cannot vouch for its merges: nothing is rebuilt from it.
pub fn repair_aliases(tx: &Transaction<'_>, stamp: &Stamp) -> Result<Option<usize>> {
    if alias_problems(tx)?.is_empty() {
        return Ok(None);
    }
    if !crate::audit::verify(tx)?.ok {
        return Err(Error::Invalid(
            "the audit log is damaged, so the record of merged pupils is not rebuilt from it; restore the register from a backup".into(),
        ));
    }
    let expected = aliases_in_log(tx)?;
    tx.execute("DELETE FROM pupil_subject_aliases", [])?;
    for (subject, pupil) in &expected {
        tx.execute(
            "INSERT INTO pupil_subject_aliases (subject_id, pupil_id, merged_at) VALUES (?1, ?2, ?3)",
            params![subject, pupil, stamp.at],
        )?;
    }
    stamp.audit(
        tx,
        "register.repair",
        None,
        serde_json::json!({"merged_pupils_rebuilt": expected.len()}),
    )?;
    Ok(Some(expected.len()))
}
