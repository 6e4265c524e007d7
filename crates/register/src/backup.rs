//! Copies of the register and their health: SQLite's online backup API (a consistent snapshot
//! taken while the app keeps the register open and writing), restoring a copy into the live
//! register, and the checks a copy must pass before anyone trusts it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::{audit, db};

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes a consistent snapshot of `conn`'s register to `dest`, a new file (never overwritten)
/// readable by its owner only. The copy is a single self-contained file (rollback journal, not
/// WAL), so it can be moved, hashed and opened on its own.
///
/// The whole copy is made in one backup step, under one read transaction of the source: in WAL
/// mode writers carry on meanwhile, and the copy is exactly the register as of one commit.
pub fn snapshot(conn: &Connection, dest: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(dest).map_err(io(dest))?;
    let result = (|| -> Result<()> {
        let mut out = Connection::open(dest)?;
        {
            let backup = Backup::new(conn, &mut out)?;
            copy_all(&backup)?;
        }
        let _mode: String =
            out.pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get(0))?;
        out.close().map_err(|(_, e)| e)?;
        std::fs::File::open(dest)
            .and_then(|f| f.sync_all())
            .map_err(io(dest))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(dest);
    }
    result
}

/// Replaces the content of the live register at `live` (open as `conn`) with the register in
/// `src`, first keeping what it held in `aside` (a new file), all under one write lock: a change
/// another program commits meanwhile is either in the copy set aside or made after the
/// replacement, never lost between the two. `src` is copied to a scratch file beside `aside`
/// and migrated to this version's schema first; the rows are then copied table by table in the
/// same write transaction (triggers dropped and re-created in it), so a failure leaves the live
/// register exactly as it was. `then` runs last in that transaction, on the replaced rows, with
/// the copy set aside in place (a restore records itself there, so that no register is ever
/// restored without its audit entry).
pub fn replace_keeping(
    conn: &mut Connection,
    live: &Path,
    src: &Path,
    aside: &Path,
    then: &dyn Fn(&Connection) -> Result<()>,
) -> Result<()> {
    let scratch = aside.with_file_name(format!(
        "{}.incoming",
        aside
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("restore")
    ));
    let clean = |p: &Path| {
        for ext in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
        }
    };
    clean(&scratch);
    let result = (|| -> Result<()> {
        {
            // A private copy, migrated through the normal path.
            let from = open_read_only(src)?;
            snapshot(&from, &scratch)?;
            drop(from);
            let migrated = db::open(&scratch)?;
            drop(migrated);
        }
        conn.execute(
            "ATTACH DATABASE ?1 AS incoming",
            [scratch.to_string_lossy()],
        )?;
        let copied = (|| -> Result<()> {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            let inside = (|| -> Result<()> {
                // Holding the write lock: a reader sees exactly what is committed now.
                let reader = open_read_only(live)?;
                snapshot(&reader, aside)?;
                drop(reader);
                copy_rows(conn)?;
                then(conn)
            })();
            match inside {
                Ok(()) => Ok(conn.execute_batch("COMMIT")?),
                Err(e) => {
                    let _ = conn.execute_batch("ROLLBACK");
                    let _ = std::fs::remove_file(aside);
                    Err(e)
                }
            }
        })();
        let _ = conn.execute_batch("DETACH DATABASE incoming");
        copied
    })();
    clean(&scratch);
    result
}

/// Inside the write transaction: every table's rows from `incoming` in place of `main`'s.
fn copy_rows(conn: &Connection) -> Result<()> {
    conn.execute_batch("PRAGMA defer_foreign_keys = ON")?;
    let triggers: Vec<(String, String)> = conn
        .prepare("SELECT name, sql FROM main.sqlite_master WHERE type = 'trigger'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let quote = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
    for (name, _) in &triggers {
        conn.execute_batch(&format!("DROP TRIGGER main.{}", quote(name)))?;
    }
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for table in &tables {
        let columns: Vec<String> = conn
            .prepare(&format!("PRAGMA main.table_info({})", quote(table)))?
            .query_map([], |r| r.get::<_, String>(1))?
            .collect::<rusqlite::Result<_>>()?;
        let list = columns
            .iter()
            .map(|c| quote(c))
            .collect::<Vec<_>>()
            .join(", ");
        conn.execute_batch(&format!(
            "DELETE FROM main.{t}; INSERT INTO main.{t} ({list}) SELECT {list} FROM incoming.{t};",
            t = quote(table)
        ))?;
    }
    let has_sequence = |schema: &str| -> Result<bool> {
        Ok(conn.query_row(
            &format!("SELECT count(*) FROM {schema}.sqlite_master WHERE name = 'sqlite_sequence'"),
            [],
            |r| r.get::<_, i64>(0),
        )? > 0)
    };
    if has_sequence("main")? {
        conn.execute_batch("DELETE FROM main.sqlite_sequence")?;
        if has_sequence("incoming")? {
            conn.execute_batch(
                "INSERT INTO main.sqlite_sequence (name, seq) SELECT name, seq FROM incoming.sqlite_sequence",
            )?;
        }
    }
    for (_, sql) in &triggers {
        conn.execute_batch(sql)?;
    }
    Ok(())
}

/// Copies every page in one step (-1: one consistent snapshot, no restart when the source
/// changes), retrying while the destination is locked by another connection, up to a minute.
fn copy_all(backup: &Backup<'_, '_>) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            _ if Instant::now() > deadline => {
                return Err(Error::Invalid(
                    "the register stayed locked by another program for a minute; close the app and try again".into(),
                ));
            }
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Opens a register file read-only, refusing a file that is not a ClearShot register.
/// Nothing is migrated or written.
pub fn open_read_only(path: &Path) -> Result<Connection> {
    let not_a_register = |reason: String| Error::NotARegister {
        path: path.to_path_buf(),
        reason,
    };
    if !path.is_file() {
        return Err(Error::NotFound(format!("{}: no such file", path.display())));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| not_a_register(e.to_string()))?;
    let app_id: i64 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|e| not_a_register(e.to_string()))?;
    if app_id != db::APPLICATION_ID {
        return Err(not_a_register(
            "it is not a ClearShot register (wrong application id)".into(),
        ));
    }
    Ok(conn)
}

