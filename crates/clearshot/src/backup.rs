//! Backups, restore and the health check of the register and its evidence files.
//!
//! A backup `FILE` is three things side by side: `FILE`, a consistent SQLite snapshot taken
//! with the online backup API (safe while the app has the register open); `FILE.evidence/`,
//! a verified copy of every evidence file; and `FILE.manifest.json`, written last, which says
//! what a good copy contains (SHA-256 of `FILE`, row counts, schema version, audit head). A
//! backup without its manifest is incomplete and is never restored.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Error, Result, Stamp, Store};

/// The manifest's `format` value.
pub const MANIFEST_FORMAT: &str = "clearshot-backup/1";

/// What a good backup contains, written beside it as `FILE.manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format: String,
    pub created_at: String,
    /// The backup file's name (the manifest sits beside it).
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    pub schema_version: i64,
    /// Rows per table.
    pub tables: BTreeMap<String, i64>,
    pub audit_entries: i64,
    /// The hash of the last audit entry: a copy with fewer entries, or other ones, is not this backup.
    pub audit_head: String,
    /// Evidence files copied into `FILE.evidence/`, by SHA-256.
    pub evidence: Vec<String>,
    /// Problems found while making the backup (a damaged evidence file left out, a damaged
    /// register copied as it was); empty for a good backup.
    #[serde(default)]
    pub problems: Vec<String>,
}

/// A backup made.
#[derive(Debug, Clone, Serialize)]
pub struct Made {
    pub file: PathBuf,
    pub manifest_file: PathBuf,
    pub evidence_dir: PathBuf,
    pub manifest: Manifest,
}

/// `FILE.manifest.json`.
pub fn manifest_path(file: &Path) -> PathBuf {
    with_suffix(file, ".manifest.json")
}

/// `FILE.evidence/`.
pub fn evidence_dir_of(file: &Path) -> PathBuf {
    with_suffix(file, ".evidence")
}

fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(suffix);
    file.with_file_name(name)
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Makes a backup of the open register at `out` (which must not exist), with its manifest and
/// a copy of the evidence files. `created_at` is written into the manifest.
pub fn make(store: &Store, out: &Path, created_at: &str) -> Result<Made> {
    let manifest_file = manifest_path(out);
    let evidence_dir = evidence_dir_of(out);
    for p in [out, manifest_file.as_path(), evidence_dir.as_path()] {
        if p.exists() {
            return Err(Error::Invalid(format!(
                "{} already exists; a backup never overwrites a file",
                p.display()
            )));
        }
    }
    if let Some(dir) = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        set_mode(dir, 0o700).map_err(io(dir))?;
    }
    // Snapshot to a partial name first: a crash leaves no file that looks like a backup.
    let partial = with_suffix(out, ".partial");
    if partial.exists() {
        std::fs::remove_file(&partial).map_err(io(&partial))?;
    }
    register::backup::snapshot(&store.conn, &partial)?;
    let mut problems = Vec::new();
    let (tables, schema_version, audit_entries, audit_head) = {
        let copy = register::backup::open_read_only(&partial)?;
        let health = register::backup::health(&copy)?;
        problems.extend(
            health
                .problems
                .iter()
                .map(|p| format!("the register was copied as it is, damaged: {p}")),
        );
        let (entries, head) = health
            .audit
            .map(|a| (a.entries, a.head))
            .unwrap_or((0, String::new()));
        (
            register::backup::table_counts(&copy)?,
            register::backup::schema_version_of(&copy)?,
            entries,
            head,
        )
    };
    let (sha256, bytes) = hash_file(&partial)?;
    std::fs::rename(&partial, out).map_err(io(out))?;
    sync_dir(out);

    let mut evidence = Vec::new();
    if let Some(live) = store.evidence_dir().filter(|d| d.is_dir()) {
        create_private_dir(&evidence_dir)?;
        for (hash, path) in evidence_files(&live)? {
            match read_verified(&path, &hash) {
                Ok(content) => {
                    write_private(&evidence_dir.join(&hash), &content)?;
                    evidence.push(hash);
                }
                Err(problem) => problems.push(format!("evidence file left out: {problem}")),
            }
        }
    }
    // A form a consent record refers to that is not in the folder cannot be in the backup.
    let in_use = match store.evidence_dir() {
        Some(_) => register::backup::evidence_in_use(&store.conn)?,
        None => Default::default(),
    };
    for hash in in_use {
        if !evidence.contains(&hash) && !problems.iter().any(|p| p.contains(&hash)) {
            problems.push(format!(
                "evidence file {hash} is missing from the register's folder, so the backup does not have it either (restore it from an older backup)"
            ));
        }
    }
    let manifest = Manifest {
        format: MANIFEST_FORMAT.to_string(),
        created_at: created_at.to_string(),
        file: out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256,
        bytes,
        schema_version,
        tables,
        audit_entries,
        audit_head,
        evidence,
        problems,
    };
    let text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| Error::Invalid(format!("cannot write the manifest: {e}")))?;
    write_private(&manifest_file, text.as_bytes())?;
    Ok(Made {
        file: out.to_path_buf(),
        manifest_file,
        evidence_dir,
        manifest,
    })
}

