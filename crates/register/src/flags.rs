//! The `pupil_flags` table: "parent also required" (sixth form) and the safeguarding
//! "never publish" flag, each with a reason, set and cleared with dates.

use chrono::NaiveDate;
use rusqlite::{Connection, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::{Error, Result, Stamp, pupils::Pupil};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum FlagKind {
    ParentAlsoRequired,
    NeverPublish,
}

impl FlagKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::ParentAlsoRequired => "parent_also_required",
            FlagKind::NeverPublish => "never_publish",
        }
    }
    fn parse(s: &str) -> Option<FlagKind> {
        match s {
            "parent_also_required" => Some(FlagKind::ParentAlsoRequired),
            "never_publish" => Some(FlagKind::NeverPublish),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Flag {
    pub id: i64,
    #[serde(skip)]
    pub pupil_id: i64,
    pub kind: FlagKind,
    /// Safeguarding detail: the never-publish reason is shown only on request (audited).
    pub reason: String,
    pub set_on: NaiveDate,
    pub set_by: String,
    pub cleared_on: Option<NaiveDate>,
    pub cleared_reason: Option<String>,
    pub cleared_by: Option<String>,
}

impl Flag {
    /// Set on `on`: set on or before it and not cleared by then.
    pub fn active_on(&self, on: NaiveDate) -> bool {
        self.set_on <= on && self.cleared_on.is_none_or(|c| c > on)
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Flag> {
    let kind: String = r.get(2)?;
    Ok(Flag {
        id: r.get(0)?,
        pupil_id: r.get(1)?,
        kind: FlagKind::parse(&kind).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                2,
                rusqlite::types::Type::Text,
                format!("unknown flag {kind:?}").into(),
            )
        })?,
        reason: r.get(3)?,
        set_on: r.get(4)?,
        set_by: r.get(5)?,
        cleared_on: r.get(6)?,
        cleared_reason: r.get(7)?,
        cleared_by: r.get(8)?,
    })
}

const COLUMNS: &str = "f.id, f.pupil_id, f.kind, f.reason, f.set_on, f.set_by, f.cleared_on, f.cleared_reason, f.cleared_by";

pub fn of_pupil(conn: &Connection, pupil_id: i64) -> Result<Vec<Flag>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM pupil_flags f WHERE f.pupil_id = ?1 ORDER BY f.set_on, f.id"
    ))?;
    let rows = stmt.query_map([pupil_id], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn for_academy(conn: &Connection, academy_id: Option<i64>) -> Result<Vec<Flag>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM pupil_flags f JOIN pupils p ON p.id = f.pupil_id
         WHERE (?1 IS NULL OR p.academy_id = ?1) ORDER BY f.pupil_id, f.id"
    ))?;
    let rows = stmt.query_map([academy_id], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Sets a flag from a date. Setting a flag that is already set is an error (nothing to do).
pub fn set(
    tx: &Transaction<'_>,
    pupil: &Pupil,
    kind: FlagKind,
    reason: &str,
    on: NaiveDate,
    stamp: &Stamp,
) -> Result<i64> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::Invalid("a flag needs a reason".into()));
    }
    if of_pupil(tx, pupil.id)?
        .iter()
        .any(|f| f.kind == kind && f.cleared_on.is_none())
    {
        return Err(Error::Invalid(format!(
            "{} already has the {} flag",
            pupil.upn,
            kind.as_str()
        )));
    }
    tx.execute(
        "INSERT INTO pupil_flags (pupil_id, kind, reason, set_on, set_by) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![pupil.id, kind.as_str(), reason, on, stamp.actor],
    )?;
    let id = tx.last_insert_rowid();
    stamp.audit(
        tx,
        "flag.set",
        Some(&pupil.subject()),
        serde_json::json!({"flag_id": id, "kind": kind.as_str(), "reason": reason, "set_on": on}),
    )?;
    Ok(id)
}

/// Clears a set flag from a date, with a reason. History is kept.
pub fn clear(
    tx: &Transaction<'_>,
    pupil: &Pupil,
    kind: FlagKind,
    reason: &str,
    on: NaiveDate,
    stamp: &Stamp,
) -> Result<Vec<i64>> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::Invalid("clearing a flag needs a reason".into()));
    }
    // Normally one; two when two records of the child, each flagged, were merged.
    let open: Vec<Flag> = of_pupil(tx, pupil.id)?
        .into_iter()
        .filter(|f| f.kind == kind && f.cleared_on.is_none())
        .collect();
    if open.is_empty() {
        return Err(Error::Invalid(format!(
            "{} does not have the {} flag",
            pupil.upn,
            kind.as_str()
        )));
    }
    if let Some(latest) = open.iter().map(|f| f.set_on).max()
        && on < latest
    {
        return Err(Error::Invalid(format!(
            "the flag was set on {latest}; it cannot be cleared before that"
        )));
    }
    for flag in &open {
        tx.execute(
            "UPDATE pupil_flags SET cleared_on = ?2, cleared_reason = ?3, cleared_by = ?4 WHERE id = ?1",
            params![flag.id, on, reason, stamp.actor],
        )?;
        stamp.audit(
            tx,
            "flag.clear",
            Some(&pupil.subject()),
            serde_json::json!({"flag_id": flag.id, "kind": kind.as_str(), "reason": reason, "cleared_on": on}),
        )?;
    }
    Ok(open.iter().map(|f| f.id).collect())
}
