//! The `holds` table: posting put on hold for an academy or the whole trust (policy 4.6).

use chrono::NaiveDate;
use rusqlite::{Connection, Transaction, params};
use serde::Serialize;

use crate::{Error, Result, Stamp};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Hold {
    pub id: i64,
    /// `None`: the whole trust.
    pub academy: Option<String>,
    #[serde(skip)]
    pub academy_id: Option<i64>,
    pub reason: String,
    pub started_on: NaiveDate,
    pub started_by: String,
    pub ended_on: Option<NaiveDate>,
}

impl Hold {
    /// In force on a date: started on or before it, not ended by then.
    pub fn in_force(&self, on: NaiveDate) -> bool {
        self.started_on <= on && self.ended_on.is_none_or(|e| e > on)
    }
    /// Applies to an academy: a trust-wide hold applies to all.
    pub fn covers(&self, academy_id: i64) -> bool {
        self.academy_id.is_none_or(|a| a == academy_id)
    }
}

fn subject(academy: Option<&str>) -> String {
    match academy {
        Some(code) => format!("academy:{code}"),
        None => "trust".into(),
    }
}

/// "OAK", or "the trust" for a trust-wide hold, as messages name it.
fn scope_name(academy: Option<(i64, &str)>) -> String {
    academy.map_or_else(|| "the trust".into(), |(_, c)| c.to_string())
}

pub fn list(conn: &Connection) -> Result<Vec<Hold>> {
    let mut stmt = conn.prepare(
        "SELECT h.id, a.code, h.academy_id, h.reason, h.started_on, h.started_by, h.ended_on
         FROM holds h LEFT JOIN academies a ON a.id = h.academy_id ORDER BY h.started_on DESC, h.id DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Hold {
            id: r.get(0)?,
            academy: r.get(1)?,
            academy_id: r.get(2)?,
            reason: r.get(3)?,
            started_on: r.get(4)?,
            started_by: r.get(5)?,
            ended_on: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn start(
    tx: &Transaction<'_>,
    academy: Option<(i64, &str)>,
    reason: &str,
    on: NaiveDate,
    stamp: &Stamp,
) -> Result<i64> {
    if reason.trim().is_empty() {
        return Err(Error::Invalid("a hold needs a reason".into()));
    }
    let academy_id = academy.map(|(id, _)| id);
    // Already on hold from that day: nothing to start. A hold planned for a later day does not
    // stand in the way of one from today (an incident does not wait for the planned week).
    if let Some(h) = list(tx)?
        .iter()
        .find(|h| h.academy_id == academy_id && h.ended_on.is_none() && h.started_on <= on)
    {
        return Err(Error::Invalid(format!(
            "{} is already on hold (since {}: {})",
            scope_name(academy),
            h.started_on,
            h.reason
        )));
    }
    tx.execute(
        "INSERT INTO holds (academy_id, reason, started_on, started_by) VALUES (?1, ?2, ?3, ?4)",
        params![academy_id, reason.trim(), on, stamp.actor],
    )?;
    let id = tx.last_insert_rowid();
    stamp.audit(
        tx,
        "hold.start",
        Some(&subject(academy.map(|(_, c)| c))),
        serde_json::json!({"hold_id": id, "reason": reason.trim(), "started_on": on}),
    )?;
    Ok(id)
}

/// Ends a hold of `academy` (or the trust's) on `on`: the one with `id`, or else the one in
/// force that day (the latest started). Returns its id.
pub fn end(
    tx: &Transaction<'_>,
    academy: Option<(i64, &str)>,
    id: Option<i64>,
    on: NaiveDate,
    stamp: &Stamp,
) -> Result<i64> {
    let academy_id = academy.map(|(id, _)| id);
    let open: Vec<Hold> = list(tx)?
        .into_iter()
        .filter(|h| h.academy_id == academy_id && h.ended_on.is_none())
        .collect();
    // The hold in force on that day (the latest started, if a planned one has begun too), or
    // the one asked for.
    let Some(hold) = open
        .iter()
        .find(|h| h.started_on <= on && id.is_none_or(|id| id == h.id))
        .cloned()
    else {
        if let Some(id) = id
            && !open.iter().any(|h| h.id == id)
        {
            return Err(Error::NotFound(format!(
                "hold {id} is not an open hold of {}",
                scope_name(academy)
            )));
        }
        let who = scope_name(academy);
        return Err(Error::Invalid(match open.last() {
            Some(planned) => format!(
                "{who} is not on hold on {on}: the hold starts on {}; end it on or after that day",
                planned.started_on
            ),
            None => format!("{who} is not on hold"),
        }));
    };
    tx.execute(
        "UPDATE holds SET ended_on = ?2, ended_by = ?3 WHERE id = ?1",
        params![hold.id, on, stamp.actor],
    )?;
    stamp.audit(
        tx,
        "hold.end",
        Some(&subject(academy.map(|(_, c)| c))),
        serde_json::json!({"hold_id": hold.id, "ended_on": on}),
    )?;
    Ok(hold.id)
}
