//! The `clearances` and `clearance_pupils` tables: photos cleared for publication.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::Result;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Clearance {
    pub id: String,
    pub photo_sha256: String,
    pub channel: String,
    pub academy: String,
    #[serde(skip)]
    pub academy_id: i64,
    pub staff_email: String,
    pub cleared_on: NaiveDate,
    pub provenance: String,
    pub device: Option<String>,
    pub faces_acknowledged: bool,
    pub caption: Option<String>,
    /// The tagged pupils (register ids).
    #[serde(skip)]
    pub pupil_ids: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct NewClearance<'a> {
    pub id: &'a str,
    pub photo_sha256: &'a str,
    pub channel: &'a str,
    pub academy_id: i64,
    pub staff_email: &'a str,
    pub cleared_on: NaiveDate,
    pub provenance: &'a str,
    pub device_id: Option<i64>,
    pub faces_acknowledged: bool,
    pub caption: Option<&'a str>,
    pub pupil_ids: &'a [i64],
    pub created_at: &'a str,
}

/// Inserts a clearance. The audit entry is written by the caller, which knows every rule.
pub fn insert(tx: &Transaction<'_>, c: &NewClearance<'_>) -> Result<()> {
    tx.execute(
        "INSERT INTO clearances (id, photo_sha256, channel, academy_id, staff_email, cleared_on, provenance,
            device_id, faces_acknowledged, caption, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            c.id,
            c.photo_sha256,
            c.channel,
            c.academy_id,
            c.staff_email,
            c.cleared_on,
            c.provenance,
            c.device_id,
            c.faces_acknowledged,
            c.caption,
            c.created_at
        ],
    )?;
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO clearance_pupils (clearance_id, pupil_id) VALUES (?1, ?2)",
    )?;
    for p in c.pupil_ids {
        stmt.execute(params![c.id, p])?;
    }
    Ok(())
}

const COLUMNS: &str = "c.id, c.photo_sha256, c.channel, a.code, c.academy_id, c.staff_email, c.cleared_on, c.provenance, d.label, c.faces_acknowledged, c.caption";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Clearance> {
    Ok(Clearance {
        id: r.get(0)?,
        photo_sha256: r.get(1)?,
        channel: r.get(2)?,
        academy: r.get(3)?,
        academy_id: r.get(4)?,
        staff_email: r.get(5)?,
        cleared_on: r.get(6)?,
        provenance: r.get(7)?,
        device: r.get(8)?,
        faces_acknowledged: r.get(9)?,
        caption: r.get(10)?,
        pupil_ids: Vec::new(),
    })
}

fn with_pupils(conn: &Connection, mut c: Clearance) -> Result<Clearance> {
    let mut stmt = conn.prepare_cached(
        "SELECT pupil_id FROM clearance_pupils WHERE clearance_id = ?1 ORDER BY pupil_id",
    )?;
    c.pupil_ids = stmt
        .query_map([&c.id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(c)
}

pub fn by_id(conn: &Connection, id: &str) -> Result<Option<Clearance>> {
    let c = conn
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM clearances c JOIN academies a ON a.id = c.academy_id
                 LEFT JOIN devices d ON d.id = c.device_id WHERE c.id = ?1"
            ),
            [id.trim()],
            row,
        )
        .optional()?;
    c.map(|c| with_pupils(conn, c)).transpose()
}

/// Every clearance that names a pupil.
pub fn of_pupil(conn: &Connection, pupil_id: i64) -> Result<Vec<Clearance>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM clearances c JOIN academies a ON a.id = c.academy_id
         LEFT JOIN devices d ON d.id = c.device_id
         JOIN clearance_pupils cp ON cp.clearance_id = c.id
         WHERE cp.pupil_id = ?1 ORDER BY c.cleared_on, c.id"
    ))?;
    let list: Vec<Clearance> = stmt
        .query_map([pupil_id], row)?
        .collect::<rusqlite::Result<_>>()?;
    list.into_iter().map(|c| with_pupils(conn, c)).collect()
}
