//! The `consent_answers` and `consent_withdrawals` tables: append-only.

use chrono::NaiveDate;
use rules::consent::{Answer, Channel, Signatory, Withdrawal};
use rusqlite::{Connection, Transaction, params};
use serde::Serialize;

use crate::{Error, Result, Stamp, pupils::Pupil};

/// One answer as recorded, with everything the history view and subject access need.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AnswerRecord {
    pub id: i64,
    #[serde(skip)]
    pub pupil_id: i64,
    pub form_id: String,
    pub signatory: Signatory,
    pub signer_name: Option<String>,
    pub relationship: Option<String>,
    pub channel: Channel,
    pub granted: bool,
    pub signed_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    pub evidence_sha256: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
    /// Why the form was voided (recorded in error), if it was: it no longer counts.
    pub voided: Option<String>,
}

impl AnswerRecord {
    pub fn to_rule(&self) -> Answer {
        Answer {
            id: self.id,
            signatory: self.signatory,
            signer: rules::consent::signer_identity(
                self.signer_name.as_deref(),
                self.relationship.as_deref(),
            ),
            channel: self.channel,
            granted: self.granted,
            signed_on: self.signed_on,
            expires_on: self.expires_on,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WithdrawalRecord {
    pub id: i64,
    #[serde(skip)]
    pub pupil_id: i64,
    pub signatory: Signatory,
    pub channel: Channel,
    pub withdrawn_on: NaiveDate,
    /// Who asked, as they gave their name; with their relationship to the pupil.
    pub signer_name: Option<String>,
    pub relationship: Option<String>,
    /// How the withdrawal came ("email to the office", "phone call to reception").
    pub note: Option<String>,
    /// The message or letter itself, stored beside the register by its SHA-256.
    pub evidence_sha256: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// What a withdrawal may say besides its signatory, channels and day: who asked, how, and the
/// proof (see [`WithdrawalRecord`]). Every field may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WithdrawalDetails {
    pub signer_name: Option<String>,
    pub relationship: Option<String>,
    pub note: Option<String>,
    pub evidence_sha256: Option<String>,
}

impl WithdrawalRecord {
    pub fn to_rule(&self) -> Withdrawal {
        Withdrawal {
            id: self.id,
            signatory: self.signatory,
            channel: self.channel,
            on: self.withdrawn_on,
        }
    }
}

/// A returned form: one signer's answers for several channels.
#[derive(Debug, Clone)]
pub struct Form {
    pub signatory: Signatory,
    pub signer_name: Option<String>,
    pub relationship: Option<String>,
    pub signed_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    pub evidence_sha256: Option<String>,
    /// (channel, granted)
    pub answers: Vec<(Channel, bool)>,
}

fn parse<T: std::str::FromStr>(s: String, what: &str) -> rusqlite::Result<T> {
    s.parse::<T>().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown {what} {s:?}").into(),
        )
    })
}

fn answer_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AnswerRecord> {
    Ok(AnswerRecord {
        id: r.get(0)?,
        pupil_id: r.get(1)?,
        form_id: r.get(2)?,
        signatory: parse(r.get(3)?, "signatory")?,
        signer_name: r.get(4)?,
        relationship: r.get(5)?,
        channel: parse(r.get(6)?, "channel")?,
        granted: r.get(7)?,
        signed_on: r.get(8)?,
        expires_on: r.get(9)?,
        evidence_sha256: r.get(10)?,
        recorded_by: r.get(11)?,
        recorded_at: r.get(12)?,
        voided: r.get(13)?,
    })
}

const ANSWER_COLUMNS: &str = "c.id, c.pupil_id, c.form_id, c.signatory, c.signer_name, c.relationship, c.channel, c.granted, c.signed_on, c.expires_on, c.evidence_sha256, c.recorded_by, c.recorded_at, (SELECT v.reason FROM consent_voids v WHERE v.form_id = c.form_id)";

fn withdrawal_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<WithdrawalRecord> {
    Ok(WithdrawalRecord {
        id: r.get(0)?,
        pupil_id: r.get(1)?,
        signatory: parse(r.get(2)?, "signatory")?,
        channel: parse(r.get(3)?, "channel")?,
        withdrawn_on: r.get(4)?,
        signer_name: r.get(5)?,
        relationship: r.get(6)?,
        note: r.get(7)?,
        evidence_sha256: r.get(8)?,
        recorded_by: r.get(9)?,
        recorded_at: r.get(10)?,
    })
}

const WITHDRAWAL_COLUMNS: &str = "w.id, w.pupil_id, w.signatory, w.channel, w.withdrawn_on, w.signer_name, w.relationship, w.note, w.evidence_sha256, w.recorded_by, w.recorded_at";