/// What checking a backup found.
#[derive(Debug, Clone, Serialize)]
pub struct BackupCheck {
    pub manifest: Option<Manifest>,
    /// Everything that makes the backup unsafe to restore; empty when it is good.
    pub problems: Vec<String>,
    /// Evidence files the backup's consents refer to but `FILE.evidence/` does not hold: not a
    /// reason to refuse (the register's own folder may still have them).
    pub evidence_missing: Vec<String>,
    /// Every evidence file the backup's records refer to (read once here, for `restore`).
    #[serde(skip)]
    evidence_in_use: std::collections::BTreeSet<String>,
}

impl BackupCheck {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks a backup without changing anything: the manifest is there and its SHA-256 matches,
/// the file is a ClearShot register this version can read, `integrity_check` is ok, no foreign
/// key is broken, the audit chain verifies and ends at the manifest's head, the row counts match,
/// and every evidence file in `FILE.evidence/` still has its hash.
pub fn verify(file: &Path) -> Result<BackupCheck> {
    let mut problems = Vec::new();
    let mut evidence_missing = Vec::new();
    let mut evidence_in_use = std::collections::BTreeSet::new();
    if !file.is_file() {
        return Err(Error::NotFound(format!(
            "{}: no such backup file",
            file.display()
        )));
    }
    let mpath = manifest_path(file);
    let manifest: Option<Manifest> = match std::fs::read_to_string(&mpath) {
        Ok(text) => match serde_json::from_str::<Manifest>(&text) {
            Ok(m) if m.format == MANIFEST_FORMAT => Some(m),
            Ok(m) => {
                problems.push(format!(
                    "{}: unknown manifest format {:?}",
                    mpath.display(),
                    m.format
                ));
                None
            }
            Err(e) => {
                problems.push(format!("{}: not a backup manifest ({e})", mpath.display()));
                None
            }
        },
        Err(_) => {
            problems.push(format!(
                "{} is missing: the backup is incomplete or is not a ClearShot backup",
                mpath.display()
            ));
            None
        }
    };
    let (sha256, bytes) = hash_file(file)?;
    if let Some(m) = &manifest
        && (m.sha256 != sha256 || m.bytes != bytes)
    {
        problems.push(format!(
            "the backup file has changed since it was made (SHA-256 {sha256}, the manifest says {})",
            m.sha256
        ));
    }
    match register::backup::open_read_only(file) {
        Err(e) => problems.push(e.to_string()),
        Ok(conn) => {
            let version = register::backup::schema_version_of(&conn)?;
            if version > register::db::schema_version() {
                problems.push(format!(
                    "the backup was made by a newer ClearShot (schema {version}, this version knows up to {}); upgrade ClearShot",
                    register::db::schema_version()
                ));
            }
            // A backup made by an older version is checked as it will be restored: migrated, in
            // a private copy (the checks read today's tables).
            let (health, backup_forms) = with_current_schema(&conn, |c| {
                let health = register::backup::health(c)?;
                let forms = if health.ok() {
                    register::backup::evidence_in_use(c)?
                } else {
                    Default::default()
                };
                Ok((health, forms))
            })?;
            problems.extend(health.problems.iter().cloned());
            // No migration touches the audit log: the copy's chain is the file's.
            if let (Some(m), Some(a)) = (&manifest, &health.audit) {
                if a.ok && (a.entries != m.audit_entries || a.head != m.audit_head) {
                    problems.push(format!(
                        "the audit log in the backup ({} entries, head {}) is not the one the manifest records ({} entries, head {})",
                        a.entries, a.head, m.audit_entries, m.audit_head
                    ));
                }
                if health.ok() {
                    let counts = register::backup::table_counts(&conn)?;
                    if counts != m.tables {
                        problems.push(
                            "the row counts in the backup differ from the manifest".to_string(),
                        );
                    }
                }
            }
            let dir = evidence_dir_of(file);
            for hash in &backup_forms {
                if !dir.join(hash).is_file() {
                    evidence_missing.push(hash.clone());
                }
            }
            evidence_in_use = backup_forms;
        }
    }
    let dir = evidence_dir_of(file);
    if dir.is_dir() {
        for (hash, path) in evidence_files(&dir)? {
            if let Err(problem) = read_verified(&path, &hash) {
                problems.push(format!("evidence in the backup: {problem}"));
            }
        }
    }
    Ok(BackupCheck {
        manifest,
        problems,
        evidence_missing,
        evidence_in_use,
    })
}

/// Runs `f` on the backup open as `conn` when it has this version's schema, or else on a private
/// copy of it migrated through the normal path (in a temporary folder readable by this user
/// only, deleted afterwards): the checks read today's tables and columns, which a backup made
/// before an upgrade lacks.
fn with_current_schema<T>(
    conn: &register::Connection,
    f: impl FnOnce(&register::Connection) -> Result<T>,
) -> Result<T> {
    if register::backup::schema_version_of(conn)? >= register::db::schema_version() {
        return f(conn);
    }
    let dir = tempfile::Builder::new()
        .prefix("clearshot-check-")
        .tempdir()
        .map_err(|source| Error::Io {
            path: std::env::temp_dir(),
            source,
        })?;
    let copy = dir.path().join("backup.sqlite3");
    register::backup::snapshot(conn, &copy)?;
    let migrated = register::db::open(&copy)?;
    let out = f(&migrated);
    drop(migrated);
    out
}

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
pub struct Restored {
    pub register: PathBuf,
    /// Where the register that was replaced now is (`None` when there was none).
    pub replaced: Option<PathBuf>,
    pub evidence_restored: usize,
    /// Evidence files in the register's folder that were damaged and replaced by the backup's
    /// verified copy.
    pub evidence_repaired: usize,
    /// Audit entries of the replaced register that the backup does not have (kept aside).
    pub entries_only_in_replaced: i64,
    /// Whether the backup is an earlier (or later) copy of the register it replaced: their
    /// audit logs agree as far as the shorter goes. False for another register's backup.
    pub same_register: bool,
    /// Scanned forms that only the replaced register refers to (recorded after the backup). The
    /// forms the replaced register refers to are copied to `<replaced>.evidence/`, so that the
    /// register kept aside stays whole when `check --repair` or a purge tidies the register's
    /// own folder of forms it no longer refers to.
    pub evidence_kept_with_replaced: usize,
    pub manifest: Manifest,
    pub warnings: Vec<String>,
}

/// Restores the backup `file` as the register at `register_path`, after [`verify`] passes.
/// The register it replaces is kept aside as `<register>.replaced-<timestamp>`; evidence files
/// are copied back (never overwriting a good one). The restore is recorded in the audit log.
pub fn restore(register_path: &Path, file: &Path, stamp: &Stamp) -> Result<Restored> {
    let check = verify(file)?;
    let manifest = match (&check.manifest, check.ok()) {
        (Some(m), true) => m.clone(),
        _ => {
            return Err(Error::Refused(format!(
                "{} was not restored, and the register was left as it is: {}",
                file.display(),
                check.problems.join("; ")
            )));
        }
    };
    let stamp_name: String = stamp
        .at
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    if register_path.is_dir() {
        return Err(Error::Invalid(format!(
            "{} is a folder, not a register file; nothing was restored",
            register_path.display()
        )));
    }
    // What the restore will do to the forms, worked out before anything changes, so that the
    // audit entry can be written in the same transaction as the replacement.
    let live_dir = evidence_dir_of(register_path);
    let src = evidence_dir_of(file);
    let from_backup = if src.is_dir() {
        evidence_files(&src)?
    } else {
        Vec::new()
    };
    let (mut evidence_restored, mut evidence_repaired) = (0, 0);
    for (hash, _) in &from_backup {
        let target = live_dir.join(hash);
        if !target.exists() {
            evidence_restored += 1;
        } else if read_verified(&target, hash).is_err() {
            evidence_repaired += 1;
        }
    }
    // Read by `verify` (a backup is restored only when it passed, so they were read).
    let backup_forms = &check.evidence_in_use;
    let payload = |replaced: Option<&Path>, entries_only_in_replaced: i64, kept: usize| {
        serde_json::json!({
            "backup": file.file_name().map(|n| n.to_string_lossy().into_owned()),
            "backup_sha256": manifest.sha256, "backup_created_at": manifest.created_at,
            "backup_audit_head": manifest.audit_head,
            "replaced": replaced.and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()),
            "entries_only_in_replaced": entries_only_in_replaced,
            "evidence_restored": evidence_restored, "evidence_repaired": evidence_repaired,
            "evidence_kept_with_replaced": kept,
        })
    };
    let mut replaced = None;
    let mut entries_only_in_replaced = 0;
    // The forms the replaced register refers to, and how many only it does.
    let mut theirs = std::collections::BTreeSet::new();
    let mut recorded = false;
    if register_path.exists() {
        let aside = unused(&with_suffix(
            register_path,
            &format!(".replaced-{stamp_name}"),
        ));
        // The live register is replaced through SQLite (one write transaction, safe while the
        // app has it open) when it can be opened; a register SQLite cannot open is moved aside.
        // (A failure after it opened leaves the live register as it was, and is an error.)
        match register::db::open(register_path) {
            Ok(mut conn) => {
                // The copy set aside, the replacement and the audit entry are made under one
                // write lock, in one transaction: a restore interrupted at any point leaves
                // either the register as it was or the backup's with its entry.
                let counted =
                    std::cell::Cell::new((0i64, 0usize, std::collections::BTreeSet::new()));
                let not_restored = |e: register::Error| match e {
                    register::Error::Sqlite(ref q)
                        if matches!(
                            q.sqlite_error_code(),
                            Some(
                                register::ErrorCode::DatabaseBusy
                                    | register::ErrorCode::DatabaseLocked
                            )
                        ) =>
                    {
                        Error::Refused(format!(
                            "{} was not restored, and the register was left as it is: another program (the app, a backup) is writing to it; try again when it has finished",
                            file.display()
                        ))
                    }
                    e => e.into(),
                };
                register::backup::replace_keeping(&mut conn, register_path, file, &aside, &|c| {
                    let kept = register::backup::open_read_only(&aside)?;
                    let before = register::backup::table_counts(&kept)?
                        .get("audit_log")
                        .copied()
                        .unwrap_or(0);
                    let only = (before - manifest.audit_entries).max(0);
                    let forms = register::backup::evidence_in_use(&kept)?;
                    let kept_count = forms
                        .iter()
                        .filter(|h| !backup_forms.contains(*h) && live_dir.join(h).is_file())
                        .count();
                    stamp.audit_within(
                        c,
                        "register.restore",
                        Some("register"),
                        payload(Some(&aside), only, kept_count),
                    )?;
                    counted.set((only, kept_count, forms));
                    Ok(())
                })
                .map_err(not_restored)?;
                let (only, _, forms) = counted.take();
                entries_only_in_replaced = only;
                theirs = forms;
                recorded = true;
            }
            // Locked by another program, or not writable: it is a register all the same, and
            // is left where it is.
            Err(e @ register::Error::Unavailable { .. }) => return Err(e.into()),
            Err(_) => {
                if aside.exists() {
                    std::fs::remove_file(&aside).map_err(io(&aside))?;
                }
                std::fs::rename(register_path, &aside).map_err(io(register_path))?;
                for ext in ["-wal", "-shm"] {
                    let side = with_suffix(register_path, ext);
                    if side.exists() {
                        let to = with_suffix(&aside, ext);
                        std::fs::rename(&side, &to).map_err(io(&side))?;
                    }
                }
                copy_into_place(file, register_path)?;
            }
        }
        replaced = Some(aside);
    } else {
        if let Some(dir) = register_path
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && !d.exists())
        {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
            set_mode(dir, 0o700).map_err(io(dir))?;
        }
        copy_into_place(file, register_path)?;
    }
    // Reopen through the normal path: it migrates a backup made by an older version.
    let mut store = Store::open(register_path)?;
    if let (Some(dest), false) = (store.evidence_dir(), from_backup.is_empty()) {
        create_private_dir(&dest)?;
        for (hash, path) in &from_backup {
            let target = dest.join(hash);
            if target.exists() && read_verified(&target, hash).is_ok() {
                continue;
            }
            let content = read_verified(path, hash).map_err(Error::Invalid)?;
            write_private(&target, &content)?;
        }
    }
    // The forms recorded after the backup are the replaced register's: they go with it.
    let mut evidence_kept_with_replaced = 0;
    if let (Some(aside), Some(live_dir)) = (&replaced, store.evidence_dir()) {
        if !recorded && let Ok(kept) = register::backup::open_read_only(aside) {
            theirs = register::backup::evidence_in_use(&kept)?;
        }
        let ours = register::backup::evidence_in_use(&store.conn)?;
        let aside_dir = evidence_dir_of(aside);
        // Every form it refers to, so that it can be opened and checked where it is; those
        // only it refers to are counted.
        for hash in &theirs {
            let from = live_dir.join(hash);
            let Ok(content) = read_verified(&from, hash) else {
                continue;
            };
            create_private_dir(&aside_dir)?;
            write_private(&aside_dir.join(hash), &content)?;
            if !ours.contains(hash) {
                evidence_kept_with_replaced += 1;
            }
        }
    }
    // A file the backup lacks is only a concern when the register's folder lacks it too.
    let mut warnings: Vec<String> = check
        .evidence_missing
        .iter()
        .filter(|hash| {
            store
                .evidence_dir()
                .is_none_or(|dir| !dir.join(hash.as_str()).is_file())
        })
        .map(|hash| {
            format!("evidence file {hash} is neither in the backup nor in the register's folder")
        })
        .collect();
    // A retention purge made after the backup is undone by restoring it: said, so that it is
    // run again (the pupils it deleted are back, with their consent records and flags).
    if let Some(aside) = &replaced
        && let Ok(kept) = register::backup::open_read_only(aside)
    {
        for (at, p) in register::backup::purges_after(&kept, manifest.audit_entries)? {
            let n = p.get("pupils").and_then(|v| v.as_i64()).unwrap_or(0);
            if n > 0 {
                warnings.push(format!(
                    "a retention purge made after this backup (on {}, of {n} pupil(s) who left before {}) is undone: those pupils are back with their records; run `clearshot retention purge` again",
                    at.get(..10).unwrap_or(&at),
                    p.get("left_before").and_then(|v| v.as_str()).unwrap_or("?")
                ));
            }
        }
    }
    let mut same_register = true;
    // What the replaced register holds that the backup does not, by name where it decides
    // whether a photo may go out; or that it is no earlier copy of it at all.
    if let Some(aside) = &replaced
        && let Ok(kept) = register::backup::open_read_only(aside)
    {
        let (undone, same) = undone_by_restore(&kept, file, &manifest, aside)?;
        warnings.extend(undone);
        same_register = same;
    }
    // A register that could not be opened, or none: the copy is in place; recorded now.
    if !recorded {
        let tx = register::begin(&mut store.conn)?;
        stamp.audit(
            &tx,
            "register.restore",
            Some("register"),
            payload(
                replaced.as_deref(),
                entries_only_in_replaced,
                evidence_kept_with_replaced,
            ),
        )?;
        tx.commit()?;
    }
    Ok(Restored {
        register: register_path.to_path_buf(),
        replaced,
        evidence_restored,
        evidence_repaired,
        entries_only_in_replaced,
        same_register,
        evidence_kept_with_replaced,
        manifest,
        warnings,
    })
}

