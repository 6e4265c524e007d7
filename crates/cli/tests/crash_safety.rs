//! Crash safety: the real `clearshot` binary is killed with SIGKILL (`Child::kill` on unix) at
//! random moments, spread over the command's own run time, during a 5,000-row roll import,
//! during a stream of consent recordings, and during a restore from a backup. After every kill the register must open, pass
//! `integrity_check` and the foreign-key check, its audit chain must verify, every command that
//! reported success must be there, and the interrupted command must be all or nothing.
//!
//! 50 kills by default (and 50 more during restores) (a fixed seed, so a failure reproduces); `CLEARSHOT_CRASH_KILLS=500`
//! for a longer run, `CLEARSHOT_CRASH_SEED` to explore other schedules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod data_common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use data_common::{Register, Rng, command, roll_csv, upn};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Lets the child run for `delay`, then kills it (SIGKILL) unless it has already finished.
/// Returns `Some(success)` when it finished on its own, `None` when it was killed.
fn kill_after(mut child: Child, delay: Duration) -> Option<bool> {
    let deadline = Instant::now() + delay;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status.success());
        }
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(2)));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    // It may have finished between the last look and the kill.
    if status.code().is_some() {
        return Some(status.success());
    }
    None
}

/// What a register looks like after a crash, read through the register crate (which opens it
/// as the app would, recovering the write-ahead log).
struct State {
    pupils: usize,
    /// signer name -> (form id -> answers in that form)
    forms: BTreeMap<String, BTreeMap<String, usize>>,
    /// form ids named by `consent.record` audit entries
    audited_forms: BTreeSet<String>,
}

fn inspect(db: &Path, context: &str) -> State {
    let conn = register::db::open(db)
        .unwrap_or_else(|e| panic!("{context}: the register does not open after a kill: {e}"));
    let health = register::backup::health(&conn).unwrap();
    assert!(
        health.ok(),
        "{context}: the register is unhealthy after a kill: {:?}",
        health.problems
    );
    let pupils = register::pupils::list(&conn, None).unwrap().len();
    let mut forms: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for a in register::consents::answers_for(&conn, None).unwrap() {
        *forms
            .entry(a.signer_name.clone().unwrap_or_default())
            .or_default()
            .entry(a.form_id.clone())
            .or_default() += 1;
    }
    let audited_forms = register::audit::list(&conn, None, None)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "consent.record")
        .filter_map(|e| e.payload?.get("form_id")?.as_str().map(str::to_string))
        .collect();
    State {
        pupils,
        forms,
        audited_forms,
    }
}

/// Runs one command to completion and returns how long it took.
fn timed_ok(child: Child) -> Duration {
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    started.elapsed()
}

const IMPORT_ROWS: u32 = 5_000;
const BASELINE_PUPILS: u32 = 20;

fn import_cmd(db: &Path, file: &Path) -> std::process::Command {
    let mut c = command(
        db,
        &[
            "pupils",
            "import",
            file.to_str().unwrap(),
            "--academy",
            "OAK",
            "--academic-year",
            "2025",
            "--on",
            "2025-10-01",
            "--no-mark-left",
        ],
    );
    c.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    c
}

fn consent_cmd(db: &Path, pupil: u32, signer: &str) -> std::process::Command {
    let mut c = command(
        db,
        &[
            "consent",
            "record",
            &upn(pupil),
            "--signatory",
            "parent",
            "--signed-on",
            "2025-09-05",
            "--grant",
            "academy_social,website,print",
            "--refuse",
            "trust_social,press",
            "--signer-name",
            signer,
        ],
    );
    c.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    c
}

