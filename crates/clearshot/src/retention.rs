//! Retention: the trust keeps a pupil's record for `retention-years` after they leave, then
//! archives and deletes it. The audit log keeps its entries about them, pseudonymous and with their details
//! redacted, so the chain still verifies.

use std::path::{Path, PathBuf};

use chrono::{Months, NaiveDate};
use serde::Serialize;

use crate::{Error, Result, Stamp, Store};

/// What a purge did (or, in a dry run, would do).
#[derive(Debug, Clone, Serialize)]
pub struct PurgeOutcome {
    pub dry_run: bool,
    /// Pupils who left before this date are purged.
    pub left_before: NaiveDate,
    /// Where the date came from: "--left-before" or "retention-years = N".
    pub cutoff_from: String,
    pub purged: register::retention::Purged,
    /// Evidence files deleted from the evidence folder (0 in a dry run).
    pub evidence_files_deleted: usize,
    /// Evidence files that could not be deleted (named, so someone can remove them by hand).
    pub evidence_delete_problems: Vec<String>,
    /// Why the register file was not rebuilt after the purge (`None`: it was, or a dry run).
    pub file_not_rebuilt: Option<String>,
    /// The folder the purged pupils' records were archived to before they were deleted (in a
    /// dry run, where they would be); `None` with `--no-archive`.
    pub archived_to: Option<std::path::PathBuf>,
    /// How many pupils' records were archived there (0 in a dry run).
    pub archived_pupils: usize,
}

/// Where a purge archives the records it is about to delete ("archive then delete").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Archive {
    /// A new folder for the day under `<register>.archive/`.
    BesideTheRegister,
    /// A new folder for the day under this one (an encrypted drive, the trust's records store).
    Under(std::path::PathBuf),
    /// No archive: an erasure request, where no copy may be kept (the DPO's decision).
    None,
}

/// The retention period from the `retention-years` setting, if set.
pub fn retention_years(store: &Store) -> Result<Option<u32>> {
    register::settings::get(&store.conn, "retention-years")?
        .map(|v| {
            v.parse::<u32>().map_err(|_| {
                Error::Invalid(format!("the retention-years setting {v:?} is not a number"))
            })
        })
        .transpose()
}

/// The cut-off date: `today` minus the retention period (29 February falls back to the 28th).
pub fn cutoff(today: NaiveDate, years: u32) -> Result<NaiveDate> {
    today
        .checked_sub_months(Months::new(years.saturating_mul(12)))
        .ok_or_else(|| Error::Invalid(format!("{years} years before {today} is not a date")))
}

