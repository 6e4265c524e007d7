//! The `devices` table: trust-owned cameras, tablets and phones.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::{Error, Result, Stamp};

pub const KINDS: [&str; 4] = ["camera", "tablet", "phone", "other"];

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Device {
    #[serde(skip)]
    pub id: i64,
    pub label: String,
    pub kind: String,
    pub make: String,
    pub model: String,
    pub serial: Option<String>,
    pub academy: Option<String>,
    pub added_on: NaiveDate,
    pub retired_on: Option<NaiveDate>,
}

impl Device {
    /// Whether a photo taken on `date` counts for this device: not after its retirement.
    pub fn counts_on(&self, date: NaiveDate) -> bool {
        self.retired_on.is_none_or(|r| date <= r)
    }
}

#[derive(Debug, Clone)]
pub struct NewDevice {
    pub label: String,
    pub kind: String,
    pub make: String,
    pub model: String,
    pub serial: Option<String>,
    pub academy_id: Option<i64>,
    pub added_on: NaiveDate,
}

const COLUMNS: &str =
    "d.id, d.label, d.kind, d.make, d.model, d.serial, a.code, d.added_on, d.retired_on";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Device> {
    Ok(Device {
        id: r.get(0)?,
        label: r.get(1)?,
        kind: r.get(2)?,
        make: r.get(3)?,
        model: r.get(4)?,
        serial: r.get(5)?,
        academy: r.get(6)?,
        added_on: r.get(7)?,
        retired_on: r.get(8)?,
    })
}

pub fn add(tx: &Transaction<'_>, d: &NewDevice, stamp: &Stamp) -> Result<i64> {
    let label = d.label.trim();
    if label.is_empty() {
        return Err(Error::Invalid(
            "a device needs a label (its asset tag)".into(),
        ));
    }
    if !KINDS.contains(&d.kind.as_str()) {
        return Err(Error::Invalid(format!(
            "unknown device kind {:?}; kinds are {}",
            d.kind,
            KINDS.join(", ")
        )));
    }
    if d.make.trim().is_empty() || d.model.trim().is_empty() {
        return Err(Error::Invalid("a device needs a make and a model".into()));
    }
    if by_label(tx, label)?.is_some() {
        return Err(Error::Invalid(format!("device {label} already exists")));
    }
    let serial = d.serial.as_deref().map(str::trim).filter(|s| !s.is_empty());
    tx.execute(
        "INSERT INTO devices (label, kind, make, model, serial, academy_id, added_on, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            label,
            d.kind,
            d.make.trim(),
            d.model.trim(),
            serial,
            d.academy_id,
            d.added_on,
            stamp.at
        ],
    )?;
    let id = tx.last_insert_rowid();
    stamp.audit(
        tx,
        "device.add",
        Some(&format!("device:{label}")),
        serde_json::json!({"label": label, "kind": d.kind, "make": d.make.trim(), "model": d.model.trim(), "serial": serial, "added_on": d.added_on}),
    )?;
    Ok(id)
}

pub fn by_label(conn: &Connection, label: &str) -> Result<Option<Device>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM devices d LEFT JOIN academies a ON a.id = d.academy_id WHERE d.label = ?1"),
            [label.trim()],
            row,
        )
        .optional()?)
}

pub fn require(conn: &Connection, label: &str) -> Result<Device> {
    by_label(conn, label)?.ok_or_else(|| {
        Error::NotFound(format!(
            "no device labelled {:?}; register it with `clearshot devices add`",
            label.trim()
        ))
    })
}

pub fn by_id(conn: &Connection, id: i64) -> Result<Device> {
    Ok(conn.query_row(
        &format!("SELECT {COLUMNS} FROM devices d LEFT JOIN academies a ON a.id = d.academy_id WHERE d.id = ?1"),
        [id],
        row,
    )?)
}

pub fn list(conn: &Connection) -> Result<Vec<Device>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM devices d LEFT JOIN academies a ON a.id = d.academy_id ORDER BY d.label"
    ))?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn retire(tx: &Transaction<'_>, device: &Device, on: NaiveDate, stamp: &Stamp) -> Result<()> {
    if let Some(r) = device.retired_on {
        return Err(Error::Invalid(format!(
            "device {} was already retired on {r}",
            device.label
        )));
    }
    if on < device.added_on {
        return Err(Error::Invalid(format!(
            "device {} was added on {}; it cannot be retired before that",
            device.label, device.added_on
        )));
    }
    tx.execute(
        "UPDATE devices SET retired_on = ?2 WHERE id = ?1",
        params![device.id, on],
    )?;
    stamp.audit(
        tx,
        "device.retire",
        Some(&format!("device:{}", device.label)),
        serde_json::json!({"label": device.label, "retired_on": on}),
    )?;
    Ok(())
}