/// Records a returned form: one answer row per channel, one audit entry.
/// Records a returned form: its answers, the pupil's consent summary, the audit entry.
/// Returns the form's id and its answers' ids.
pub fn record_form(
    tx: &Transaction<'_>,
    pupil: &Pupil,
    form: &Form,
    stamp: &Stamp,
) -> Result<(String, Vec<i64>)> {
    if form.answers.is_empty() {
        return Err(Error::Invalid(
            "a form must grant or refuse at least one channel".into(),
        ));
    }
    let form_id = uuid::Uuid::now_v7().to_string();
    let mut ids = Vec::with_capacity(form.answers.len());
    let mut stmt = tx.prepare_cached(
        "INSERT INTO consent_answers (pupil_id, form_id, signatory, signer_name, relationship, channel,
            granted, signed_on, expires_on, evidence_sha256, recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for (channel, granted) in &form.answers {
        stmt.execute(params![
            pupil.id,
            form_id,
            form.signatory.as_str(),
            form.signer_name,
            form.relationship,
            channel.as_str(),
            granted,
            form.signed_on,
            form.expires_on,
            form.evidence_sha256,
            stamp.actor,
            stamp.at
        ])?;
        ids.push(tx.last_insert_rowid());
    }
    crate::consent_digest::rebuild(tx, pupil.id)?;
    let granted: Vec<&str> = form
        .answers
        .iter()
        .filter(|(_, g)| *g)
        .map(|(c, _)| c.as_str())
        .collect();
    let refused: Vec<&str> = form
        .answers
        .iter()
        .filter(|(_, g)| !*g)
        .map(|(c, _)| c.as_str())
        .collect();
    stamp.audit(
        tx,
        "consent.record",
        Some(&pupil.subject()),
        serde_json::json!({
            "form_id": form_id, "signatory": form.signatory.as_str(),
            "signer_name": form.signer_name, "relationship": form.relationship,
            "signed_on": form.signed_on, "expires_on": form.expires_on,
            "granted": granted, "refused": refused, "evidence_sha256": form.evidence_sha256,
            "answer_ids": ids,
        }),
    )?;
    Ok((form_id, ids))
}

/// Voids a form of `pupil` recorded in error: its answers stay in the history, marked, and no
/// longer count. `form` is the form's id, or its start or end (at least 6 characters; `pupils
/// show` prints the last 8, which are random, where the first are a time two forms recorded
/// within a minute share) naming one of the pupil's forms. Returns the form's answers.
pub fn void_form(
    tx: &Transaction<'_>,
    pupil: &Pupil,
    form: &str,
    reason: &str,
    stamp: &Stamp,
) -> Result<Vec<AnswerRecord>> {
    let form = form.trim();
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::Invalid(
            "give the reason the form is voided (--reason), for the record".into(),
        ));
    }
    if form.chars().count() < 6 {
        return Err(Error::Invalid(format!(
            "form {form:?}: give at least 6 characters of its id (`clearshot pupils show {}` lists them)",
            pupil.upn
        )));
    }
    let answers = answers_of(tx, pupil.id)?;
    let mut ids: Vec<&str> = answers
        .iter()
        .map(|a| a.form_id.as_str())
        .filter(|id| id.starts_with(form) || id.ends_with(form))
        .collect();
    ids.dedup();
    let form_id = match ids.as_slice() {
        [one] => one.to_string(),
        [] => {
            return Err(Error::NotFound(format!(
                "{} has no form {form} (`clearshot pupils show {}` lists their forms)",
                pupil.upn, pupil.upn
            )));
        }
        _ => {
            return Err(Error::Invalid(format!(
                "{form} is part of more than one of {}'s form ids; give more of it",
                pupil.upn
            )));
        }
    };
    let of_form: Vec<AnswerRecord> = answers
        .into_iter()
        .filter(|a| a.form_id == form_id)
        .collect();
    if let Some(why) = of_form.first().and_then(|a| a.voided.clone()) {
        return Err(Error::Invalid(format!(
            "form {form_id} of {} is already void ({why})",
            pupil.upn
        )));
    }
    tx.execute(
        "INSERT INTO consent_voids (form_id, reason, voided_by, voided_at) VALUES (?1, ?2, ?3, ?4)",
        params![form_id, reason, stamp.actor, stamp.at],
    )?;
    crate::consent_digest::rebuild(tx, pupil.id)?;
    stamp.audit(
        tx,
        "consent.void",
        Some(&pupil.subject()),
        serde_json::json!({"form_id": form_id, "reason": reason,
            "answer_ids": of_form.iter().map(|a| a.id).collect::<Vec<_>>()}),
    )?;
    Ok(of_form
        .into_iter()
        .map(|a| AnswerRecord {
            voided: Some(reason.to_string()),
            ..a
        })
        .collect())
}