/// Purges every pupil who left before `left_before` (default: today minus the
/// `retention-years` setting), with their consents, withdrawals, flags, clearance links and
/// evidence files no longer needed; their takedown tasks stay, without them; their audit
/// entries are redacted. A dry run reports the same counts and changes nothing.
///
/// A date inside the trust's retention period (later than today minus `retention-years`) is
/// refused unless `inside_retention`: the DPO has agreed to erase records early.
pub fn purge(
    store: &mut Store,
    left_before: Option<NaiveDate>,
    today: NaiveDate,
    dry_run: bool,
    inside_retention: bool,
    archive: &Archive,
    stamp: &Stamp,
) -> Result<PurgeOutcome> {
    let (left_before, cutoff_from) = match left_before {
        Some(d) => (d, "--left-before".to_string()),
        None => {
            let years = retention_years(store)?.ok_or_else(|| {
                Error::Invalid(
                    "give --left-before DATE, or set the trust's retention period first: clearshot settings set retention-years N".into(),
                )
            })?;
            (cutoff(today, years)?, format!("retention-years = {years}"))
        }
    };
    if left_before > today {
        return Err(Error::Invalid(format!(
            "--left-before {left_before} is after today ({today}): that would purge pupils who have not left yet"
        )));
    }
    if let Some(years) = retention_years(store)?
        && !inside_retention
    {
        let kept_from = cutoff(today, years)?;
        if left_before > kept_from {
            return Err(Error::Invalid(format!(
                "--left-before {left_before} is inside the trust's retention period (retention-years = {years}: the records of pupils who left on or after {kept_from} are kept); nothing was deleted. If the DPO has agreed to erase records early (an erasure request), add --inside-retention"
            )));
        }
    }
    // Archive, then delete: each pupil's records as a subject access export (pupil.json, a
    // readable summary, the scanned forms), written before anything is deleted. An archive
    // that cannot be written stops the purge.
    let archived_to = match archive {
        Archive::None => None,
        Archive::BesideTheRegister => Some(store.archive_dir().ok_or_else(|| {
            Error::Invalid(
                "an in-memory register has no folder to archive to: give --archive DIR".into(),
            )
        })?),
        Archive::Under(dir) => Some(dir.clone()),
    }
    .map(|dir| crate::backup::unused(&dir.join(format!("purge-{today}"))));
    let leavers = register::retention::leavers_before(&store.conn, left_before)?;
    // Nobody to purge: nothing to archive, and no empty folder.
    let archived_to = archived_to.filter(|_| !leavers.is_empty());
    let mut archived_pupils = 0;
    if let (Some(dir), false) = (&archived_to, dry_run) {
        // Readable by its owner only, from the top: even the folder names are UPNs.
        if let Some(root) = dir.parent() {
            crate::backup::create_private_dir(root)?;
        }
        // Written under a name that says it is not finished, and given its own name only once
        // every leaver is in it: a purge stopped part way (Ctrl-C, a power cut) deletes
        // nothing, and leaves a folder that `clearshot check` names and the next purge removes.
        remove_unfinished_archives(dir.parent())?;
        let unfinished = unfinished_name(dir);
        crate::backup::create_private_dir(&unfinished)?;
        // The log read once for every leaver. The archive is the trust's own record, kept where
        // only its owner can read it, not a disclosure: a never-publish flag's reason is kept in
        // it (a subject access export withholds it), or the purge would destroy it for good.
        let log = crate::subject_access::AuditIndex::load(&store.conn)?;
        for upn in &leavers {
            crate::subject_access::write_export(
                store,
                upn,
                &unfinished.join(upn),
                today,
                true,
                stamp,
                Some(&log),
            )
            .map_err(|e| {
                Error::Invalid(format!(
                    "the archive of {upn} could not be written in {} ({e}); nothing was deleted",
                    dir.display()
                ))
            })?;
            archived_pupils += 1;
        }
        std::fs::rename(&unfinished, dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
    }
    let tx = register::begin(&mut store.conn)?;
    let purged = register::retention::purge_left_before(&tx, left_before, stamp)?;
    // One entry for the archive, naming no pupil: where it is and how many it holds.
    if let (Some(dir), false) = (&archived_to, dry_run) {
        stamp.audit(
            &tx,
            "retention.archive",
            None,
            serde_json::json!({"folder": dir, "pupils": archived_pupils, "left_before": left_before}),
        )?;
    }
    let mut outcome = PurgeOutcome {
        dry_run,
        left_before,
        cutoff_from,
        purged,
        evidence_files_deleted: 0,
        evidence_delete_problems: Vec::new(),
        file_not_rebuilt: None,
        archived_to,
        archived_pupils,
    };
    if dry_run {
        tx.rollback()?;
        return Ok(outcome);
    }
    tx.commit()?;
    // The purge has committed: a failure to rebuild the file is reported, not an error.
    if let Err(e) = register::retention::scrub(&store.conn) {
        outcome.file_not_rebuilt = Some(format!(
            "the register file could not be rebuilt ({e}), so purged details may remain in its free space until the next purge; close the app and run the purge again"
        ));
    }
    // Files go only after the commit: a crash in between leaves unreferenced files, never a
    // record whose evidence is gone. Those an earlier, interrupted purge left go now too.
    for hash in &outcome.purged.evidence_released {
        let Some(path) = crate::evidence::path_of(store, hash) else {
            continue;
        };
        match std::fs::remove_file(&path) {
            Ok(()) => outcome.evidence_files_deleted += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => outcome
                .evidence_delete_problems
                .push(format!("{}: {e}", path.display())),
        }
    }
    let (swept, problems) = crate::evidence::delete_orphans(store, stamp)?;
    outcome.evidence_files_deleted += swept;
    outcome.evidence_delete_problems.extend(problems);
    Ok(outcome)
}

/// An archive folder while it is being written: `purge-DATE.unfinished`.
fn unfinished_name(dir: &Path) -> PathBuf {
    let mut name = dir
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(UNFINISHED);
    dir.with_file_name(name)
}

const UNFINISHED: &str = ".unfinished";

/// The archive folders a purge stopped part way left in `root`: nothing was deleted for them
/// (the register still holds every record in them), so they are only copies of children's data.
pub fn unfinished_archives(root: Option<&Path>) -> Vec<PathBuf> {
    let Some(entries) = root.and_then(|r| std::fs::read_dir(r).ok()) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("purge-") && n.ends_with(UNFINISHED))
        })
        .collect();
    found.sort();
    found
}

fn remove_unfinished_archives(root: Option<&Path>) -> Result<()> {
    for dir in unfinished_archives(root) {
        std::fs::remove_dir_all(&dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_cutoff_is_the_same_day_n_years_earlier() {
        assert_eq!(cutoff(d("2026-05-10"), 6).unwrap(), d("2020-05-10"));
        assert_eq!(cutoff(d("2028-02-29"), 1).unwrap(), d("2027-02-28"));
    }

    #[test]
    fn without_a_date_or_a_retention_period_nothing_is_purged() {
        let mut store = Store::in_memory().unwrap();
        let stamp = Stamp::new("dpo", "2026-01-01T00:00:00Z");
        let err = purge(
            &mut store,
            None,
            d("2026-01-01"),
            false,
            false,
            &Archive::None,
            &stamp,
        )
        .unwrap_err();
        assert!(err.to_string().contains("retention-years"), "{err}");
    }

    #[test]
    fn a_cutoff_in_the_future_is_refused() {
        let mut store = Store::in_memory().unwrap();
        let stamp = Stamp::new("dpo", "2026-01-01T00:00:00Z");
        assert!(
            purge(
                &mut store,
                Some(d("2027-01-01")),
                d("2026-01-01"),
                false,
                false,
                &Archive::None,
                &stamp
            )
            .is_err()
        );
    }
}