/// What restoring the backup (`file`, `manifest`) over the register now kept at `aside` undoes,
/// one warning each: the never-publish flags, withdrawals, holds, revocations and retirements
/// recorded since the backup, by name, and a count of the forms. When the two
/// audit logs part before the backup's end, the backup is no earlier copy of that register
/// (another trust's, or one restored and changed since): said instead.
fn undone_by_restore(
    kept: &register::Connection,
    file: &Path,
    manifest: &Manifest,
    aside: &Path,
) -> Result<(Vec<String>, bool)> {
    let hash_at = |conn: &register::Connection, seq: i64| -> Result<Option<String>> {
        Ok(conn
            .query_row("SELECT hash FROM audit_log WHERE seq = ?1", [seq], |r| {
                r.get(0)
            })
            .ok())
    };
    let kept_entries: i64 = kept.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?;
    let n = manifest.audit_entries;
    if kept_entries == 0 {
        return Ok((Vec::new(), true));
    }
    if kept_entries <= n {
        // The backup is newer than the register it replaced: fine if it carries on its log.
        let backup = register::backup::open_read_only(file)?;
        if hash_at(&backup, kept_entries)? == hash_at(kept, kept_entries)? {
            return Ok((Vec::new(), true));
        }
    } else if hash_at(kept, n)?.as_deref() == Some(manifest.audit_head.as_str()) {
        let upns: HashMap<String, String> = kept
            .prepare("SELECT subject_id, upn FROM pupils")?
            .query_map([], |r| {
                Ok((
                    register::pupils::subject_of(&r.get::<_, String>(0)?),
                    r.get(1)?,
                ))
            })?
            .collect::<std::result::Result<_, register::SqlError>>()?;
        let mut stmt = kept.prepare(
            "SELECT action, subject, payload FROM audit_log WHERE seq > ?1 ORDER BY seq",
        )?;
        let later: Vec<(String, Option<String>, Option<String>)> = stmt
            .query_map([n], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<std::result::Result<_, register::SqlError>>()?;
        let mut named: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
        let mut forms = 0;
        for (action, subject, payload) in &later {
            let p: serde_json::Value = payload
                .as_deref()
                .and_then(|p| serde_json::from_str(p).ok())
                .unwrap_or_default();
            let text = |k: &str| p.get(k).and_then(|v| v.as_str()).unwrap_or("?").to_owned();
            let pupil = || {
                subject
                    .as_ref()
                    .and_then(|s| upns.get(s).cloned())
                    .unwrap_or_else(|| "a pupil no longer on the register".into())
            };
            let (what, who) = match action.as_str() {
                "flag.set" if p.get("kind").and_then(|k| k.as_str()) == Some("never_publish") => {
                    ("never_publish", pupil())
                }
                "consent.withdraw" => ("withdraw", pupil()),
                "hold.start" => ("hold", text("reason")),
                "staff.revoke" => ("revoke", text("email")),
                "device.retire" => ("retire", text("label")),
                "consent.record" => {
                    forms += 1;
                    continue;
                }
                // The rest (imports, settings, checks made) is counted in the restore's note.
                _ => continue,
            };
            let list = named.entry(what).or_default();
            if !list.contains(&who) {
                list.push(who);
            }
        }
        let mut out = Vec::new();
        for (what, who) in named {
            let who = who.join(", ");
            out.push(match what {
                "never_publish" => format!(
                    "a never-publish flag set after this backup is undone for {who}: set it again now, or the child can be cleared for publication"
                ),
                "withdraw" => format!(
                    "a consent withdrawal recorded after this backup is undone for {who}: record it again"
                ),
                "hold" => format!(
                    "a posting hold started after this backup is undone ({who}): start it again if it still stands"
                ),
                "revoke" => format!(
                    "an approval to post revoked after this backup is in force again ({who}): revoke it again"
                ),
                _ => format!(
                    "a device retired after this backup counts as the trust's again ({who}): retire it again"
                ),
            });
        }
        if forms > 0 {
            out.push(format!(
                "{forms} consent form(s) recorded after this backup are undone: record them again"
            ));
        }
        return Ok((out, true));
    }
    Ok((
        vec![format!(
            "this backup is not an earlier copy of the register it replaced: their audit logs differ within the first {} entries (a backup of another trust's register, or of one restored and changed since). Everything recorded in the replaced register is only in its copy, {}",
            n.min(kept_entries),
            aside.display()
        )],
        false,
    ))
}

/// The name of the daily backup for a date.
pub fn daily_name(on: NaiveDate) -> String {
    format!("clearshot-{}.sqlite3", on.format("%Y-%m-%d"))
}

/// The daily automatic backup: makes `clearshot-YYYY-MM-DD.sqlite3` in `dir` unless today's
/// is already there, then keeps only the newest `keep` daily backups (at least one). Returns
/// the backup made, or `None` when today's already existed. The desktop app calls it at start.
pub fn daily(store: &Store, dir: &Path, keep: usize, today: NaiveDate) -> Result<Option<Made>> {
    let file = dir.join(daily_name(today));
    let made = if file.exists() && manifest_path(&file).exists() {
        None
    } else {
        // A file without its manifest is a backup interrupted part-way: make it again.
        remove_backup(&file)?;
        Some(make(store, &file, &today.format("%Y-%m-%d").to_string())?)
    };
    let mut dailies: Vec<(NaiveDate, PathBuf)> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let date = name
                .strip_prefix("clearshot-")?
                .strip_suffix(".sqlite3")
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())?;
            Some((date, e.path()))
        })
        .collect();
    dailies.sort_by_key(|d| std::cmp::Reverse(d.0));
    for (_, old) in dailies.iter().skip(keep.max(1)) {
        remove_backup(old)?;
    }
    Ok(made)
}

