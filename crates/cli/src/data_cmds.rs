//! Your data: backup, restore, check, retention and subject access. Each command adapts
//! arguments to one use case of `clearshot::{backup, retention, subject_access}`.
//!
//! `backup`, `restore` and `check` are dispatched before the register is opened: restoring or
//! checking a register that cannot be opened is exactly when they are needed.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use clearshot::{Stamp, Store};

use crate::output::Out;
use crate::{Failure, OnDate, fail, parse_iso_date, today};

#[derive(Subcommand)]
pub enum DataCmd {
    /// Back up the register (safe while the app is open): FILE, FILE.manifest.json and the
    /// evidence files in FILE.evidence/.
    Backup {
        /// The backup file to create (never overwritten).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Replace the register with a backup, after checking the backup's manifest, integrity,
    /// foreign keys and audit chain. The replaced register is kept as <register>.replaced-<time>.
    Restore {
        /// The backup file (its FILE.manifest.json must be beside it).
        file: PathBuf,
    },
    /// Check the register: database integrity, foreign keys, the audit chain, the consent
    /// summary, the record of merged pupils, evidence files and file permissions; and that every
    /// pupil's record, consent answer, withdrawal, void, flag, member of staff, device, account,
    /// hold, setting, clearance, takedown task and ledger photo is what the audit log says
    /// ClearShot wrote (a photo check refuses to clear while any is not). Exit 0 when all is
    /// well, 1 naming each problem.
    Check {
        /// First rebuild the consent summary (derived from the recorded answers) if it does
        /// not match them, rebuild the record of merged pupils from the merges the audit log
        /// records (not from a broken chain), and delete scanned forms that belong to no
        /// consent record (left by an interrupted purge or recording, over an hour ago); the
        /// answers themselves are never changed.
        #[arg(long)]
        repair: bool,
    },
    /// Retention: delete the records of pupils who left long ago.
    #[command(subcommand)]
    Retention(RetentionCmd),
}

#[derive(Subcommand)]
pub enum RetentionCmd {
    /// Delete pupils who left before a date, with their consents, flags, clearance links and
    /// evidence files; their audit entries are redacted and the chain still verifies.
    Purge {
        /// Purge pupils who left before this date (default: today minus the retention-years
        /// setting).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_iso_date)]
        left_before: Option<NaiveDate>,
        /// Report what would be deleted and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Allow a --left-before date inside the retention-years period: records the trust
        /// would keep are deleted early (an erasure request the DPO has agreed to).
        #[arg(long)]
        inside_retention: bool,
        /// Archive each purged pupil's records (a subject access export) under this folder
        /// before deleting them (default: beside the register, in REGISTER.archive/).
        #[arg(long, value_name = "DIR", conflicts_with = "no_archive")]
        archive: Option<PathBuf>,
        /// Keep no archive (an erasure request: no copy may remain).
        #[arg(long)]
        no_archive: bool,
    },
}

/// `clearshot pupils export UPN --out DIR`.
#[derive(Args)]
pub struct ExportArgs {
    /// The pupil's UPN.
    pub upn: String,
    /// A new (or empty) folder for pupil.json, summary.html and evidence/.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Include the reasons of a never-publish flag (withheld by default: the person asking may
    /// be the one the child is protected from; the DPO decides).
    #[arg(long)]
    pub include_safeguarding_reasons: bool,
    #[command(flatten)]
    pub on: OnDate,
}

fn open_existing(path: &Path) -> Result<Store, Failure> {
    if !path.exists() {
        return Err(fail(format!("no register at {}", path.display())));
    }
    Ok(Store::open(path)?)
}

pub fn run(cmd: &DataCmd, path: &Path, out: &Out, stamp: &Stamp) -> Result<u8, Failure> {
    match cmd {
        DataCmd::Backup { out: file } => {
            let store = open_existing(path)?;
            let made = clearshot::backup::make(&store, file, &stamp.at)?;
            let m = &made.manifest;
            out.value(&made, || {
                format!(
                    "backup written to {}\n  {} bytes, SHA-256 {}\n  schema {}, {} audit entries (head {}), {} evidence file(s)\n  manifest {}",
                    made.file.display(),
                    m.bytes,
                    m.sha256,
                    m.schema_version,
                    m.audit_entries,
                    m.audit_head,
                    m.evidence.len(),
                    made.manifest_file.display()
                )
            });
            if !m.problems.is_empty() {
                for p in &m.problems {
                    eprintln!("clearshot: warning: {p}");
                }
                return Ok(1);
            }
        }
        DataCmd::Restore { file } => {
            let r = clearshot::backup::restore(path, file, stamp)?;
            out.value(&r, || {
                let mut text = format!(
                    "restored {} (made {}, {} audit entries) as {}",
                    file.display(),
                    r.manifest.created_at,
                    r.manifest.audit_entries,
                    r.register.display()
                );
                if let Some(aside) = &r.replaced {
                    text.push_str(&format!(
                        "\n  the register it replaced is kept at {}",
                        aside.display()
                    ));
                }
                if r.entries_only_in_replaced > 0 && r.same_register {
                    text.push_str(&format!(
                        "\n  note: the replaced register had {} audit entr(ies) more than the backup: changes made after the backup are only in the replaced copy",
                        r.entries_only_in_replaced
                    ));
                }
                text.push_str(&format!(
                    "\n  evidence files: {} restored, {} repaired",
                    r.evidence_restored, r.evidence_repaired
                ));
                if let (Some(aside), n @ 1..) = (&r.replaced, r.evidence_kept_with_replaced) {
                    text.push_str(&format!(
                        "\n  {n} scanned form(s) recorded after the backup are kept with the replaced register, in {}: record those forms again",
                        clearshot::backup::evidence_dir_of(aside).display()
                    ));
                }
                text
            });
            for w in &r.warnings {
                eprintln!("clearshot: warning: {w}");
            }
            // Restored, but something needs doing (a scanned form missing, a purge undone).
            if !r.warnings.is_empty() {
                return Ok(1);
            }
        }
        DataCmd::Check { repair } => {
            // What --repair did, one sentence each: on stderr, and in the JSON.
            let mut repaired: Vec<String> = Vec::new();
            // A register that cannot be opened, or checked at all, is a problem to report.
            let report = match open_existing(path).and_then(|mut store| {
                if *repair {
                    match clearshot::backup::repair_digests(&mut store, stamp) {
                        Ok(0) => {}
                        Ok(n) => {
                            repaired.push(format!("rebuilt the consent summary of {n} pupil(s)"))
                        }
                        Err(e) => repaired.push(format!("did not repair: {e}")),
                    }
                    match clearshot::backup::repair_merged_pupils(&mut store, stamp) {
                        Ok(Some(n)) => repaired.push(format!(
                            "rebuilt the record of merged pupils from the audit log ({n} merged record(s))"
                        )),
                        Ok(None) => {}
                        Err(e) => repaired.push(format!("did not repair: {e}")),
                    }
                    let (n, problems) = clearshot::evidence::delete_orphans(&mut store, stamp)?;
                    if n > 0 {
                        repaired.push(format!(
                            "deleted {n} scanned form(s) that belonged to no consent record"
                        ));
                    }
                    for p in problems {
                        repaired.push(format!("could not delete {p}"));
                    }
                    for r in &repaired {
                        eprintln!("clearshot: {r}");
                    }
                }
                clearshot::backup::check(&store).map_err(Failure::from)
            }) {
                Ok(report) => report,
                Err(f) => {
                    out.value(
                        &serde_json::json!({"register": path, "ok": false, "problems": [f.message], "repaired": repaired}),
                        || format!("PROBLEM: {}", f.message),
                    );
                    eprintln!("clearshot: {}", f.message);
                    return Ok(1);
                }
            };
            let ok = report.ok();
            out.value(
                &serde_json::json!({"ok": ok, "report": report, "repaired": repaired}),
                || {
                    let mut lines = vec![format!("register {}", report.register.display())];
                    let integrity_ok = report.integrity == ["ok"];
                    lines.push(format!(
                        "  database integrity: {}",
                        if integrity_ok { "ok" } else { "DAMAGED" }
                    ));
                    lines.push(format!(
                        "  foreign keys: {}",
                        if report.foreign_key_problems == 0 {
                            "ok".to_string()
                        } else {
                            format!("{} broken", report.foreign_key_problems)
                        }
                    ));
                    lines.push(format!(
                        "  audit chain: {} entries ({} redacted by retention){}",
                        report.audit_entries,
                        report.audit_redacted,
                        report
                            .audit_head
                            .as_ref()
                            .map(|h| format!(", head {h}"))
                            .unwrap_or_default()
                    ));
                    lines.push(format!(
                        "  evidence files: {} checked, {} not referenced by any consent",
                        report.evidence_checked, report.evidence_unreferenced
                    ));
                    if ok {
                        lines.push("all checks passed".into());
                    } else {
                        lines.extend(report.problems.iter().map(|p| format!("PROBLEM: {p}")));
                    }
                    lines.join("\n")
                },
            );
            if !ok {
                eprintln!(
                    "clearshot: the check found {} problem(s)",
                    report.problems.len()
                );
                return Ok(1);
            }
        }
        DataCmd::Retention(RetentionCmd::Purge {
            left_before,
            dry_run,
            inside_retention,
            archive,
            no_archive,
        }) => {
            let mut store = open_existing(path)?;
            let archive = match (archive, no_archive) {
                (_, true) => clearshot::retention::Archive::None,
                (Some(dir), false) => clearshot::retention::Archive::Under(dir.clone()),
                (None, false) => clearshot::retention::Archive::BesideTheRegister,
            };
            let r = clearshot::retention::purge(
                &mut store,
                *left_before,
                today(),
                *dry_run,
                *inside_retention,
                &archive,
                stamp,
            )?;
            let p = &r.purged;
            out.value(&r, || {
                let mut t = format!(
                    "{}pupils who left before {} ({}): {}\n",
                    if r.dry_run {
                        "DRY RUN (nothing changed) "
                    } else {
                        ""
                    },
                    r.left_before,
                    r.cutoff_from,
                    p.pupils
                );
                let verb = if r.dry_run { "would be " } else { "" };
                t.push_str(&format!(
                    "  consent answers {verb}deleted: {}\n  withdrawals {verb}deleted: {}\n  flags {verb}deleted: {}\n  clearance links {verb}deleted: {}\n  takedown tasks {verb}unlinked (kept): {}\n  audit entries {verb}redacted: {}\n  evidence files {verb}deleted: {}",
                    p.consent_answers,
                    p.consent_withdrawals,
                    p.flags,
                    p.clearance_links,
                    p.takedowns_unlinked,
                    p.audit_entries_redacted,
                    if r.dry_run {
                        p.evidence_released.len()
                    } else {
                        r.evidence_files_deleted
                    }
                ));
                match (&r.archived_to, r.dry_run) {
                    (Some(dir), true) => t.push_str(&format!(
                        "\n  records would first be archived in {}",
                        dir.display()
                    )),
                    (Some(dir), false) => t.push_str(&format!(
                        "\n  records archived first, {} pupil(s), in {}: keep that folder as the trust's retention schedule says, where only the DPO can read it",
                        r.archived_pupils,
                        dir.display()
                    )),
                    (None, _) if p.pupils > 0 => {
                        t.push_str("\n  no archive kept (--no-archive)")
                    }
                    (None, _) => {}
                }
                t
            });
            if let Some(problem) = &r.file_not_rebuilt {
                eprintln!("clearshot: warning: {problem}");
            }
            if !r.evidence_delete_problems.is_empty() {
                for e in &r.evidence_delete_problems {
                    eprintln!("clearshot: could not delete evidence file {e}");
                }
                return Ok(1);
            }
        }
    }
    Ok(0)
}

pub fn export_pupil(
    args: ExportArgs,
    store: &mut Store,
    out: &Out,
    stamp: &Stamp,
) -> Result<u8, Failure> {
    let on = args.on.on.unwrap_or_else(today);
    let e = clearshot::subject_access::export(
        store,
        &args.upn,
        &args.out,
        on,
        args.include_safeguarding_reasons,
        stamp,
    )?;
    out.value(&e, || {
        format!(
            "subject access export for {} written to {}\n  {} consent answer(s), {} flag(s), {} clearance(s), {} takedown task(s), {} audit entr(ies), {} evidence file(s)\n  files: {}",
            e.upn,
            e.dir.display(),
            e.consent_answers,
            e.flags,
            e.clearances,
            e.takedowns,
            e.audit_entries,
            e.evidence_files,
            e.files.join(", ")
        )
    });
    if !e.evidence_problems.is_empty() {
        for p in &e.evidence_problems {
            eprintln!("clearshot: evidence not exported: {p}");
        }
        return Ok(1);
    }
    Ok(0)
}
