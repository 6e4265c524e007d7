//! The `pupils` table.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::{Error, Result, Stamp};

/// A pupil as the register holds them.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Pupil {
    #[serde(skip)]
    pub id: i64,
    /// Pseudonymous id used by the audit log.
    pub subject_id: String,
    pub upn: String,
    pub legal_forename: String,
    pub legal_surname: String,
    pub preferred_forename: Option<String>,
    pub dob: NaiveDate,
    pub academy: String,
    #[serde(skip)]
    pub academy_id: i64,
    pub reg_group: Option<String>,
    pub admission_number: Option<String>,
    /// The year group as recorded, for `year_group_academic_year`.
    pub year_group: i32,
    pub year_group_academic_year: i32,
    pub left_on: Option<NaiveDate>,
}

impl Pupil {
    /// "Preferred (Legal) Surname" style display name.
    pub fn display_name(&self) -> String {
        match &self.preferred_forename {
            Some(p) if p != &self.legal_forename => {
                format!("{} ({}) {}", p, self.legal_forename, self.legal_surname)
            }
            _ => format!("{} {}", self.legal_forename, self.legal_surname),
        }
    }

    /// On roll on `on`: not yet left (a pupil who leaves on a date is off roll from it).
    pub fn on_roll(&self, on: NaiveDate) -> bool {
        self.left_on.is_none_or(|left| left > on)
    }

    pub fn subject(&self) -> String {
        subject_of(&self.subject_id)
    }
}

pub fn subject_of(subject_id: &str) -> String {
    format!("pupil:{subject_id}")
}

/// The fields an MIS roll supplies: what an import compares and writes.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RollEntry {
    pub upn: String,
    pub legal_forename: String,
    pub legal_surname: String,
    pub preferred_forename: Option<String>,
    pub dob: NaiveDate,
    pub reg_group: Option<String>,
    pub admission_number: Option<String>,
    pub year_group: i32,
    pub year_group_academic_year: i32,
}

const COLUMNS: &str = "p.id, p.subject_id, p.upn, p.legal_forename, p.legal_surname, p.preferred_forename, p.dob, a.code, p.academy_id, p.reg_group, p.admission_number, p.year_group, p.year_group_academic_year, p.left_on";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Pupil> {
    Ok(Pupil {
        id: r.get(0)?,
        subject_id: r.get(1)?,
        upn: r.get(2)?,
        legal_forename: r.get(3)?,
        legal_surname: r.get(4)?,
        preferred_forename: r.get(5)?,
        dob: r.get(6)?,
        academy: r.get(7)?,
        academy_id: r.get(8)?,
        reg_group: r.get(9)?,
        admission_number: r.get(10)?,
        year_group: r.get(11)?,
        year_group_academic_year: r.get(12)?,
        left_on: r.get(13)?,
    })
}

pub fn by_upn(conn: &Connection, upn: &str) -> Result<Option<Pupil>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM pupils p JOIN academies a ON a.id = p.academy_id WHERE p.upn = ?1"
        ))?
        .query_row([upn.trim().to_uppercase()], row)
        .optional()?)
}

/// The pupil with this UPN, or a clear "no such pupil" error.
pub fn require(conn: &Connection, upn: &str) -> Result<Pupil> {
    by_upn(conn, upn)?
        .ok_or_else(|| Error::NotFound(format!("no pupil with UPN {} on the register", upn.trim())))
}

pub fn by_id(conn: &Connection, id: i64) -> Result<Pupil> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM pupils p JOIN academies a ON a.id = p.academy_id WHERE p.id = ?1"
        ))?
        .query_row([id], row)?)
}

