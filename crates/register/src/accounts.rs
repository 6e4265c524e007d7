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
    let mut admins_norm = Vec::new();
    for a in admins {
        let email = crate::staff::normalise_email(a)?;
        if !admins_norm.contains(&email) {
            tx.execute(
                "INSERT INTO account_admins (account_id, email) VALUES (?1, ?2)",
                params![id, email],
            )?;
            admins_norm.push(email);
        }
    }
    stamp.audit(
        tx,
        "account.add",
        Some(&format!("account:{platform}:{handle}")),
        serde_json::json!({"platform": platform, "handle": handle, "admins": admins_norm}),
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