/// The daily backup as configured by the `backup-dir` and `backup-keep` settings (7 kept when
/// unset); `None` when no folder is configured or today's backup exists.
pub fn daily_from_settings(store: &Store, today: NaiveDate) -> Result<Option<Made>> {
    let Some(dir) = register::settings::get(&store.conn, "backup-dir")? else {
        return Ok(None);
    };
    let keep = register::settings::get(&store.conn, "backup-keep")?
        .and_then(|k| k.parse::<usize>().ok())
        .unwrap_or(7);
    let dir = PathBuf::from(dir);
    if !dir.exists() {
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        set_mode(&dir, 0o700).map_err(io(&dir))?;
    }
    daily(store, &dir, keep, today)
}

fn remove_backup(file: &Path) -> Result<()> {
    for p in [file.to_path_buf(), manifest_path(file)] {
        if p.exists() {
            std::fs::remove_file(&p).map_err(io(&p))?;
        }
    }
    let ev = evidence_dir_of(file);
    if ev.is_dir() {
        std::fs::remove_dir_all(&ev).map_err(io(&ev))?;
    }
    Ok(())
}

/// Rebuilds the consent summary (`consent_digests`, derived from the recorded answers) when it
/// does not match them, with an audit entry; the answers are never changed. Returns how many
/// pupils' summaries were wrong. Refuses, changing nothing, when the audit log is damaged or
/// the consent records differ from it.
pub fn repair_digests(store: &mut Store, stamp: &Stamp) -> Result<usize> {
    let tx = register::begin(&mut store.conn)?;
    let bad = register::consent_digest::verify(&tx)?;
    if bad.is_empty() {
        return Ok(0);
    }
    // A summary that disagrees with the answers is a sign that they were edited: it is rebuilt
    // only from answers the audit log vouches for.
    if !register::audit::verify(&tx)?.ok {
        return Err(Error::Invalid(format!(
            "the consent summary of {} pupil(s) was not rebuilt: the audit log is damaged, so it cannot vouch for the answers it would be rebuilt from",
            bad.len()
        )));
    }
    if !register::crosscheck::differences(&tx)?.is_empty() {
        return Err(Error::Invalid(format!(
            "the consent summary of {} pupil(s) was not rebuilt: the consent records differ from the audit log, so they cannot be trusted to rebuild it from (see the problems)",
            bad.len()
        )));
    }
    for &pupil_id in &bad {
        register::consent_digest::rebuild(&tx, pupil_id)?;
    }
    stamp.audit(
        &tx,
        "register.repair",
        None,
        serde_json::json!({"consent_digests_rebuilt": bad.len()}),
    )?;
    tx.commit()?;
    Ok(bad.len())
}

