//! Cold start to an interactive window: from spawning the app until its UI has loaded the
//! register and calls `ui_ready` (the app prints "clearshot-app: ready in N ms"), measured
//! from outside, on a register holding the sample academy. Goal: under 1.5 s.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// One start: the time until the app said it was ready, or what it printed on stderr when it
/// ended without saying so.
fn try_start(display: &str, db: &std::path::Path, sample: bool) -> Result<Duration, String> {
    let errors = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let mut cmd = Command::new(e2e::app_binary());
    cmd.env("DISPLAY", display)
        .env("CLEARSHOT_DB", db)
        .stdout(Stdio::piped())
        .stderr(errors.reopen().unwrap_or_else(|e| panic!("{e}")));
    if sample {
        cmd.env("CLEARSHOT_OPEN_SAMPLE", "1");
    } else {
        cmd.env_remove("CLEARSHOT_OPEN_SAMPLE");
    }
    let mut app = cmd.spawn().unwrap_or_else(|e| panic!("app: {e}"));
    let stdout = app.stdout.take().unwrap_or_else(|| panic!("app stdout"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("ready in") {
                let _ = tx.send(());
                break;
            }
        }
    });
    let ready = rx.recv_timeout(Duration::from_secs(30));
    let elapsed = started.elapsed();
    let _ = app.kill();
    let _ = app.wait();
    match ready {
        Ok(()) => Ok(elapsed),
        Err(_) => {
            let said = std::fs::read_to_string(errors.path()).unwrap_or_default();
            let head: Vec<&str> = said.lines().take(15).collect();
            Err(head.join("\n"))
        }
    }
}

/// A start, tried again (up to twice, after a pause) when the app ended without becoming
/// ready. WebKitGTK under Xvfb has been seen, rarely and only on a loaded machine, to abort a
/// start while the web processes of an app killed a moment before were still exiting; a start
/// that fails three times running fails the test with what the app printed.
fn start_once(display: &str, db: &std::path::Path, sample: bool) -> Duration {
    let mut failures = Vec::new();
    for attempt in 1..=3 {
        match try_start(display, db, sample) {
            Ok(t) => {
                for (i, f) in failures.iter().enumerate() {
                    println!("cold start: attempt {} did not become ready:\n{f}", i + 1);
                }
                return t;
            }
            Err(said) => failures.push(said),
        }
        if attempt < 3 {
            std::thread::sleep(Duration::from_secs(2));
        }
    }
    panic!(
        "the app never said it was ready (3 attempts); it printed:\n{}",
        failures.join("\n---\n")
    );
}

#[test]
#[ignore = "needs a display: run bash scripts/e2e.sh"]
fn cold_start_to_an_interactive_window() {
    let app = e2e::app_binary();
    assert!(
        app.exists(),
        "{} is missing: bash scripts/app.sh --build-only",
        app.display()
    );
    let (mut xvfb, display) = e2e::start_xvfb();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("register.sqlite3");
    // The first start loads the sample academy into the register (not timed as a cold start).
    let first = start_once(&display, &db, true);
    let mut times: Vec<Duration> = (0..3).map(|_| start_once(&display, &db, false)).collect();
    let _ = xvfb.kill();
    let _ = xvfb.wait();
    times.sort();
    let median = times[1];
    println!(
        "cold start to interactive window: median {} ms (runs {:?} ms; first start with sample import {} ms)",
        median.as_millis(),
        times.iter().map(|t| t.as_millis()).collect::<Vec<_>>(),
        first.as_millis()
    );
    // The figure for the README, in the target folder (wherever CARGO_TARGET_DIR puts it).
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| e2e::root().join("target"));
    std::fs::create_dir_all(&target).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
    std::fs::write(
        target.join("cold-start.txt"),
        format!("{}\n", median.as_millis()),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // The goal is 1.5 s; the assertion leaves room for a loaded CI machine.
    assert!(
        median < Duration::from_secs(5),
        "cold start took {median:?}"
    );
}
