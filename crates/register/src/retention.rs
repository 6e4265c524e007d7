//! Retention: deleting the records of pupils who left long enough ago, across every table that
//! names them, while the audit log stays verifiable (their entries lose their payload, which
//! is covered by its own hash, and keep their pseudonymous `pupil:<uuid>` subject).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rusqlite::{Connection, Transaction, params};
use serde::Serialize;

use crate::{Result, Stamp, audit, backup, pupils};

/// What a purge removed (or, in a dry run, would remove).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Purged {
    pub left_before: Option<NaiveDate>,
    pub pupils: usize,
    pub consent_answers: usize,
    pub consent_withdrawals: usize,
    pub flags: usize,
    /// Links between a clearance and a purged pupil (the clearance itself is about the photo
    /// and stays).
    pub clearance_links: usize,
    /// Takedown tasks that named a purged pupil: kept, with the pupil removed.
    pub takedowns_unlinked: usize,
    pub audit_entries_redacted: usize,
    /// Evidence files (by SHA-256) that no remaining record refers to: the caller deletes the
    /// files once the transaction has committed.
    pub evidence_released: Vec<String>,
}

/// The UPNs of the pupils a purge of those who left before `before` would delete, in order.
pub fn leavers_before(conn: &Connection, before: NaiveDate) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT upn FROM pupils WHERE left_on IS NOT NULL AND left_on < ?1 ORDER BY upn",
    )?;
    let rows = stmt.query_map([before], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Removes every pupil who left before `before` (strictly), with their consent answers,
/// withdrawals, flags and clearance links; unlinks their takedown tasks; redacts their audit
/// payloads and appends one `pupil.purge` entry per pupil and a `retention.purge` summary.
pub fn purge_left_before(tx: &Transaction<'_>, before: NaiveDate, stamp: &Stamp) -> Result<Purged> {
    let mut report = Purged {
        left_before: Some(before),
        ..Purged::default()
    };
    // Deleted rows and redacted payloads are overwritten with zeros in the file, not merely
    // marked free (see also [`scrub`]).
    tx.pragma_update(None, "secure_delete", true)?;
    let leavers: Vec<(i64, String)> = tx
        .prepare(
            "SELECT id, subject_id FROM pupils WHERE left_on IS NOT NULL AND left_on < ?1 ORDER BY id",
        )?
        .query_map([before], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut evidence: BTreeSet<String> = BTreeSet::new();
    // The records merged into each leaver's, by the table and by the audit log alike: a row
    // deleted from the table must not leave a merged record's personal data behind.
    let merged_in_log = crate::rekey::aliases_in_log(tx)?;
    for (id, subject_id) in &leavers {
        let mut stmt = tx.prepare_cached(
            "SELECT evidence_sha256 FROM consent_answers WHERE pupil_id = ?1 AND evidence_sha256 IS NOT NULL
             UNION SELECT evidence_sha256 FROM consent_withdrawals WHERE pupil_id = ?1 AND evidence_sha256 IS NOT NULL",
        )?;
        for h in stmt.query_map([id], |r| r.get::<_, String>(0))? {
            evidence.insert(h?);
        }
        let forms: Vec<String> = tx
            .prepare_cached("SELECT DISTINCT form_id FROM consent_answers WHERE pupil_id = ?1")?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        report.consent_answers += tx
            .prepare_cached("DELETE FROM consent_answers WHERE pupil_id = ?1")?
            .execute([id])?;
        // A void goes with its form's answers (the trigger allows it only then).
        for form in &forms {
            tx.prepare_cached("DELETE FROM consent_voids WHERE form_id = ?1")?
                .execute([form])?;
        }
        tx.prepare_cached("DELETE FROM consent_digests WHERE pupil_id = ?1")?
            .execute([id])?;
        report.consent_withdrawals += tx
            .prepare_cached("DELETE FROM consent_withdrawals WHERE pupil_id = ?1")?
            .execute([id])?;
        report.flags += tx
            .prepare_cached("DELETE FROM pupil_flags WHERE pupil_id = ?1")?
            .execute([id])?;
        report.clearance_links += tx
            .prepare_cached("DELETE FROM clearance_pupils WHERE pupil_id = ?1")?
            .execute([id])?;
        report.takedowns_unlinked += tx
            .prepare_cached("UPDATE takedowns SET pupil_id = NULL WHERE pupil_id = ?1")?
            .execute([id])?;
        // The records merged into this one (`pupils rekey`) go with it.
        let mut aliases: BTreeSet<String> = tx
            .prepare_cached("SELECT subject_id FROM pupil_subject_aliases WHERE pupil_id = ?1")?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        aliases.extend(
            merged_in_log
                .iter()
                .filter(|(_, pupil)| **pupil == *id)
                .map(|(alias, _)| alias.clone()),
        );
        tx.prepare_cached("DELETE FROM pupil_subject_aliases WHERE pupil_id = ?1")?
            .execute([id])?;
        tx.prepare_cached("DELETE FROM pupils WHERE id = ?1")?
            .execute([id])?;
        for alias in &aliases {
            report.audit_entries_redacted += audit::redact_subject(tx, &pupils::subject_of(alias))?;
        }
        let subject = pupils::subject_of(subject_id);
        report.audit_entries_redacted += audit::redact_subject(tx, &subject)?;
        // The record that the pupil was purged: pseudonymous, no personal data.
        // The merged records' pseudonymous ids, so that `check` can tell their redacted entries
        // from ones redacted behind ClearShot's back.
        stamp.audit(
            tx,
            "pupil.purge",
            Some(&subject),
            serde_json::json!({"left_before": before, "merged_subjects": aliases}),
        )?;
        report.pupils += 1;
    }
    let in_use = backup::evidence_in_use(tx)?;
    report.evidence_released = evidence.difference(&in_use).cloned().collect();
    stamp.audit(
        tx,
        "retention.purge",
        Some("retention"),
        serde_json::json!({
            "left_before": before, "pupils": report.pupils,
            "consent_answers": report.consent_answers,
            "consent_withdrawals": report.consent_withdrawals, "flags": report.flags,
            "clearance_links": report.clearance_links,
            "takedowns_unlinked": report.takedowns_unlinked,
            "audit_entries_redacted": report.audit_entries_redacted,
            "evidence_released": report.evidence_released.len(),
        }),
    )?;
    Ok(report)
}

/// After a committed purge: rebuilds the register file (`VACUUM`), so that no old version of a
/// purged row survives in free space (left there by earlier updates made without
/// `secure_delete`), then copies the write-ahead log into the file and empties it. When another
/// program is reading (the app), the log is emptied at its next checkpoint instead.
pub fn scrub(conn: &rusqlite::Connection) -> Result<()> {
    conn.execute_batch("VACUUM")?;
    let _busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    Ok(())
}

/// How many pupils left before a date (what a purge would remove), without changing anything.
pub fn count_left_before(conn: &rusqlite::Connection, before: NaiveDate) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM pupils WHERE left_on IS NOT NULL AND left_on < ?1",
        params![before],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consents::{Form, record_form};
    use crate::db::open_in_memory;
    use crate::pupils::RollEntry;
    use rules::consent::{Channel, Signatory};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn add_pupil(conn: &mut rusqlite::Connection, upn: &str, left: Option<&str>) -> i64 {
        let stamp = Stamp::new("office", "2020-01-01T00:00:00Z");
        let tx = crate::begin(conn).unwrap();
        let academy = match crate::academies::by_code(&tx, "OAK").unwrap() {
            Some(a) => a,
            None => crate::academies::add(&tx, "OAK", "Oak", &stamp).unwrap(),
        };
        let e = RollEntry {
            upn: upn.into(),
            legal_forename: "Ann".into(),
            legal_surname: "Example".into(),
            preferred_forename: None,
            preferred_surname: None,
            dob: d("2010-01-01"),
            reg_group: None,
            admission_number: None,
            year_group: 9,
            year_group_academic_year: 2019,
        };
        let id = crate::pupils::insert(&tx, academy.id, "OAK", &e, None, &stamp).unwrap();
        let p = crate::pupils::by_id(&tx, id).unwrap();
        let form = Form {
            signatory: Signatory::Parent,
            signer_name: Some("Parent Example".into()),
            relationship: None,
            signed_on: d("2019-09-05"),
            expires_on: None,
            evidence_sha256: Some(format!("{:064x}", id % 2)),
            answers: vec![(Channel::Website, true)],
        };
        record_form(&tx, &p, &form, &stamp).unwrap();
        if let Some(left) = left {
            crate::pupils::mark_left(&tx, &p, d(left), &stamp).unwrap();
        }
        tx.commit().unwrap();
        id
    }

    #[test]
    fn a_purge_removes_only_pupils_who_left_before_the_date_and_keeps_the_chain() {
        let mut conn = open_in_memory().unwrap();
        add_pupil(&mut conn, "A1", Some("2018-07-20"));
        add_pupil(&mut conn, "A2", None);
        add_pupil(&mut conn, "A3", Some("2024-07-20"));
        let stamp = Stamp::new("dpo", "2026-01-01T00:00:00Z");
        let tx = crate::begin(&mut conn).unwrap();
        let r = purge_left_before(&tx, d("2020-01-01"), &stamp).unwrap();
        tx.commit().unwrap();
        assert_eq!(r.pupils, 1);
        assert_eq!(r.consent_answers, 1);
        // Pupils 1 and 3 share an evidence hash (odd ids): pupil 3 still uses it, so the file
        // must not be released.
        assert!(r.evidence_released.is_empty(), "{r:?}");
        assert!(r.audit_entries_redacted >= 3, "add, consent, left: {r:?}");
        let v = audit::verify(&conn).unwrap();
        assert!(v.ok, "{v:?}");
        assert_eq!(count_left_before(&conn, d("2030-01-01")).unwrap(), 1);
        assert!(crate::pupils::by_upn(&conn, "A1").unwrap().is_none());
        assert!(crate::pupils::by_upn(&conn, "A2").unwrap().is_some());
    }

    #[test]
    fn evidence_only_a_purged_pupil_used_is_released() {
        let mut conn = open_in_memory().unwrap();
        add_pupil(&mut conn, "B1", Some("2018-07-20"));
        add_pupil(&mut conn, "B2", Some("2018-07-20"));
        let stamp = Stamp::new("dpo", "2026-01-01T00:00:00Z");
        let tx = crate::begin(&mut conn).unwrap();
        let r = purge_left_before(&tx, d("2020-01-01"), &stamp).unwrap();
        tx.commit().unwrap();
        assert_eq!(r.pupils, 2);
        assert_eq!(r.evidence_released.len(), 2);
    }
}