/// The schema version (`PRAGMA user_version`) of an open register.
pub fn schema_version_of(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// One row that breaks a foreign key: the table, its rowid, and the table it should point at.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ForeignKeyProblem {
    pub table: String,
    pub rowid: Option<i64>,
    pub parent: String,
}

/// What `PRAGMA integrity_check`, `PRAGMA foreign_key_check` and the audit chain say.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Health {
    /// `PRAGMA integrity_check` lines; `["ok"]` when the file is sound.
    pub integrity: Vec<String>,
    pub foreign_keys: Vec<ForeignKeyProblem>,
    /// `None` when the chain could not be read at all (see `problems`).
    pub audit: Option<audit::Verification>,
    /// Everything wrong, one plain sentence each; empty when healthy.
    pub problems: Vec<String>,
}

impl Health {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The records that differ from the audit log ([`crate::crosscheck`]), as problems: the first
/// few named, then what to do.
fn tampering_problems(found: Vec<String>) -> Vec<String> {
    const SHOWN: usize = 10;
    if found.is_empty() {
        return found;
    }
    let n = found.len();
    let mut out: Vec<String> = found.into_iter().take(SHOWN).collect();
    if n > SHOWN {
        out.push(format!("… and {} more such difference(s)", n - SHOWN));
    }
    out.push(format!(
        "{n} record(s) differ from what the audit log recorded: the register file was edited \
         outside ClearShot. Do not rely on the register's answers (consent, staff, devices, \
         holds, clearances) until it is put right: restore the last backup made before the \
         edit (`clearshot restore`) and record again what was recorded since"
    ));
    out
}

/// The retention purges the audit log records after entry `seq`: (when, the entry's details).
pub fn purges_after(conn: &Connection, seq: i64) -> Result<Vec<(String, serde_json::Value)>> {
    let rows: Vec<(String, Option<String>)> = conn
        .prepare(
            "SELECT at, payload FROM audit_log WHERE action = 'retention.purge' AND seq > ?1 ORDER BY seq",
        )?
        .query_map([seq], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows
        .into_iter()
        .map(|(at, p)| {
            let details = p
                .and_then(|p| serde_json::from_str(&p).ok())
                .unwrap_or_default();
            (at, details)
        })
        .collect())
}

/// Runs every check on an open register. Damage is reported in [`Health::problems`], not as an
/// error: an error means the checks themselves could not run.
pub fn health(conn: &Connection) -> Result<Health> {
    let mut problems = Vec::new();
    let integrity: Vec<String> = match conn
        .prepare("PRAGMA integrity_check")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
    {
        Ok(lines) => lines,
        Err(e) => vec![format!("integrity check could not run: {e}")],
    };
    if integrity != ["ok"] {
        let shown: Vec<&str> = integrity.iter().take(5).map(String::as_str).collect();
        problems.push(format!(
            "the database file is damaged (integrity check: {}{})",
            shown.join("; "),
            if integrity.len() > 5 { "; …" } else { "" }
        ));
    }
    let foreign_keys: Vec<ForeignKeyProblem> =
        match conn.prepare("PRAGMA foreign_key_check").and_then(|mut s| {
            s.query_map([], |r| {
                Ok(ForeignKeyProblem {
                    table: r.get(0)?,
                    rowid: r.get(1)?,
                    parent: r.get(2)?,
                })
            })?
            .collect()
        }) {
            Ok(rows) => rows,
            Err(e) => {
                problems.push(format!("the foreign-key check could not run: {e}"));
                Vec::new()
            }
        };
    if !foreign_keys.is_empty() {
        let mut by_table: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for f in &foreign_keys {
            *by_table.entry((&f.table, &f.parent)).or_default() += 1;
        }
        for ((table, parent), n) in by_table {
            problems.push(format!(
                "{n} row(s) of {table} point at a missing row of {parent}"
            ));
        }
    }
    let audit = log_problems(conn, &mut problems);
    Ok(Health {
        integrity,
        foreign_keys,
        audit,
        problems,
    })
}

/// What stops the register's answers being relied on for a decision, one sentence each: the
/// audit chain broken, the consent summary not matching the answers, merged records that do
/// not add up, or records that differ from what the log says ClearShot wrote (see
/// [`crate::crosscheck`]). Empty when the register agrees with its log. This is the part of
/// [`health`] that a photo check runs first; SQLite's integrity and foreign-key checks, which
/// read every page of the file, are left to `clearshot check`.
pub fn trust_problems(conn: &Connection) -> Vec<String> {
    let mut problems = Vec::new();
    log_problems(conn, &mut problems);
    problems
}

/// The audit chain, the consent summary, merges and the log-to-records comparison: their
/// problems are added to `problems`; the chain's verification is returned (`None` when the log
/// could not be read).
fn log_problems(conn: &Connection, problems: &mut Vec<String>) -> Option<audit::Verification> {
    let audit = match audit::verify(conn) {
        Ok(v) => {
            if !v.ok {
                problems.push(format!(
                    "the audit log has been tampered with or damaged at entry {}: {}",
                    v.first_bad_seq.unwrap_or(0),
                    v.problem.clone().unwrap_or_default()
                ));
            }
            Some(v)
        }
        Err(e) => {
            problems.push(format!("the audit log could not be read: {e}"));
            None
        }
    };
    // The digest is derived from the answers (schema 3 on; an older file gets it when opened).
    let has_digest = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'consent_digests'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap_or(0)
        > 0;
    if has_digest {
        match crate::consent_digest::verify(conn) {
            Ok(bad) if bad.is_empty() => {}
            Ok(bad) => problems.push(format!(
                "the consent summary of {} pupil(s) does not match their recorded answers, so \
                 status reports could be wrong (run `clearshot check --repair` to rebuild it \
                 from the answers)",
                bad.len()
            )),
            Err(e) => problems.push(format!("the consent summary could not be read: {e}")),
        }
    }
    match crate::rekey::alias_problems(conn) {
        Ok(found) => problems.extend(found),
        Err(e) => problems.push(format!(
            "the record of merged pupils could not be read: {e}"
        )),
    }
    match crate::crosscheck::differences(conn) {
        // With the chain broken, a difference may be the log's damage, not the record's: a
        // genuine never-publish flag whose entry was blanked reads as "added outside ClearShot".
        Ok(found) if !found.is_empty() && audit.as_ref().is_none_or(|a| !a.ok) => {
            problems.push(format!(
                "the audit log itself is damaged (above), so some of the {} difference(s) below may be in the log rather than in the records: compare the log with a backup made before the damage (`clearshot audit verify --against BACKUP`) before changing any record, and do not lift a flag or delete an answer because of them",
                found.len()
            ));
            problems.extend(tampering_problems(found));
        }
        Ok(found) => problems.extend(tampering_problems(found)),
        Err(e) => problems.push(format!(
            "the consent records could not be compared with the audit log: {e}"
        )),
    }
    audit
}

/// Row counts of every table of the register (not SQLite's own), by name.
pub fn table_counts(conn: &Connection) -> Result<BTreeMap<String, i64>> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = BTreeMap::new();
    for name in names {
        // The name comes from sqlite_master, quoted as an identifier.
        let n: i64 = conn.query_row(
            &format!("SELECT count(*) FROM \"{}\"", name.replace('"', "\"\"")),
            [],
            |r| r.get(0),
        )?;
        out.insert(name, n);
    }
    Ok(out)
}

