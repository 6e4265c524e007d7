//! The `staff` table: people approved to post for the trust.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::{Error, Result, Stamp};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Staff {
    #[serde(skip)]
    pub id: i64,
    pub email: String,
    pub name: String,
    /// `None`: approved for every academy of the trust.
    pub academy: Option<String>,
    #[serde(skip)]
    pub academy_id: Option<i64>,
    pub approved_on: NaiveDate,
    pub trained_on: Option<NaiveDate>,
    pub revoked_on: Option<NaiveDate>,
}

impl Staff {
    /// Approved on a date: approved on or before it and not revoked by then.
    pub fn approved(&self, on: NaiveDate) -> bool {
        self.approved_on <= on && self.revoked_on.is_none_or(|r| r > on)
    }
}

const COLUMNS: &str =
    "s.id, s.email, s.name, a.code, s.academy_id, s.approved_on, s.trained_on, s.revoked_on";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Staff> {
    Ok(Staff {
        id: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        academy: r.get(3)?,
        academy_id: r.get(4)?,
        approved_on: r.get(5)?,
        trained_on: r.get(6)?,
        revoked_on: r.get(7)?,
    })
}

/// E-mail addresses are compared in lower case.
pub fn normalise_email(email: &str) -> Result<String> {
    // "t@oak.sch.uk." (a trailing dot, as some mail programs write it) is "t@oak.sch.uk": one
    // person, one record.
    let e = email.trim().trim_end_matches('.').to_lowercase();
    match e.split_once('@') {
        Some((local, domain)) if !local.is_empty() && domain.contains('.') && !e.contains(' ') => {
            Ok(e)
        }
        _ => Err(Error::Invalid(format!(
            "{email:?} is not an e-mail address"
        ))),
    }
}

pub fn add(
    tx: &Transaction<'_>,
    email: &str,
    name: &str,
    academy_id: Option<i64>,
    approved_on: NaiveDate,
    trained_on: Option<NaiveDate>,
    stamp: &Stamp,
) -> Result<()> {
    let email = normalise_email(email)?;
    if name.trim().is_empty() {
        return Err(Error::Invalid("a member of staff needs a name".into()));
    }
    if let Some(old) = by_email(tx, &email)? {
        // Approved again after a revocation: the same record, from the new date (the audit
        // log keeps the earlier approval and its revocation).
        return match old.revoked_on {
            Some(revoked) if approved_on >= revoked => {
                tx.execute(
                    "UPDATE staff SET name = ?2, academy_id = ?3, approved_on = ?4, trained_on = ?5, revoked_on = NULL WHERE id = ?1",
                    params![old.id, name.trim(), academy_id, approved_on, trained_on.or(old.trained_on)],
                )?;
                stamp.audit(
                    tx,
                    "staff.reapprove",
                    Some(&format!("staff:{email}")),
                    serde_json::json!({"email": email, "name": name.trim(), "approved_on": approved_on,
                        "trained_on": trained_on.or(old.trained_on), "revoked_on_before": revoked}),
                )?;
                Ok(())
            }
            Some(revoked) => Err(Error::Invalid(format!(
                "{email}'s approval was revoked on {revoked}; approve them again from that day or later"
            ))),
            None => Err(Error::Invalid(format!(
                "{email} is already on the staff list"
            ))),
        };
    }
    tx.execute(
        "INSERT INTO staff (email, name, academy_id, approved_on, trained_on) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![email, name.trim(), academy_id, approved_on, trained_on],
    )?;
    stamp.audit(
        tx,
        "staff.add",
        Some(&format!("staff:{email}")),
        serde_json::json!({"email": email, "name": name.trim(), "approved_on": approved_on, "trained_on": trained_on}),
    )?;
    Ok(())
}

pub fn by_email(conn: &Connection, email: &str) -> Result<Option<Staff>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM staff s LEFT JOIN academies a ON a.id = s.academy_id WHERE s.email = ?1"),
            [email.trim().trim_end_matches('.').to_lowercase()],
            row,
        )
        .optional()?)
}

pub fn list(conn: &Connection) -> Result<Vec<Staff>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM staff s LEFT JOIN academies a ON a.id = s.academy_id ORDER BY s.email"
    ))?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records that a member of staff completed their social media training on `on` (policy
/// 7.1.1). A training date still to come is a booking, and may be replaced by the day it was
/// done; training already done stays recorded as it was (a refresher does not make them
/// untrained until its day).
pub fn record_training(
    tx: &Transaction<'_>,
    email: &str,
    on: NaiveDate,
    stamp: &Stamp,
) -> Result<()> {
    let s = by_email(tx, email)?
        .ok_or_else(|| Error::NotFound(format!("{} is not on the staff list", email.trim())))?;
    if let Some(t) = s.trained_on
        && t <= on
    {
        return Err(Error::Invalid(format!(
            "{} is already recorded as trained on {t}; nothing was changed",
            s.email
        )));
    }
    tx.execute(
        "UPDATE staff SET trained_on = ?2 WHERE id = ?1",
        params![s.id, on],
    )?;
    stamp.audit(
        tx,
        "staff.train",
        Some(&format!("staff:{}", s.email)),
        serde_json::json!({"email": s.email, "trained_on": on}),
    )?;
    Ok(())
}

pub fn revoke(tx: &Transaction<'_>, email: &str, on: NaiveDate, stamp: &Stamp) -> Result<()> {
    let s = by_email(tx, email)?
        .ok_or_else(|| Error::NotFound(format!("{} is not on the staff list", email.trim())))?;
    if let Some(r) = s.revoked_on {
        return Err(Error::Invalid(format!(
            "{} was already revoked on {r}",
            s.email
        )));
    }
    if on < s.approved_on {
        return Err(Error::Invalid(format!(
            "{} was approved on {}; the approval cannot be revoked before it began",
            s.email, s.approved_on
        )));
    }
    tx.execute(
        "UPDATE staff SET revoked_on = ?2 WHERE id = ?1",
        params![s.id, on],
    )?;
    stamp.audit(
        tx,
        "staff.revoke",
        Some(&format!("staff:{}", s.email)),
        serde_json::json!({"email": s.email, "revoked_on": on}),
    )?;
    Ok(())
}