/// Every pupil, optionally of one academy, ordered by academy, surname, forename.
pub fn list(conn: &Connection, academy_id: Option<i64>) -> Result<Vec<Pupil>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM pupils p JOIN academies a ON a.id = p.academy_id
         WHERE (?1 IS NULL OR p.academy_id = ?1)
         ORDER BY a.code, p.legal_surname COLLATE NOCASE, p.legal_forename COLLATE NOCASE, p.upn"
    ))?;
    let rows = stmt.query_map([academy_id], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn payload(e: &RollEntry, academy: &str) -> serde_json::Value {
    serde_json::json!({
        "upn": e.upn, "legal_forename": e.legal_forename, "legal_surname": e.legal_surname,
        "preferred_forename": e.preferred_forename, "dob": e.dob, "academy": academy,
        "reg_group": e.reg_group, "admission_number": e.admission_number,
        "year_group": e.year_group, "year_group_academic_year": e.year_group_academic_year,
    })
}

/// Adds a pupil to an academy's roll.
pub fn insert(
    tx: &Transaction<'_>,
    academy_id: i64,
    academy_code: &str,
    e: &RollEntry,
    stamp: &Stamp,
) -> Result<i64> {
    let subject_id = uuid::Uuid::now_v7().to_string();
    tx.prepare_cached(
        "INSERT INTO pupils (subject_id, upn, legal_forename, legal_surname, preferred_forename, dob,
            academy_id, reg_group, admission_number, year_group, year_group_academic_year, left_on,
            created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL, ?12, ?12)",
    )?
    .execute(params![
        subject_id,
        e.upn,
        e.legal_forename,
        e.legal_surname,
        e.preferred_forename,
        e.dob,
        academy_id,
        e.reg_group,
        e.admission_number,
        e.year_group,
        e.year_group_academic_year,
        stamp.at
    ])?;
    let id = tx.last_insert_rowid();
    stamp.audit(
        tx,
        "pupil.add",
        Some(&subject_of(&subject_id)),
        payload(e, academy_code),
    )?;
    Ok(id)
}

/// Replaces a pupil's roll details (and re-admits them if they had left).
pub fn update(
    tx: &Transaction<'_>,
    pupil: &Pupil,
    academy_id: i64,
    academy_code: &str,
    e: &RollEntry,
    stamp: &Stamp,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE pupils SET legal_forename = ?2, legal_surname = ?3, preferred_forename = ?4, dob = ?5,
            academy_id = ?6, reg_group = ?7, admission_number = ?8, year_group = ?9,
            year_group_academic_year = ?10, left_on = NULL, updated_at = ?11
         WHERE id = ?1",
    )?
    .execute(params![
        pupil.id,
        e.legal_forename,
        e.legal_surname,
        e.preferred_forename,
        e.dob,
        academy_id,
        e.reg_group,
        e.admission_number,
        e.year_group,
        e.year_group_academic_year,
        stamp.at
    ])?;
    stamp.audit(
        tx,
        "pupil.update",
        Some(&pupil.subject()),
        payload(e, academy_code),
    )?;
    Ok(())
}

/// Marks a pupil as having left on a date. Never deletes.
pub fn mark_left(tx: &Transaction<'_>, pupil: &Pupil, on: NaiveDate, stamp: &Stamp) -> Result<()> {
    tx.prepare_cached("UPDATE pupils SET left_on = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![pupil.id, on, stamp.at])?;
    stamp.audit(
        tx,
        "pupil.left",
        Some(&pupil.subject()),
        serde_json::json!({"upn": pupil.upn, "left_on": on}),
    )?;
    Ok(())
}

impl RollEntry {
    /// Whether the register's record already says exactly this (an unchanged pupil is left alone).
    pub fn matches(&self, p: &Pupil, academy_id: i64) -> bool {
        p.left_on.is_none()
            && p.academy_id == academy_id
            && p.legal_forename == self.legal_forename
            && p.legal_surname == self.legal_surname
            && p.preferred_forename == self.preferred_forename
            && p.dob == self.dob
            && p.reg_group == self.reg_group
            && p.admission_number == self.admission_number
            && rules::year::ncy_advanced(
                p.year_group,
                p.year_group_academic_year,
                first_september(self.year_group_academic_year),
            ) == self.year_group
    }
}

fn first_september(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 9, 1).unwrap_or(NaiveDate::MIN)
}
