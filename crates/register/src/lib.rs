//! The ClearShot register: the only crate that speaks SQL. One module per table; every write
//! takes a [`rusqlite::Transaction`] and appends its audit entry inside it.

pub mod academies;
pub mod accounts;
pub mod audit;
pub mod backup;
pub mod clearances;
pub mod consent_digest;
pub mod consents;
pub mod crosscheck;
pub mod db;
pub mod devices;
mod error;
pub mod flags;
pub mod holds;
pub mod import;
pub mod ledger;
pub mod pupils;
pub mod rekey;
pub mod retention;
pub mod settings;
pub mod staff;
pub mod takedowns;
#[cfg(test)]
mod test_support;

pub use error::{Error, Result};
pub use rusqlite::{Connection, Error as SqlError, ErrorCode, Transaction, TransactionBehavior};

/// Who made a change and when (RFC 3339, UTC): passed in by the shell, never read from a clock
/// here, so tests and imports can state it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub actor: String,
    pub at: String,
}

impl Stamp {
    pub fn new(actor: impl Into<String>, at: impl Into<String>) -> Stamp {
        Stamp {
            actor: actor.into(),
            at: at.into(),
        }
    }

    /// Appends an audit entry inside a transaction the caller began on `conn` itself
    /// (`BEGIN IMMEDIATE`, as a restore's row copy does), where no [`Transaction`] exists.
    pub fn audit_within(
        &self,
        conn: &Connection,
        action: &str,
        subject: Option<&str>,
        payload: serde_json::Value,
    ) -> Result<audit::Entry> {
        // Every change is audited, so every piece of text a person typed passes here.
        printable("--as (who is making the change)", &self.actor, false)?;
        check_text(&payload, "")?;
        audit::append(
            conn,
            &audit::NewEntry {
                at: &self.at,
                actor: &self.actor,
                action,
                subject,
                payload,
            },
        )
    }

    /// Appends an audit entry for a change made in `tx`.
    pub fn audit(
        &self,
        tx: &Transaction<'_>,
        action: &str,
        subject: Option<&str>,
        payload: serde_json::Value,
    ) -> Result<audit::Entry> {
        self.audit_within(tx, action, subject, payload)
    }
}

/// Refuses text that would print as something else: control characters (a newline in a
/// signer's name prints a fake line in a pupil's history, or in the audit log) and the
/// direction overrides that reorder what follows them. Only a caption may run over lines.
fn printable(field: &str, text: &str, lines: bool) -> Result<()> {
    let bad = text
        .chars()
        .find(|&c| is_unprintable(c) && !(lines && matches!(c, '\n' | '\r' | '\t')));
    match bad {
        Some(c) => Err(Error::Invalid(format!(
            "{field}: the character U+{:04X} is not allowed (no control characters or direction overrides)",
            u32::from(c)
        ))),
        None => Ok(()),
    }
}

/// A character that would not print as itself: a control character, or one that reorders
/// the text after it (direction embeddings, overrides and isolates).
pub fn is_unprintable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// [`printable`] for every string in an audit payload, named by its key.
fn check_text(value: &serde_json::Value, key: &str) -> Result<()> {
    match value {
        serde_json::Value::String(s) => printable(key, s, key == "caption"),
        serde_json::Value::Array(items) => items.iter().try_for_each(|v| check_text(v, key)),
        serde_json::Value::Object(map) => map.iter().try_for_each(|(k, v)| check_text(v, k)),
        _ => Ok(()),
    }
}

/// Begins a write transaction that takes the write lock at once (no deadlock on upgrade).
pub fn begin(conn: &mut Connection) -> Result<Transaction<'_>> {
    Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
}

/// As [`begin`], on a shared borrow: for a change that must read through other functions
/// taking the same connection (the consent rules) before it commits. It fails, rather than
/// nesting, if a transaction is already open on the connection.
pub fn begin_shared(conn: &Connection) -> Result<Transaction<'_>> {
    Ok(Transaction::new_unchecked(
        conn,
        TransactionBehavior::Immediate,
    )?)
}
