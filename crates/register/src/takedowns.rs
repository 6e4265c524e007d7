//! The `takedowns` table: clearances to take down after a pupil's consent changed.

use chrono::NaiveDate;
use rusqlite::{Connection, Transaction, params};
use serde::Serialize;

use crate::{Error, Result, Stamp};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Takedown {
    pub id: i64,
    pub clearance_id: String,
    pub photo_sha256: String,
    pub channel: String,
    pub academy: String,
    pub cleared_on: NaiveDate,
    pub cleared_by: String,
    /// The caption it was cleared with: what the post says, to find it by.
    pub caption: Option<String>,
    /// The pupil's UPN (None once the pupil has been purged).
    pub upn: Option<String>,
    /// The pupil's name as the office knows it (None once purged).
    pub pupil_name: Option<String>,
    /// When the safe copy of this clearance was first exported (`photos export`, or
    /// `check --export`): a clearance never exported was not posted from ClearShot's copy.
    pub exported_at: Option<String>,
    pub cause: String,
    pub raised_on: NaiveDate,
    pub done_at: Option<String>,
    pub done_by: Option<String>,
    pub note: Option<String>,
}

/// Raises a takedown task for each clearance naming the pupil (for one of `channels`; empty =
/// every channel) that has no task for them yet. Returns how many were raised.
pub fn raise_for_pupil(
    tx: &Transaction<'_>,
    pupil_id: i64,
    pupil_subject: &str,
    channels: &[&str],
    cause: &str,
    on: NaiveDate,
    stamp: &Stamp,
) -> Result<usize> {
    let clearances = crate::clearances::of_pupil(tx, pupil_id)?;
    let mut raised = 0;
    for c in clearances {
        if !channels.is_empty() && !channels.contains(&c.channel.as_str()) {
            continue;
        }
        if raise(tx, &c, pupil_id, pupil_subject, cause, on, stamp)? {
            raised += 1;
        }
    }
    Ok(raised)
}

/// Raises a takedown task for one clearance and one pupil it names, unless they already have
/// one: an open task is still to do, and a done one means the post is already down, unless the
/// photo was exported again under that clearance after the task was done (consent given again
/// in between), when it may be up again. Returns whether it raised one.
pub fn raise(
    tx: &Transaction<'_>,
    c: &crate::clearances::Clearance,
    pupil_id: i64,
    pupil_subject: &str,
    cause: &str,
    on: NaiveDate,
    stamp: &Stamp,
) -> Result<bool> {
    let (open, last_done): (i64, Option<String>) = tx.query_row(
        "SELECT count(*) FILTER (WHERE done_at IS NULL), max(done_at)
         FROM takedowns WHERE clearance_id = ?1 AND pupil_id = ?2",
        params![c.id, pupil_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if open > 0 {
        return Ok(false);
    }
    if let Some(done_at) = last_done {
        let exported_since: i64 = tx.query_row(
            "SELECT count(*) FROM audit_log
             WHERE subject = ?1 AND action = 'photo.export' AND at > ?2
               AND json_extract(payload, '$.clearance_id') = ?3",
            params![format!("photo:{}", c.photo_sha256), done_at, c.id],
            |r| r.get(0),
        )?;
        if exported_since == 0 {
            return Ok(false);
        }
    }
    tx.execute(
        "INSERT INTO takedowns (clearance_id, pupil_id, cause, raised_on, raised_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![c.id, pupil_id, cause, on, stamp.at],
    )?;
    let id = tx.last_insert_rowid();
    stamp.audit(
        tx,
        "takedown.raise",
        Some(pupil_subject),
        serde_json::json!({"takedown_id": id, "clearance_id": c.id, "photo_sha256": c.photo_sha256,
            "channel": c.channel, "cause": cause}),
    )?;
    Ok(true)
}

pub fn list(conn: &Connection, open_only: bool) -> Result<Vec<Takedown>> {
    let mut stmt = conn.prepare(
        "SELECT t.id, c.id, c.photo_sha256, c.channel, a.code, c.cleared_on, c.staff_email, p.upn,
                t.cause, t.raised_on, t.done_at, t.done_by, t.note, c.caption,
                p.legal_forename, p.legal_surname, p.preferred_forename,
                (SELECT min(l.at) FROM audit_log l WHERE l.action = 'photo.export'
                   AND l.subject = 'photo:' || c.photo_sha256
                   AND json_extract(l.payload, '$.clearance_id') = c.id)
         FROM takedowns t JOIN clearances c ON c.id = t.clearance_id
         JOIN academies a ON a.id = c.academy_id
         LEFT JOIN pupils p ON p.id = t.pupil_id
         WHERE (?1 = 0 OR t.done_at IS NULL) ORDER BY t.id",
    )?;
    let rows = stmt.query_map([open_only], |r| {
        Ok(Takedown {
            id: r.get(0)?,
            clearance_id: r.get(1)?,
            photo_sha256: r.get(2)?,
            channel: r.get(3)?,
            academy: r.get(4)?,
            cleared_on: r.get(5)?,
            cleared_by: r.get(6)?,
            caption: r.get(13)?,
            upn: r.get(7)?,
            pupil_name: match (
                r.get::<_, Option<String>>(14)?,
                r.get::<_, Option<String>>(15)?,
            ) {
                (Some(forename), Some(surname)) => Some(crate::pupils::display_name(
                    &forename,
                    &surname,
                    r.get::<_, Option<String>>(16)?.as_deref(),
                )),
                _ => None,
            },
            exported_at: r.get(17)?,
            cause: r.get(8)?,
            raised_on: r.get(9)?,
            done_at: r.get(10)?,
            done_by: r.get(11)?,
            note: r.get(12)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn done(tx: &Transaction<'_>, id: i64, note: &str, stamp: &Stamp) -> Result<()> {
    if note.trim().is_empty() {
        return Err(Error::Invalid("say what was done (--note)".into()));
    }
    let state: Option<Option<String>> = tx
        .query_row("SELECT done_at FROM takedowns WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?;
    match state {
        None => return Err(Error::NotFound(format!("no takedown task {id}"))),
        Some(Some(at)) => {
            return Err(Error::Invalid(format!(
                "takedown {id} was already done at {at}"
            )));
        }
        Some(None) => {}
    }
    tx.execute(
        "UPDATE takedowns SET done_at = ?2, done_by = ?3, note = ?4 WHERE id = ?1",
        params![id, stamp.at, stamp.actor, note.trim()],
    )?;
    stamp.audit(
        tx,
        "takedown.done",
        Some(&format!("takedown:{id}")),
        serde_json::json!({"takedown_id": id, "note": note.trim()}),
    )?;
    Ok(())
}