/// Kills during a 5,000-row import: the pupil count is the one before or the one after,
/// never in between. Each round starts from the same committed baseline (copied while no
/// process has it open) so the rounds cost the same.
fn import_rounds(kills: u64, rng: &mut Rng) -> u64 {
    let r = Register::with_academy();
    r.import_oak(&roll_csv(0, BASELINE_PUPILS, "Baseline"));
    r.ok(&[
        "consent",
        "record",
        &upn(0),
        "--signatory",
        "parent",
        "--signed-on",
        "2025-09-01",
        "--grant",
        "print",
        "--signer-name",
        "Baseline signer",
    ]);
    let baseline = r.path("baseline.sqlite3");
    std::fs::copy(&r.db, &baseline).unwrap();
    let csv = r.write(
        "big.csv",
        roll_csv(BASELINE_PUPILS, IMPORT_ROWS, "Imported"),
    );
    let before = BASELINE_PUPILS as usize;
    let after = before + IMPORT_ROWS as usize;
    let work = r.path("work.sqlite3");
    let reset = || {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", work.display()));
        }
        std::fs::copy(&baseline, &work).unwrap();
    };

    // Calibrate: an uninterrupted import, which must succeed and be complete.
    reset();
    let full = timed_ok(import_cmd(&work, &csv).spawn().unwrap());
    assert_eq!(inspect(&work, "calibration").pupils, after);
    let span = full.as_micros() as u64 * 6 / 5;

    let (mut killed, mut completed) = (0, 0);
    while killed < kills {
        reset();
        let delay = Duration::from_micros(rng.below(span.max(1)));
        let child = import_cmd(&work, &csv).spawn().unwrap();
        let outcome = kill_after(child, delay);
        let context = format!("import killed after {delay:?} (full run {full:?})");
        let state = inspect(&work, &context);
        match outcome {
            Some(true) => {
                completed += 1;
                assert_eq!(state.pupils, after, "{context}: it reported success");
            }
            Some(false) => panic!("{context}: the import failed on its own"),
            None => {
                killed += 1;
                assert!(
                    state.pupils == before || state.pupils == after,
                    "{context}: {} pupils; an import is all ({after}) or nothing ({before})",
                    state.pupils
                );
            }
        }
        // The baseline's own successful commands are still there.
        assert_eq!(
            state.forms.get("Baseline signer").map(|f| f.len()),
            Some(1),
            "{context}"
        );
    }
    eprintln!(
        "import: {killed} kills, {completed} ran to completion; full run {full:?} for {IMPORT_ROWS} rows"
    );
    killed
}

/// Kills during a stream of consent recordings on one register: every recording that
/// reported success is there with all five answers and its audit entry; the killed one has
/// all five answers and its audit entry, or nothing at all.
fn consent_stream(kills: u64, rng: &mut Rng) -> u64 {
    let r = Register::with_academy();
    let pupils = 200;
    r.import_oak(&roll_csv(0, pupils, "Stream"));
    let mut succeeded: Vec<String> = Vec::new();
    let mut times = Vec::new();
    for k in 0..5 {
        let signer = format!("calibration {k}");
        times.push(timed_ok(consent_cmd(&r.db, k, &signer).spawn().unwrap()));
        succeeded.push(signer);
    }
    times.sort();
    let typical = times[times.len() / 2];
    let span = typical.as_micros() as u64 * 6 / 5;

    let (mut killed, mut k) = (0, 5u32);
    while killed < kills {
        k += 1;
        let signer = format!("form {k}");
        let child = consent_cmd(&r.db, k % pupils, &signer).spawn().unwrap();
        // Some recordings are left to finish, so successes and kills interleave.
        let delay = if rng.chance(30) {
            Duration::from_secs(60)
        } else {
            Duration::from_micros(rng.below(span.max(1)))
        };
        let outcome = kill_after(child, delay);
        let context = format!("consent {signer} killed after {delay:?} (typical run {typical:?})");
        match outcome {
            Some(true) => {
                succeeded.push(signer.clone());
                continue;
            }
            Some(false) => panic!("{context}: the recording failed on its own"),
            None => killed += 1,
        }
        let state = inspect(&r.db, &context);
        for s in &succeeded {
            let forms = state
                .forms
                .get(s)
                .unwrap_or_else(|| panic!("{context}: {s} reported success and is missing"));
            assert_eq!(forms.len(), 1, "{context}: {s}");
            for (form_id, answers) in forms {
                assert_eq!(*answers, 5, "{context}: {s} is incomplete");
                assert!(
                    state.audited_forms.contains(form_id),
                    "{context}: {s} unaudited"
                );
            }
        }
        match state.forms.get(&signer) {
            None => {}
            Some(forms) => {
                assert_eq!(forms.len(), 1, "{context}");
                for (form_id, answers) in forms {
                    assert_eq!(*answers, 5, "{context}: a form is all or nothing");
                    assert!(
                        state.audited_forms.contains(form_id),
                        "{context}: a committed form has its audit entry"
                    );
                }
                // Committed before the kill landed: from now on it must stay.
                succeeded.push(signer);
            }
        }
        let answers: usize = state.forms.values().flat_map(|f| f.values()).sum();
        assert_eq!(
            answers,
            state.audited_forms.len() * 5,
            "{context}: every answer belongs to an audited form"
        );
    }
    eprintln!(
        "consent stream: {killed} kills, {} recordings present; typical run {typical:?}",
        succeeded.len()
    );
    killed
}