/// The evidence files (by SHA-256) that consent answers and withdrawals refer to.
pub fn evidence_in_use(conn: &Connection) -> Result<BTreeSet<String>> {
    let mut stmt = conn.prepare(
        "SELECT evidence_sha256 FROM consent_answers WHERE evidence_sha256 IS NOT NULL
         UNION SELECT evidence_sha256 FROM consent_withdrawals WHERE evidence_sha256 IS NOT NULL",
    )?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Stamp;

    fn register_with_entries(path: &Path, n: usize) -> Connection {
        let mut conn = db::open(path).unwrap();
        let stamp = Stamp::new("office", "2026-01-01T00:00:00Z");
        for i in 0..n {
            let tx = crate::begin(&mut conn).unwrap();
            crate::academies::add(&tx, &format!("A{i}"), "Academy", &stamp).unwrap();
            tx.commit().unwrap();
        }
        conn
    }

    #[test]
    fn a_snapshot_is_a_private_self_contained_copy_of_the_register() {
        let dir = tempfile::tempdir().unwrap();
        let live = register_with_entries(&dir.path().join("r.sqlite3"), 3);
        let copy = dir.path().join("copy.sqlite3");
        snapshot(&live, &copy).unwrap();
        let c = open_read_only(&copy).unwrap();
        assert_eq!(table_counts(&c).unwrap()["academies"], 3);
        let h = health(&c).unwrap();
        assert!(h.ok(), "{h:?}");
        assert_eq!(h.audit.unwrap().head, audit::verify(&live).unwrap().head);
        let mode: String = c
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete", "a backup must not depend on a -wal file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let m = std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777;
            assert_eq!(m, 0o600);
        }
    }

    #[test]
    fn a_snapshot_never_overwrites_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let live = register_with_entries(&dir.path().join("r.sqlite3"), 1);
        let copy = dir.path().join("copy.sqlite3");
        std::fs::write(&copy, "keep me").unwrap();
        assert!(snapshot(&live, &copy).is_err());
        assert_eq!(std::fs::read_to_string(&copy).unwrap(), "keep me");
    }

    #[test]
    fn replacing_from_a_copy_brings_back_its_content_and_keeps_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite3");
        let mut live = register_with_entries(&path, 2);
        let copy = dir.path().join("copy.sqlite3");
        snapshot(&live, &copy).unwrap();
        let stamp = Stamp::new("office", "2026-01-02T00:00:00Z");
        let tx = crate::begin(&mut live).unwrap();
        crate::academies::add(&tx, "LATE", "Late", &stamp).unwrap();
        tx.commit().unwrap();
        let aside = dir.path().join("aside.sqlite3");
        replace_keeping(&mut live, &path, &copy, &aside, &|_| Ok(())).unwrap();
        assert_eq!(table_counts(&live).unwrap()["academies"], 2);
        let kept = open_read_only(&aside).unwrap();
        assert_eq!(
            table_counts(&kept).unwrap()["academies"],
            3,
            "LATE kept aside"
        );
        let mode: String = live
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert!(health(&live).unwrap().ok());
        assert!(audit::verify(&live).unwrap().ok);
        // The triggers that guard the audit log are back.
        assert!(live.execute("DELETE FROM audit_log", []).is_err());
    }

    #[test]
    fn a_change_committed_while_a_restore_waits_is_kept_aside_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite3");
        let mut live = register_with_entries(&path, 2);
        let copy = dir.path().join("copy.sqlite3");
        snapshot(&live, &copy).unwrap();
        // Another program is half-way through a write when the restore starts.
        let mut other = db::open(&path).unwrap();
        let writer = std::thread::spawn(move || {
            let stamp = Stamp::new("office", "2026-01-02T00:00:00Z");
            let tx = crate::begin(&mut other).unwrap();
            crate::academies::add(&tx, "MID", "Mid-restore", &stamp).unwrap();
            std::thread::sleep(Duration::from_millis(700));
            tx.commit().unwrap();
        });
        std::thread::sleep(Duration::from_millis(200));
        let aside = dir.path().join("aside.sqlite3");
        replace_keeping(&mut live, &path, &copy, &aside, &|_| Ok(())).unwrap();
        writer.join().unwrap();
        let kept = open_read_only(&aside).unwrap();
        let mid: i64 = kept
            .query_row(
                "SELECT count(*) FROM academies WHERE code = 'MID'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            mid, 1,
            "the change committed during the restore is in the copy set aside"
        );
        assert_eq!(table_counts(&live).unwrap()["academies"], 2);
    }

    #[test]
    fn a_broken_foreign_key_and_a_broken_chain_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let conn = register_with_entries(&dir.path().join("r.sqlite3"), 2);
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO holds (academy_id, reason, started_on, started_by) VALUES (999, 'x', '2026-01-01', 'x');
             DROP TRIGGER audit_log_redact_only;
             UPDATE audit_log SET actor = 'mallory' WHERE seq = 1;",
        )
        .unwrap();
        let h = health(&conn).unwrap();
        assert_eq!(h.foreign_keys.len(), 1);
        assert!(
            h.problems.iter().any(|p| p.contains("holds")),
            "{:?}",
            h.problems
        );
        assert!(
            h.problems.iter().any(|p| p.contains("entry 1")),
            "{:?}",
            h.problems
        );
    }

    #[test]
    fn another_programs_database_is_not_opened_as_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t(x)")
            .unwrap();
        assert!(matches!(
            open_read_only(&path),
            Err(Error::NotARegister { .. })
        ));
    }
}
