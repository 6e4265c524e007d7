//! The `accounts` and `account_admins` tables: trust-affiliated social media accounts. There is
//! deliberately no password column anywhere (policy 4.4).

use rusqlite::{Connection, Transaction, params};
use serde::Serialize;

use crate::{Error, Result, Stamp};

pub const PLATFORMS: [&str; 6] = ["facebook", "x", "instagram", "youtube", "linkedin", "other"];

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Account {
    #[serde(skip)]
    pub id: i64,
    pub platform: String,
    pub handle: String,
    pub academy: String,
    pub admins: Vec<String>,
}

/// Handles are stored without '@', in lower case (platforms compare them case-insensitively).
pub fn normalise_handle(handle: &str) -> String {
    handle.trim().trim_start_matches('@').to_lowercase()
}

pub fn add(
    tx: &Transaction<'_>,
    platform: &str,
    handle: &str,
    academy_id: i64,
    admins: &[String],
    stamp: &Stamp,
) -> Result<()> {
    let platform = platform.trim().to_lowercase();
    if !PLATFORMS.contains(&platform.as_str()) {
        return Err(Error::Invalid(format!(
            "unknown platform {platform:?}; platforms are {}",
            PLATFORMS.join(", ")
        )));
    }
    let handle = normalise_handle(handle);
    if handle.is_empty() || handle.contains(char::is_whitespace) {
        return Err(Error::Invalid(format!("{handle:?} is not a handle")));
    }
    let exists: i64 = tx.query_row(
        "SELECT count(*) FROM accounts WHERE platform = ?1 AND handle = ?2",
        params![platform, handle],
        |r| r.get(0),
    )?;
    if exists > 0 {
        return Err(Error::Invalid(format!(
            "{platform} account @{handle} is already registered"
        )));
    }
    tx.execute(
        "INSERT INTO accounts (platform, handle, academy_id, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![platform, handle, academy_id, stamp.at],
    )?;
    let id = tx.last_insert_rowid();
    let admins = admin_addresses(admins)?;
    write_admins(tx, id, &platform, &handle, &admins, "account.add", stamp)
}

/// Stores an account's administrators and the audit entry (`action`) that names them all.
fn write_admins(
    tx: &Transaction<'_>,
    id: i64,
    platform: &str,
    handle: &str,
    admins: &[String],
    action: &str,
    stamp: &Stamp,
) -> Result<()> {
    for email in admins {
        tx.execute(
            "INSERT INTO account_admins (account_id, email) VALUES (?1, ?2)",
            params![id, email],
        )?;
    }
    stamp.audit(
        tx,
        action,
        Some(&format!("account:{platform}:{handle}")),
        serde_json::json!({"platform": platform, "handle": handle, "admins": admins}),
    )?;
    Ok(())
}

/// The id of the account `platform` `handle` (as typed: any case, with or without '@').
fn require(tx: &Transaction<'_>, platform: &str, handle: &str) -> Result<(i64, String, String)> {
    let platform = platform.trim().to_lowercase();
    let handle = normalise_handle(handle);
    let id = tx
        .query_row(
            "SELECT id FROM accounts WHERE platform = ?1 AND handle = ?2",
            params![platform, handle],
            |r| r.get::<_, i64>(0),
        )
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Error::NotFound(format!(
                "no {platform} account @{handle} is registered (`accounts list` shows them)"
            )),
            e => e.into(),
        })?;
    Ok((id, platform, handle))
}

/// Normalised, distinct administrators' addresses, in the order given.
fn admin_addresses(admins: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for a in admins {
        let email = crate::staff::normalise_email(a)?;
        if !out.contains(&email) {
            out.push(email);
        }
    }
    Ok(out)
}

/// Replaces an account's administrators (a member of staff has left, a personal address was
/// given): audited with the new list.
pub fn set_admins(
    tx: &Transaction<'_>,
    platform: &str,
    handle: &str,
    admins: &[String],
    stamp: &Stamp,
) -> Result<()> {
    let (id, platform, handle) = require(tx, platform, handle)?;
    let admins = admin_addresses(admins)?;
    if admins.is_empty() {
        return Err(Error::Invalid(format!(
            "give the administrators of @{handle} (--admin EMAIL, twice): an account must have someone responsible for it"
        )));
    }
    tx.execute("DELETE FROM account_admins WHERE account_id = ?1", [id])?;
    write_admins(tx, id, &platform, &handle, &admins, "account.admins", stamp)
}

/// Takes an account off the register (closed, or never the trust's), with the reason.
pub fn remove(
    tx: &Transaction<'_>,
    platform: &str,
    handle: &str,
    reason: &str,
    stamp: &Stamp,
) -> Result<()> {
    let (id, platform, handle) = require(tx, platform, handle)?;
    if reason.trim().is_empty() {
        return Err(Error::Invalid(
            "give the reason the account is removed (--reason), for the audit log".into(),
        ));
    }
    tx.execute("DELETE FROM account_admins WHERE account_id = ?1", [id])?;
    tx.execute("DELETE FROM accounts WHERE id = ?1", [id])?;
    stamp.audit(
        tx,
        "account.remove",
        Some(&format!("account:{platform}:{handle}")),
        serde_json::json!({"platform": platform, "handle": handle, "reason": reason.trim()}),
    )?;
    Ok(())
}

pub fn list(conn: &Connection) -> Result<Vec<Account>> {
    let mut stmt = conn.prepare(
        "SELECT ac.id, ac.platform, ac.handle, a.code FROM accounts ac JOIN academies a ON a.id = ac.academy_id
         ORDER BY a.code, ac.platform, ac.handle",
    )?;
    let mut accounts: Vec<Account> = stmt
        .query_map([], |r| {
            Ok(Account {
                id: r.get(0)?,
                platform: r.get(1)?,
                handle: r.get(2)?,
                academy: r.get(3)?,
                admins: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut admins = conn.prepare("SELECT account_id, email FROM account_admins ORDER BY email")?;
    let pairs: Vec<(i64, String)> = admins
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, email) in pairs {
        if let Some(a) = accounts.iter_mut().find(|a| a.id == id) {
            a.admins.push(email);
        }
    }
    Ok(accounts)
}
