//! The open register and where its files live.

use std::cell::Cell;
use std::path::{Path, PathBuf};

use register::Connection;

use crate::Result;

/// An open register: its connection and, for a file register, its location (the evidence
/// folder lives beside it).
pub struct Store {
    pub conn: Connection,
    path: Option<PathBuf>,
    /// SQLite's `data_version` when the register was last found to agree with its audit log
    /// (see `photos::register_outcome`): it changes only when another connection writes.
    trusted_at: Cell<Option<i64>>,
}

impl Store {
    /// Opens (creating or migrating as needed) the register file.
    pub fn open(path: &Path) -> Result<Store> {
        Ok(Store {
            conn: register::db::open(path)?,
            path: Some(path.to_path_buf()),
            trusted_at: Cell::new(None),
        })
    }

    /// A fresh in-memory register (tests, benchmarks).
    pub fn in_memory() -> Result<Store> {
        Ok(Store {
            conn: register::db::open_in_memory()?,
            path: None,
            trusted_at: Cell::new(None),
        })
    }

    /// SQLite's `data_version` when the register last agreed with its audit log, if it has.
    pub(crate) fn trusted_at(&self) -> Option<i64> {
        self.trusted_at.get()
    }

    pub(crate) fn set_trusted_at(&self, version: Option<i64>) {
        self.trusted_at.set(version);
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// `<register>.archive/` beside the register file: what a retention purge archived before
    /// it deleted (see `retention::purge`).
    pub fn archive_dir(&self) -> Option<PathBuf> {
        self.path.as_ref().map(|p| {
            let mut name = p.file_name().map(|n| n.to_os_string()).unwrap_or_default();
            name.push(".archive");
            p.with_file_name(name)
        })
    }

    /// `<register>.exports/` beside the register file: subject access exports made in the app.
    pub fn exports_dir(&self) -> Option<PathBuf> {
        self.path.as_ref().map(|p| {
            let mut name = p.file_name().map(|n| n.to_os_string()).unwrap_or_default();
            name.push(".exports");
            p.with_file_name(name)
        })
    }

    /// `<register>.evidence/` beside the register file: scanned forms, named by content hash.
    pub fn evidence_dir(&self) -> Option<PathBuf> {
        self.path.as_ref().map(|p| {
            let mut name = p.file_name().map(|n| n.to_os_string()).unwrap_or_default();
            name.push(".evidence");
            p.with_file_name(name)
        })
    }
}
