//! The `academies` table.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::{Error, Result, Stamp};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Academy {
    #[serde(skip)]
    pub id: i64,
    pub code: String,
    pub name: String,
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Academy> {
    Ok(Academy {
        id: r.get(0)?,
        code: r.get(1)?,
        name: r.get(2)?,
    })
}

/// Adds an academy. Codes are short, upper-case identifiers chosen by the trust.
pub fn add(tx: &Transaction<'_>, code: &str, name: &str, stamp: &Stamp) -> Result<Academy> {
    let code = code.trim().to_uppercase();
    let name = name.trim();
    if code.is_empty()
        || code.len() > 32
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(Error::Invalid(format!(
            "academy code {code:?}: use 1-32 letters, digits, '-' or '_'"
        )));
    }
    if name.is_empty() {
        return Err(Error::Invalid("academy name must not be empty".into()));
    }
    if by_code(tx, &code)?.is_some() {
        return Err(Error::Invalid(format!("academy {code} already exists")));
    }
    tx.execute(
        "INSERT INTO academies (code, name, created_at) VALUES (?1, ?2, ?3)",
        params![code, name, stamp.at],
    )?;
    let id = tx.last_insert_rowid();
    stamp.audit(
        tx,
        "academy.add",
        Some(&format!("academy:{code}")),
        serde_json::json!({"code": code, "name": name}),
    )?;
    Ok(Academy {
        id,
        code,
        name: name.to_string(),
    })
}

pub fn by_code(conn: &Connection, code: &str) -> Result<Option<Academy>> {
    Ok(conn
        .query_row(
            "SELECT id, code, name FROM academies WHERE code = ?1",
            [code.trim().to_uppercase()],
            row,
        )
        .optional()?)
}

/// The academy with this code, or an error that says how to add it.
pub fn require(conn: &Connection, code: &str) -> Result<Academy> {
    by_code(conn, code)?.ok_or_else(|| {
        Error::NotFound(format!(
            "unknown academy {:?}; add it first with `clearshot academies add {} --name NAME`",
            code.trim(),
            code.trim().to_uppercase()
        ))
    })
}

pub fn list(conn: &Connection) -> Result<Vec<Academy>> {
    let mut stmt = conn.prepare("SELECT id, code, name FROM academies ORDER BY code")?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::open_in_memory;

    #[test]
    fn an_academy_is_added_once_and_audited() {
        let mut conn = open_in_memory().unwrap();
        let stamp = Stamp::new("office", "2026-01-01T00:00:00Z");
        let tx = crate::begin(&mut conn).unwrap();
        add(&tx, "oak", "Oak Primary Academy", &stamp).unwrap();
        assert!(add(&tx, "OAK", "Again", &stamp).is_err());
        tx.commit().unwrap();
        assert_eq!(list(&conn).unwrap()[0].code, "OAK");
        assert_eq!(crate::audit::verify(&conn).unwrap().entries, 1);
    }
}
