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
//! the one the audit log already follows.

use rusqlite::{Transaction, params};
use serde::Serialize;

use crate::pupils::{Pupil, by_upn};
use crate::{Error, Result, Stamp};

/// What a rekey did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
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
}

/// Gives `pupil` the UPN `to` (already validated), merging the record that holds it, if any.
pub fn rekey(tx: &Transaction<'_>, pupil: &Pupil, to: &str, stamp: &Stamp) -> Result<Rekeyed> {
    if pupil.upn == to {
        return Err(Error::Invalid(format!("{to} is already this pupil's UPN")));
    }
    let mut done = Rekeyed {
        from: pupil.upn.clone(),
        to: to.to_owned(),
        merged: false,
        consent_answers: 0,
        consent_withdrawals: 0,
        flags: 0,
        clearances: 0,
        takedowns: 0,
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
    // What the merged-away record holds, carried over in full and listed in the audit entry
    // (its own audit entries are redacted below, as a purge would).
    let answers = crate::consents::answers_of(tx, gone)?;
    let withdrawals = crate::consents::withdrawals_of(tx, gone)?;
    done.consent_answers = tx
        .prepare_cached(
            "INSERT INTO consent_answers (pupil_id, form_id, signatory, signer_name, relationship,
                channel, granted, signed_on, expires_on, evidence_sha256, recorded_by, recorded_at)
             SELECT ?1, form_id, signatory, signer_name, relationship, channel, granted, signed_on,
                expires_on, evidence_sha256, recorded_by, recorded_at
             FROM consent_answers WHERE pupil_id = ?2 ORDER BY id",
        )?
        .execute([keep, gone])?;
    done.consent_withdrawals = tx
        .prepare_cached(
            "INSERT INTO consent_withdrawals (pupil_id, signatory, channel, withdrawn_on,
                recorded_by, recorded_at)
             SELECT ?1, signatory, channel, withdrawn_on, recorded_by, recorded_at
             FROM consent_withdrawals WHERE pupil_id = ?2 ORDER BY id",
        )?
        .execute([keep, gone])?;
    done.flags = tx
        .prepare_cached("UPDATE pupil_flags SET pupil_id = ?1 WHERE pupil_id = ?2")?
        .execute([keep, gone])?;
    done.clearances = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO clearance_pupils (clearance_id, pupil_id)
             SELECT clearance_id, ?1 FROM clearance_pupils WHERE pupil_id = ?2",
        )?
        .execute([keep, gone])?;
    done.takedowns = tx
        .prepare_cached("UPDATE takedowns SET pupil_id = ?1 WHERE pupil_id = ?2")?
        .execute([keep, gone])?;
    // The merged-away record goes. Its answers may be deleted only once it is off roll.
    tx.prepare_cached("UPDATE pupils SET left_on = coalesce(left_on, ?2) WHERE id = ?1")?
        .execute(params![gone, stamp.at.get(..10).unwrap_or("1970-01-01")])?;
    for sql in [
        "DELETE FROM consent_answers WHERE pupil_id = ?1",
        "DELETE FROM consent_withdrawals WHERE pupil_id = ?1",
        "DELETE FROM consent_digests WHERE pupil_id = ?1",
        "DELETE FROM clearance_pupils WHERE pupil_id = ?1",
        "DELETE FROM pupils WHERE id = ?1",
    ] {
        tx.prepare_cached(sql)?.execute([gone])?;
    }
    // The kept record takes the new UPN and what the MIS now says about the child.
    tx.prepare_cached(
        "UPDATE pupils SET upn = ?2, legal_forename = ?3, legal_surname = ?4,
            preferred_forename = ?5, academy_id = ?6, reg_group = ?7, admission_number = ?8,
            year_group = ?9, year_group_academic_year = ?10, left_on = ?11, updated_at = ?12
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
        stamp.at
    ])?;
    crate::consent_digest::rebuild(tx, keep)?;
    // The merged-away record's audit entries hold its personal data: redacted as a purge
    // would, the chain still verifying. Its history is repeated in the kept record's entry.
    let gone_subject = other.subject();
    crate::audit::redact_subject(tx, &gone_subject)?;
    stamp.audit(
        tx,
        "pupil.merged_away",
        Some(&gone_subject),
        serde_json::json!({"into": pupil.subject_id}),
    )?;
    stamp.audit(
        tx,
        "pupil.rekey",
        Some(&pupil.subject()),
        serde_json::json!({
            "from": pupil.upn, "to": to, "merged": true,
            "merged_subject": other.subject_id,
            "roll": {
                "legal_forename": other.legal_forename, "legal_surname": other.legal_surname,
                "preferred_forename": other.preferred_forename, "academy": other.academy,
                "reg_group": other.reg_group, "admission_number": other.admission_number,
                "year_group": other.year_group,
                "year_group_academic_year": other.year_group_academic_year,
                "left_on": other.left_on,
            },
            "consent_answers": answers, "consent_withdrawals": withdrawals,
            "flags": done.flags, "clearances": done.clearances, "takedowns": done.takedowns,
        }),
    )?;
    Ok(done)
}
