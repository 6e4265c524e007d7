//! Opening a register: the connection pragmas (in one place) and the append-only migrations.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};

/// `PRAGMA application_id` of a ClearShot register ("ClSh"), so that another program's SQLite
/// file is recognised and refused rather than migrated.
pub const APPLICATION_ID: i64 = 0x436C_5368;

/// The migrations, in order. **Append-only**: never edit one that has shipped; add a new one.
/// Migration `i` (0-based) takes the schema from `user_version = i` to `i + 1`, atomically.
pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_register.sql"),
    include_str!("migrations/0002_clearance.sql"),
    include_str!("migrations/0003_consent_digest.sql"),
    include_str!("migrations/0004_subject_aliases.sql"),
    include_str!("migrations/0005_preferred_surname.sql"),
    include_str!("migrations/0006_signer_identity_and_voids.sql"),
    include_str!("migrations/0007_joined_on.sql"),
    include_str!("migrations/0008_withdrawal_details.sql"),
    include_str!("migrations/0009_name_order.sql"),
];

/// The schema versions whose migrations also build data in Rust: the consent digests, derived
/// from the answers already recorded (see `consent_digest`). They were first built at 3; since
/// 6 (signers told apart by relationship, void forms left out) they are built there, from
/// everything the schema then holds. A register part-way (a step committed, the next not) is
/// never used: every open migrates it to the latest schema first, through 6.
const DIGEST_SCHEMAS: &[usize] = &[6];

/// The schema version whose migration fills every pupil's `sort_key` (see `pupils::sort_key`).
const SORT_KEY_SCHEMA: usize = 9;

/// The schema version this build writes.
pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// The connection pragmas, in one function, shared by the file and the in-memory register.
/// WAL lets the app and the CLI read while the other writes; `synchronous = FULL` because the
/// audit log is the trust's proof and a committed record must survive a power cut.
pub fn apply_pragmas(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // In-memory databases answer "memory"; that is fine. Switching a new register to WAL
    // needs it to itself, and SQLite says "busy" at once, without waiting, when another program
    // is opening it at the same moment: try again for as long as a lock would be waited for.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0)) {
            Ok(_) => break,
            Err(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => return Err(e.into()),
        }
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Reports read the whole register: map it into memory rather than copy it a page at a
    // time through read(2), and keep up to 64 MiB of pages between queries.
    conn.pragma_update(None, "mmap_size", 256_i64 * 1024 * 1024)?;
    conn.pragma_update(None, "cache_size", -65_536_i64)?;
    Ok(())
}

/// Opens (creating if absent) the register at `path`, migrating it to the current schema.
/// A file that is not SQLite, is another program's database, or was written by a newer
/// ClearShot is refused and left untouched.
pub fn open(path: &Path) -> Result<Connection> {
    let existed = path.exists();
    if !existed {
        match create_private_file(path) {
            // Another process opening the same new register made it a moment ago.
            Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::AlreadyExists => {
                check_header(path)?;
            }
            other => other?,
        }
    } else {
        check_header(path)?;
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| open_error(path, e))?;
    // Wait for a lock from the first read on: another program may be creating this register
    // at this moment (the wait is set again, with the rest, in `apply_pragmas`).
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(|e| open_error(path, e))?;
    check_identity(&conn, path)?;
    apply_pragmas(&conn).map_err(|e| match e {
        Error::Sqlite(s) => open_error(path, s),
        other => other,
    })?;
    migrate(&conn, path)?;
    Ok(conn)
}

/// A fresh, migrated in-memory register: the twin used by tests and benchmarks.
pub fn open_in_memory() -> Result<Connection> {
    let conn = Connection::open_in_memory()?;
    apply_pragmas(&conn)?;
    migrate(&conn, Path::new(":memory:"))?;
    Ok(conn)
}

/// An SQLite error while opening: a lock or a permission is said as such (the file is a
/// register all the same); anything else means the file is not one.
fn open_error(path: &Path, e: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked, ReadOnly};
    let unavailable = |reason: &str| Error::Unavailable {
        path: path.to_path_buf(),
        reason: reason.to_owned(),
    };
    match e.sqlite_error_code() {
        Some(DatabaseBusy | DatabaseLocked) => unavailable(
            "another program holds it locked; close that program (or wait for it) and try again",
        ),
        Some(ReadOnly) => unavailable(
            "it cannot be written here; check the permissions of the file and of its folder",
        ),
        _ => not_a_register(path, e.to_string()),
    }
}

fn not_a_register(path: &Path, reason: String) -> Error {
    Error::NotARegister {
        path: path.to_path_buf(),
        reason,
    }
}

/// The register holds children's personal data: readable by its owner only.
fn create_private_file(path: &Path) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        std::fs::create_dir_all(dir).map_err(io)?;
        set_mode(dir, 0o700).map_err(io)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(io)?;
    Ok(())
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

