//! The ClearShot register: the only crate that speaks SQL. One module per table; every write
//! takes a [`rusqlite::Transaction`] and appends its audit entry inside it.

pub mod academies;
pub mod accounts;
pub mod audit;
pub mod backup;
pub mod clearances;
pub mod consent_digest;
pub mod consents;
pub mod db;
pub mod devices;
mod error;
pub mod flags;
pub mod holds;
pub mod import;
pub mod ledger;
pub mod pupils;
pub mod retention;
pub mod settings;
pub mod staff;
pub mod takedowns;

pub use error::{Error, Result};
pub use rusqlite::{Connection, Error as SqlError, Transaction, TransactionBehavior};

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

    /// Appends an audit entry for a change made in `tx`.
    pub fn audit(
        &self,
        tx: &Transaction<'_>,
        action: &str,
        subject: Option<&str>,
        payload: serde_json::Value,
    ) -> Result<audit::Entry> {
        audit::append(
            tx,
            &audit::NewEntry {
                at: &self.at,
                actor: &self.actor,
                action,
                subject,
                payload,
            },
        )
    }
}

/// Begins a write transaction that takes the write lock at once (no deadlock on upgrade).
pub fn begin(conn: &mut Connection) -> Result<Transaction<'_>> {
    Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
}
