//! Evidence files (scanned consent forms): stored beside the register, named by their SHA-256,
//! never overwritten, verified when read.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{Error, Result, Store};

/// The largest evidence file accepted: a scanned form is a few MB.
pub const MAX_EVIDENCE_BYTES: u64 = 50 * 1024 * 1024;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Stores a file as evidence and returns its SHA-256. Storing the same content twice is a no-op.
pub fn store(store: &Store, file: &Path) -> Result<String> {
    let meta = std::fs::metadata(file).map_err(io(file))?;
    // A device (/dev/zero), a pipe or a folder is not a scanned form, and reading one may
    // never end.
    if !meta.is_file() {
        return Err(Error::Invalid(format!(
            "{}: not a file; give the scanned form (PDF or image); nothing was recorded",
            file.display()
        )));
    }
    if meta.len() == 0 {
        return Err(Error::Invalid(format!(
            "{}: the file is empty, not a scanned form; nothing was recorded",
            file.display()
        )));
    }
    let too_big = || {
        Error::Invalid(format!(
            "{}: evidence file is over {} MB",
            file.display(),
            MAX_EVIDENCE_BYTES / 1024 / 1024
        ))
    };
    if meta.len() > MAX_EVIDENCE_BYTES {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    {
        use std::io::Read;
        // Bounded: a file that grows between the size check and the read is still refused.
        std::fs::File::open(file)
            .and_then(|f| f.take(MAX_EVIDENCE_BYTES + 1).read_to_end(&mut bytes))
            .map_err(io(file))?;
    }
    if bytes.len() as u64 > MAX_EVIDENCE_BYTES {
        return Err(too_big());
    }
    let hash = hex::encode(Sha256::digest(&bytes));
    let Some(dir) = store.evidence_dir() else {
        // An in-memory register keeps only the hash.
        return Ok(hash);
    };
    if !dir.exists() {
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        set_private(&dir, 0o700).map_err(io(&dir))?;
    }
    let target = dir.join(&hash);
    if target.exists() {
        // Never overwrite: the stored copy must already be this content. It is about to be
        // referred to again: marked as new, so no sweep of orphans takes it meanwhile.
        read(store, &hash)?;
        let _ = std::fs::File::options()
            .append(true)
            .open(&target)
            .and_then(|f| f.set_modified(std::time::SystemTime::now()));
        return Ok(hash);
    }
    let tmp = dir.join(format!(".{hash}.partial"));
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp).map_err(io(&tmp))?;
        f.write_all(&bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
    }
    std::fs::rename(&tmp, &target).map_err(io(&target))?;
    Ok(hash)
}

/// Where an evidence file lives.
pub fn path_of(store: &Store, hash: &str) -> Option<PathBuf> {
    store.evidence_dir().map(|d| d.join(hash))
}

/// Reads an evidence file, checking that its content still has the hash it is named by.
pub fn read(store: &Store, hash: &str) -> Result<Vec<u8>> {
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::Invalid(format!("{hash:?} is not an evidence hash")));
    }
    let path = path_of(store, hash)
        .ok_or_else(|| Error::NotFound("an in-memory register keeps no evidence files".into()))?;
    let bytes = std::fs::read(&path).map_err(io(&path))?;
    let actual = hex::encode(Sha256::digest(&bytes));
    if actual != hash {
        return Err(Error::Register(register::Error::Corrupt(format!(
            "evidence file {} has been altered (its content hashes to {actual})",
            path.display()
        ))));
    }
    Ok(bytes)
}

#[cfg(unix)]
fn set_private(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}
#[cfg(not(unix))]
fn set_private(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// How long an evidence file nobody refers to is left alone: a form's file is written just
/// before the transaction that records it, so a newer one may be about to be referred to.
pub const ORPHAN_AGE: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// Evidence files that no consent answer refers to and that were last written over
/// [`ORPHAN_AGE`] ago: a scanned form left by a purge or a recording that was interrupted. They
/// hold a child's personal data with no record to justify keeping it.
pub fn orphans(store: &Store) -> Result<Vec<PathBuf>> {
    let Some(dir) = store.evidence_dir().filter(|d| d.is_dir()) else {
        return Ok(Vec::new());
    };
    let in_use = register::backup::evidence_in_use(&store.conn)?;
    let now = std::time::SystemTime::now();
    Ok(crate::backup::evidence_files(&dir)?
        .into_iter()
        .filter(|(hash, _)| !in_use.contains(hash))
        .filter(|(_, path)| {
            std::fs::metadata(path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|age| age >= ORPHAN_AGE)
        })
        .map(|(_, path)| path)
        .collect())
}

/// Deletes [`orphans`], with an audit entry naming them by hash: returns how many went, and a
/// sentence for each that could not.
pub fn delete_orphans(store: &mut Store, stamp: &register::Stamp) -> Result<(usize, Vec<String>)> {
    let mut deleted = Vec::new();
    let mut problems = Vec::new();
    for path in orphans(store)? {
        match std::fs::remove_file(&path) {
            Ok(()) => deleted.push(
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => problems.push(format!("{}: {e}", path.display())),
        }
    }
    if !deleted.is_empty() {
        let tx = register::begin(&mut store.conn)?;
        stamp.audit(
            &tx,
            "evidence.orphans_deleted",
            None,
            serde_json::json!({"evidence_sha256": deleted}),
        )?;
        tx.commit()?;
    }
    Ok((deleted.len(), problems))
}