/// A non-empty file must start with the SQLite header; SQLite itself would only notice on the
/// first query, with a less helpful message.
fn check_header(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut header = [0u8; 16];
    let mut file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let n = file.read(&mut header).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if n == 0 {
        return Ok(());
    }
    if n < 16 || &header != b"SQLite format 3\0" {
        return Err(not_a_register(
            path,
            "the file is not an SQLite database".into(),
        ));
    }
    Ok(())
}

fn check_identity(conn: &Connection, path: &Path) -> Result<()> {
    // One statement, so one snapshot: read apart, another process creating the same register
    // could commit its first migration in between, and its tables would be seen without the
    // application id that comes with them.
    let (app_id, tables): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT application_id FROM pragma_application_id()),
                    (SELECT count(*) FROM sqlite_master)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(|e| open_error(path, e))?;
    if app_id == APPLICATION_ID {
        return Ok(());
    }
    if tables > 0 || app_id != 0 {
        return Err(not_a_register(
            path,
            "it is another program's SQLite database".into(),
        ));
    }
    Ok(())
}

fn migrate(conn: &Connection, path: &Path) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let supported = schema_version();
    if current > supported {
        return Err(Error::NewerVersion {
            path: path.to_path_buf(),
            found: current,
            supported,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        // Each migration, the data it derives and its version bump commit together or not at all.
        let step = || -> Result<()> {
            conn.execute_batch(sql)?;
            if DIGEST_SCHEMAS.contains(&(i + 1)) {
                crate::consent_digest::rebuild_all(conn)?;
            }
            if i + 1 == SORT_KEY_SCHEMA {
                crate::pupils::fill_sort_keys(conn)?;
            }
            conn.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID};\nPRAGMA user_version = {};",
                i + 1
            ))?;
            Ok(())
        };
        conn.execute_batch("BEGIN IMMEDIATE")?;
        // Another process opening the same new register may have applied it while this one
        // waited for the lock.
        let now: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if now > i as i64 {
            conn.execute_batch("COMMIT")?;
            continue;
        }
        if let Err(e) = step().and_then(|()| Ok(conn.execute_batch("COMMIT")?)) {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e);
        }
    }
    Ok(())
}

/// Where the register lives when neither `--db` nor `CLEARSHOT_DB` says: the per-user data
/// directory, shared by the CLI and the desktop app.
pub fn default_path() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("clearshot").join("register.sqlite3")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_creating_one_new_register_at_once_all_open_it() {
        // As when the app and a scheduled backup start together on a new machine: each opens
        // the path that does not exist yet. Every one must get the register, not an error
        // that it is "another program's database" or that a table already exists.
        for round in 0..40 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("new.sqlite3");
            let failures: Vec<String> = std::thread::scope(|s| {
                let openers: Vec<_> = (0..6).map(|_| s.spawn(|| open(&path).map(drop))).collect();
                openers
                    .into_iter()
                    .filter_map(|h| h.join().unwrap().err().map(|e| e.to_string()))
                    .collect()
            });
            assert!(failures.is_empty(), "round {round}: {failures:?}");
        }
    }

    #[test]
    fn migrations_apply_in_order_and_are_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite3");
        let conn = open(&path).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, schema_version());
        drop(conn);
        // Reopening must not re-run anything (a re-run would fail on CREATE TABLE).
        let conn = open(&path).unwrap();
        let ok: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
    }

    #[test]
    fn each_migration_is_valid_sql_on_its_own_predecessor() {
        // Validates the append-only list: migration i applies cleanly on top of 0..i.
        let conn = Connection::open_in_memory().unwrap();
        for (i, sql) in MIGRATIONS.iter().enumerate() {
            conn.execute_batch(sql)
                .unwrap_or_else(|e| panic!("migration {} fails: {e}", i + 1));
        }
        let fk: Vec<String> = conn
            .prepare("PRAGMA foreign_key_check")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(fk.is_empty());
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "pupil list, do not delete\n").unwrap();
        let err = open(&path).unwrap_err();
        assert!(matches!(err, Error::NotARegister { .. }), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "pupil list, do not delete\n"
        );
    }

    #[test]
    fn a_register_from_a_newer_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite3");
        let conn = open(&path).unwrap();
        conn.pragma_update(None, "user_version", schema_version() + 1)
            .unwrap();
        drop(conn);
        assert!(matches!(open(&path), Err(Error::NewerVersion { .. })));
    }

    #[test]
    fn another_programs_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        let c = Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE t(x)").unwrap();
        drop(c);
        assert!(matches!(open(&path), Err(Error::NotARegister { .. })));
    }

    #[cfg(unix)]
    #[test]
    fn a_new_register_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/r.sqlite3");
        open(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dmode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dmode, 0o700);
    }
}