/// Rebuilds the record of merged pupils (`pupil_subject_aliases`) from the merges the audit log
/// records, when they disagree, with an audit entry. Returns how many merged records it now
/// holds, or `None` when there was nothing to do.
pub fn repair_merged_pupils(store: &mut Store, stamp: &Stamp) -> Result<Option<usize>> {
    let tx = register::begin(&mut store.conn)?;
    let changed = register::rekey::repair_aliases(&tx, stamp)?;
    tx.commit()?;
    Ok(changed)
}

/// Whether the live audit chain still holds the last entry a backup recorded (`audit_head` in
/// its manifest, at `audit_entries`): a chain cannot see its own end, so removing the newest
/// entries (with the rows they describe) leaves a shorter chain that verifies; the backup's
/// head, kept where the register's users cannot edit it, shows it. `backup` is the backup file
/// or its manifest. Returns the first entry that differs and the problem, or `None` when the
/// chain holds the head. With the backup file beside its manifest, the two logs are compared
/// entry by entry, so a backup of another register is told from a rewritten log.
pub fn audit_holds_backup_head(store: &Store, backup: &Path) -> Result<Option<(i64, String)>> {
    let manifest_path = if backup.to_string_lossy().ends_with(".manifest.json") {
        backup.to_path_buf()
    } else {
        manifest_path(backup)
    };
    let text = std::fs::read_to_string(&manifest_path).map_err(io(&manifest_path))?;
    let m: Manifest = serde_json::from_str(&text).map_err(|e| {
        Error::Invalid(format!(
            "{} is not a ClearShot backup manifest: {e}",
            manifest_path.display()
        ))
    })?;
    if m.audit_entries == 0 {
        return Ok(None);
    }
    let hash: Option<String> = store
        .conn
        .query_row(
            "SELECT hash FROM audit_log WHERE seq = ?1",
            [m.audit_entries],
            |r| r.get(0),
        )
        .map(Some)
        .or_else(|e| match e {
            register::SqlError::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })
        .map_err(register::Error::from)?;
    if hash.as_deref() == Some(m.audit_head.as_str()) {
        return Ok(None);
    }
    // Where the two logs part, when the backup itself is there to read.
    let file = manifest_path
        .to_string_lossy()
        .strip_suffix(".manifest.json")
        .map(PathBuf::from);
    let parted = file
        .filter(|f| f.is_file())
        .and_then(|f| register::backup::open_read_only(&f).ok())
        .and_then(|theirs| first_difference(&store.conn, &theirs).ok().flatten());
    Ok(Some(match (parted, hash) {
        (Some(1), _) => (
            1,
            format!(
                "the backup of {} is of another register: the two audit logs differ from their first entry",
                m.created_at
            ),
        ),
        (Some(seq), _) if seq <= m.audit_entries => (
            seq,
            format!(
                "entry {seq} is not the one the backup of {} recorded: the audit log was rewritten from there (or this register was restored from an older backup and changed since)",
                m.created_at
            ),
        ),
        (_, Some(_)) => (
            m.audit_entries,
            format!(
                "entry {} is not the one the backup of {} recorded: the audit log was rewritten since (or this register was restored from an older backup)",
                m.audit_entries, m.created_at
            ),
        ),
        (_, None) => (
            m.audit_entries,
            format!(
                "the audit log has fewer entries than the {} the backup of {} recorded: entries were removed since (or this register was restored from an older backup)",
                m.audit_entries, m.created_at
            ),
        ),
    }))
}

