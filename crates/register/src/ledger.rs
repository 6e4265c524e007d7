//! The `photo_ledger` table: the provenance ledger of photos captured on trust devices.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::{Result, Stamp};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LedgerEntry {
    pub id: i64,
    pub sha256: String,
    pub phash: String,
    #[serde(skip)]
    pub device_id: i64,
    pub taken_at: Option<String>,
    pub source_name: Option<String>,
    pub ingested_at: String,
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LedgerEntry> {
    Ok(LedgerEntry {
        id: r.get(0)?,
        sha256: r.get(1)?,
        phash: r.get(2)?,
        device_id: r.get(3)?,
        taken_at: r.get(4)?,
        source_name: r.get(5)?,
        ingested_at: r.get(6)?,
    })
}

const COLUMNS: &str = "id, sha256, phash, device_id, taken_at, source_name, ingested_at";

pub fn by_sha256(conn: &Connection, sha256: &str) -> Result<Option<LedgerEntry>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM photo_ledger WHERE sha256 = ?1"
        ))?
        .query_row([sha256], row)
        .optional()?)
}

/// Every entry (for perceptual-hash matching, which is a scan over 64-bit hashes).
pub fn all(conn: &Connection) -> Result<Vec<LedgerEntry>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM photo_ledger ORDER BY id"))?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A photo captured on a device, as the ingest found it.
#[derive(Debug, Clone)]
pub struct Capture<'a> {
    pub sha256: &'a str,
    pub phash: &'a str,
    pub device_id: i64,
    pub device_label: &'a str,
    pub taken_at: Option<&'a str>,
    pub source_name: Option<&'a str>,
}

/// Records a photo as captured on a device. Returns false when it was already in the ledger.
pub fn add(tx: &Transaction<'_>, c: &Capture<'_>, stamp: &Stamp) -> Result<bool> {
    let Capture {
        sha256,
        phash,
        device_id,
        device_label,
        taken_at,
        source_name,
    } = *c;
    if by_sha256(tx, sha256)?.is_some() {
        return Ok(false);
    }
    tx.prepare_cached(
        "INSERT INTO photo_ledger (sha256, phash, device_id, taken_at, source_name, ingested_at, ingested_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![sha256, phash, device_id, taken_at, source_name, stamp.at, stamp.actor])?;
    stamp.audit(
        tx,
        "ledger.ingest",
        Some(&format!("photo:{sha256}")),
        serde_json::json!({"sha256": sha256, "phash": phash, "device": device_label, "taken_at": taken_at}),
    )?;
    Ok(true)
}