/// Withdraws a signatory's consent for channels from a date, with who asked, how and the proof
/// (blank details are stored as none).
pub fn withdraw(
    tx: &Transaction<'_>,
    pupil: &Pupil,
    signatory: Signatory,
    channels: &[Channel],
    on: NaiveDate,
    details: &WithdrawalDetails,
    stamp: &Stamp,
) -> Result<Vec<i64>> {
    let given = |t: &Option<String>| {
        t.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let (name, relationship, note) = (
        given(&details.signer_name),
        given(&details.relationship),
        given(&details.note),
    );
    let mut stmt = tx.prepare_cached(
        "INSERT INTO consent_withdrawals (pupil_id, signatory, channel, withdrawn_on, signer_name,
            relationship, note, evidence_sha256, recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let mut ids = Vec::new();
    for channel in channels {
        stmt.execute(params![
            pupil.id,
            signatory.as_str(),
            channel.as_str(),
            on,
            name,
            relationship,
            note,
            details.evidence_sha256,
            stamp.actor,
            stamp.at
        ])?;
        ids.push(tx.last_insert_rowid());
    }
    let names: Vec<&str> = channels.iter().map(|c| c.as_str()).collect();
    stamp.audit(
        tx,
        "consent.withdraw",
        Some(&pupil.subject()),
        serde_json::json!({"signatory": signatory.as_str(), "channels": names, "withdrawn_on": on,
            "signer_name": name, "relationship": relationship, "note": note,
            "evidence_sha256": details.evidence_sha256}),
    )?;
    Ok(ids)
}

/// Every answer of one pupil, oldest first.
pub fn answers_of(conn: &Connection, pupil_id: i64) -> Result<Vec<AnswerRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ANSWER_COLUMNS} FROM consent_answers c WHERE c.pupil_id = ?1 ORDER BY c.signed_on, c.id"
    ))?;
    let rows = stmt.query_map([pupil_id], answer_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn withdrawals_of(conn: &Connection, pupil_id: i64) -> Result<Vec<WithdrawalRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {WITHDRAWAL_COLUMNS} FROM consent_withdrawals w WHERE w.pupil_id = ?1
         ORDER BY w.withdrawn_on, w.id"
    ))?;
    let rows = stmt.query_map([pupil_id], withdrawal_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every answer for the pupils of one academy (or all), in one query, for bulk status.
pub fn answers_for(conn: &Connection, academy_id: Option<i64>) -> Result<Vec<AnswerRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ANSWER_COLUMNS} FROM consent_answers c JOIN pupils p ON p.id = c.pupil_id
         WHERE (?1 IS NULL OR p.academy_id = ?1) ORDER BY c.pupil_id, c.id"
    ))?;
    let rows = stmt.query_map([academy_id], answer_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every answer in the form the rules read, of one pupil or of everyone: (pupil id, answer), in
/// pupil then recording order. What the consent digests are built and checked from.
pub fn rule_answers(conn: &Connection, pupil_id: Option<i64>) -> Result<Vec<(i64, Answer)>> {
    const COLUMNS: &str = "pupil_id, id, signatory, signer_name, channel, granted, signed_on, expires_on, relationship";
    // Separate statements, so that one pupil's answers are found through the index.
    let mut stmt = match pupil_id {
        // A voided form (recorded in error) does not count.
        Some(_) => conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM consent_answers
             WHERE pupil_id = ?1 AND form_id NOT IN (SELECT form_id FROM consent_voids)
             ORDER BY id"
        ))?,
        None => conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM consent_answers
             WHERE form_id NOT IN (SELECT form_id FROM consent_voids)
             ORDER BY pupil_id, id"
        ))?,
    };
    let params: &[&dyn rusqlite::ToSql] = match &pupil_id {
        Some(id) => &[id],
        None => &[],
    };
    let rows = stmt.query_map(params, |r| {
        Ok((
            r.get(0)?,
            Answer {
                id: r.get(1)?,
                signatory: parse(r.get(2)?, "signatory")?,
                signer: rules::consent::signer_identity(
                    r.get::<_, Option<String>>(3)?.as_deref(),
                    r.get::<_, Option<String>>(8)?.as_deref(),
                ),
                channel: parse(r.get(4)?, "channel")?,
                granted: r.get(5)?,
                signed_on: r.get(6)?,
                expires_on: r.get(7)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn withdrawals_for(
    conn: &Connection,
    academy_id: Option<i64>,
) -> Result<Vec<WithdrawalRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {WITHDRAWAL_COLUMNS} FROM consent_withdrawals w JOIN pupils p ON p.id = w.pupil_id
         WHERE (?1 IS NULL OR p.academy_id = ?1) ORDER BY w.pupil_id, w.id"
    ))?;
    let rows = stmt.query_map([academy_id], withdrawal_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