/// The first entry at which two audit logs differ (by hash), if they do within the shorter.
fn first_difference(
    ours: &register::Connection,
    theirs: &register::Connection,
) -> Result<Option<i64>> {
    let hashes = |c: &register::Connection| -> Result<Vec<String>> {
        Ok(c.prepare("SELECT hash FROM audit_log ORDER BY seq")?
            .query_map([], |r| r.get(0))?
            .collect::<std::result::Result<_, register::SqlError>>()?)
    };
    let (a, b) = (hashes(ours)?, hashes(theirs)?);
    Ok(a.iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .map(|i| i as i64 + 1))
}

/// What `clearshot check` found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub register: PathBuf,
    pub integrity: Vec<String>,
    pub foreign_key_problems: usize,
    pub audit_entries: i64,
    pub audit_head: Option<String>,
    pub audit_redacted: i64,
    pub evidence_checked: usize,
    /// Files no consent answer refers to (left by an interrupted command or a purge); those
    /// older than an hour are a problem (`check --repair` deletes them).
    pub evidence_unreferenced: usize,
    /// Everything wrong, one plain sentence each; empty when all is well.
    pub problems: Vec<String>,
}

impl CheckReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks the open register: `integrity_check`, the foreign keys, the audit chain, every
/// evidence file a consent refers to (present, and still the content it is named by), and that
/// the register and its evidence folder are private to their owner.
pub fn check(store: &Store) -> Result<CheckReport> {
    let health = register::backup::health(&store.conn)?;
    let mut problems = health.problems.clone();
    // On a damaged file even this query can fail: that is one more problem to report.
    let in_use = register::backup::evidence_in_use(&store.conn).unwrap_or_else(|e| {
        problems.push(format!("the consent records could not be read: {e}"));
        Default::default()
    });
    let mut evidence_checked = 0;
    let mut evidence_unreferenced = 0;
    if let Some(dir) = store.evidence_dir() {
        for hash in &in_use {
            let path = dir.join(hash);
            if !path.is_file() {
                problems.push(format!(
                    "evidence file {hash} is missing from {} (restore it from a backup)",
                    dir.display()
                ));
                continue;
            }
            evidence_checked += 1;
            if let Err(p) = read_verified(&path, hash) {
                problems.push(format!("{p} (restore it from a backup)"));
            }
        }
        if dir.is_dir() {
            for (hash, path) in evidence_files(&dir)? {
                if in_use.contains(&hash) {
                    continue;
                }
                evidence_unreferenced += 1;
                if let Err(p) = read_verified(&path, &hash) {
                    problems.push(p);
                }
            }
            if let Some(mode) = mode_of(&dir)
                && mode & 0o077 != 0
            {
                problems.push(format!(
                    "the evidence folder {} can be read by other users of this computer (mode {mode:o}; run chmod 700 on it)",
                    dir.display()
                ));
            }
        }
    }
    if let Ok(orphans) = crate::evidence::orphans(store)
        && !orphans.is_empty()
    {
        problems.push(format!(
            "{} scanned form(s) in the evidence folder belong to no consent record (left by an interrupted purge or recording); `clearshot check --repair` deletes them",
            orphans.len()
        ));
    }
    for dir in crate::retention::unfinished_archives(store.archive_dir().as_deref()) {
        problems.push(format!(
            "{} is the archive of a retention purge that stopped part way: nothing was deleted for it, so it is only a copy of children's records; the next `clearshot retention purge` removes it (or delete it yourself)",
            dir.display()
        ));
    }
    if let Some(path) = store.path()
        && let Some(mode) = mode_of(path)
        && mode & 0o077 != 0
    {
        problems.push(format!(
            "the register {} can be read by other users of this computer (mode {mode:o}; run chmod 600 on it)",
            path.display()
        ));
    }
    let audit = health.audit.as_ref();
    Ok(CheckReport {
        register: store.path().map(Path::to_path_buf).unwrap_or_default(),
        integrity: health.integrity.clone(),
        foreign_key_problems: health.foreign_keys.len(),
        audit_entries: audit.map(|a| a.entries).unwrap_or(0),
        audit_head: audit.map(|a| a.head.clone()),
        audit_redacted: audit.map(|a| a.redacted).unwrap_or(0),
        evidence_checked,
        evidence_unreferenced,
        problems,
    })
}