/// Kills during a restore: the register is the one it replaces, or the backup's with the
/// restore's own audit entry at the end of the chain, never the backup's without it.
fn restore_rounds(kills: u64, rng: &mut Rng) -> u64 {
    let r = Register::with_academy();
    r.import_oak(&roll_csv(0, BASELINE_PUPILS, "Baseline"));
    let backup = r.path("backup.sqlite3");
    r.ok(&["backup", "--out", backup.to_str().unwrap()]);
    r.import_oak(&roll_csv(BASELINE_PUPILS, 5, "Later"));
    let baseline = r.path("baseline.sqlite3");
    std::fs::copy(&r.db, &baseline).unwrap();
    let work = r.path("work.sqlite3");
    let reset = || {
        for entry in std::fs::read_dir(r.path(".")).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("work.sqlite3") {
                let p = entry.path();
                if p.is_dir() {
                    std::fs::remove_dir_all(&p).unwrap();
                } else {
                    std::fs::remove_file(&p).unwrap();
                }
            }
        }
        std::fs::copy(&baseline, &work).unwrap();
    };
    let restore = || {
        let mut c = command(&work, &["restore", backup.to_str().unwrap()]);
        c.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c.spawn().unwrap()
    };
    let last_action = |context: &str| {
        inspect(&work, context);
        let conn = register::db::open(&work).unwrap();
        let log = register::audit::list(&conn, None, None).unwrap();
        let pupils = register::pupils::list(&conn, None).unwrap().len();
        (
            pupils,
            log.last().map(|e| e.action.clone()).unwrap_or_default(),
        )
    };
    reset();
    let full = timed_ok(restore());
    assert_eq!(
        last_action("calibration"),
        (BASELINE_PUPILS as usize, "register.restore".to_string())
    );
    let span = full.as_micros() as u64 * 6 / 5;
    let (mut killed, mut completed) = (0, 0);
    while killed < kills {
        reset();
        let delay = Duration::from_micros(rng.below(span.max(1)));
        let outcome = kill_after(restore(), delay);
        let context = format!("restore killed after {delay:?} (full run {full:?})");
        let (pupils, last) = last_action(&context);
        match outcome {
            Some(true) => completed += 1,
            Some(false) => panic!("{context}: the restore failed on its own"),
            None => killed += 1,
        }
        let before = BASELINE_PUPILS as usize + 5;
        assert!(
            (pupils == before && last == "roll.import")
                || (pupils == BASELINE_PUPILS as usize && last == "register.restore"),
            "{context}: {pupils} pupils, last audit entry {last}"
        );
    }
    eprintln!("restore: {killed} kills, {completed} ran to completion; full run {full:?}");
    killed
}

#[cfg(unix)]
#[test]
fn sigkill_at_random_moments_never_loses_a_committed_record_or_leaves_half_a_change() {
    let started = Instant::now();
    let total = env_number("CLEARSHOT_CRASH_KILLS", 50).max(2);
    let mut rng = Rng::new(env_number("CLEARSHOT_CRASH_SEED", 0x00C1_EA25_407D));
    let import_kills = total * 2 / 5;
    let a = import_rounds(import_kills, &mut rng);
    let b = consent_stream(total - import_kills, &mut rng);
    assert!(a + b >= total);
    // A restore takes some 15 ms: as many kills again, on top, cost little, and the moment
    // that matters (between the rows copied and the entry written, before the change) is short.
    let c = restore_rounds(total, &mut rng);
    assert!(c >= total);
    eprintln!("{} kills in {:?}", a + b + c, started.elapsed());
}