// --- files -----------------------------------------------------------------------------------

/// The evidence files in a folder: names that are a SHA-256 in hex (temporary and hidden files
/// are skipped), sorted.
pub(crate) fn evidence_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let is_hash = name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit());
            (is_hash && e.path().is_file()).then(|| (name.to_ascii_lowercase(), e.path()))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// Reads a file and checks it hashes to the name it is stored under; the error is a sentence.
pub(crate) fn read_verified(path: &Path, hash: &str) -> std::result::Result<Vec<u8>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let actual = hex::encode(Sha256::digest(&bytes));
    if actual != hash {
        return Err(format!(
            "evidence file {} has been altered (its content hashes to {actual})",
            path.display()
        ));
    }
    Ok(bytes)
}

fn hash_file(path: &Path) -> Result<(String, u64)> {
    let mut f = std::fs::File::open(path).map_err(io(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), total))
}

/// Writes a file readable by its owner only, atomically (temporary name, fsync, rename).
pub(crate) fn write_private(path: &Path, content: &[u8]) -> Result<()> {
    let tmp = with_suffix(path, ".partial");
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp).map_err(io(&tmp))?;
        f.write_all(content).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
    }
    std::fs::rename(&tmp, path).map_err(io(path))?;
    Ok(())
}

fn copy_into_place(from: &Path, to: &Path) -> Result<()> {
    let content = std::fs::read(from).map_err(io(from))?;
    write_private(to, &content)?;
    sync_dir(to);
    Ok(())
}

pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        set_mode(dir, 0o700).map_err(io(dir))?;
    }
    Ok(())
}

/// `path`, or `path-2`, `path-3`… whichever does not exist yet.
pub(crate) fn unused(path: &Path) -> PathBuf {
    let mut candidate = path.to_path_buf();
    let mut n = 2;
    while candidate.exists() {
        candidate = with_suffix(path, &format!("-{n}"));
        n += 1;
    }
    candidate
}

/// Makes a rename durable (best effort: not every platform can open a directory).
fn sync_dir(file: &Path) {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}
#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn mode_of(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o777)
}
#[cfg(not(unix))]
fn mode_of(_path: &Path) -> Option<u32> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_in(dir: &Path) -> Store {
        let mut store = Store::open(&dir.join("register.sqlite3")).unwrap();
        let stamp = Stamp::new("office", "2026-01-01T00:00:00Z");
        crate::pupils::add_academy(&mut store, "OAK", "Oak", &stamp).unwrap();
        store
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_daily_backup_is_made_once_a_day_and_only_the_last_n_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path());
        let backups = dir.path().join("backups");
        std::fs::create_dir(&backups).unwrap();
        for day in ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"] {
            assert!(daily(&store, &backups, 2, d(day)).unwrap().is_some());
        }
        assert!(
            daily(&store, &backups, 2, d("2026-03-04"))
                .unwrap()
                .is_none(),
            "a second start on the same day makes no second backup"
        );
        let mut names: Vec<String> = std::fs::read_dir(&backups)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sqlite3"))
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "clearshot-2026-03-03.sqlite3",
                "clearshot-2026-03-04.sqlite3"
            ]
        );
        assert!(
            !manifest_path(&backups.join("clearshot-2026-03-01.sqlite3")).exists(),
            "a pruned backup takes its manifest with it"
        );
        assert!(
            verify(&backups.join("clearshot-2026-03-04.sqlite3"))
                .unwrap()
                .ok()
        );
    }

    #[test]
    fn a_daily_backup_interrupted_before_its_manifest_is_made_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path());
        let backups = dir.path().join("b");
        std::fs::create_dir(&backups).unwrap();
        std::fs::write(backups.join(daily_name(d("2026-03-01"))), "half").unwrap();
        assert!(
            daily(&store, &backups, 3, d("2026-03-01"))
                .unwrap()
                .is_some()
        );
        assert!(
            verify(&backups.join(daily_name(d("2026-03-01"))))
                .unwrap()
                .ok()
        );
    }

    #[test]
    fn the_daily_backup_follows_the_settings() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(dir.path());
        assert!(
            daily_from_settings(&store, d("2026-03-01"))
                .unwrap()
                .is_none()
        );
        let stamp = Stamp::new("office", "2026-01-01T00:00:00Z");
        let folder = dir.path().join("auto");
        crate::settings::set(&mut store, "backup-dir", folder.to_str().unwrap(), &stamp).unwrap();
        crate::settings::set(&mut store, "backup-keep", "1", &stamp).unwrap();
        daily_from_settings(&store, d("2026-03-01"))
            .unwrap()
            .unwrap();
        daily_from_settings(&store, d("2026-03-02"))
            .unwrap()
            .unwrap();
        assert!(folder.join(daily_name(d("2026-03-02"))).exists());
        assert!(!folder.join(daily_name(d("2026-03-01"))).exists());
    }
}
