//! Shared test support: a temporary register driven through the real `clearshot` binary.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The roll header most MIS exports produce.
pub const HEADER: &str = "UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year,Reg,Adno";

/// The 23-letter UPN alphabet (no I, O or S).
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// A valid UPN: check letter + LA (3) + establishment (4) + year of issue (2) + serial (3).
pub fn upn(la: &str, estab: &str, yy: &str, serial: &str) -> String {
    let body = format!("{la}{estab}{yy}{serial}");
    assert_eq!(body.len(), 12, "UPN body {body}");
    let sum: usize = body
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let value = if b.is_ascii_digit() {
                usize::from(b - b'0')
            } else {
                ALPHABET.iter().position(|&a| a == b).expect("UPN letter")
            };
            value * (i + 2)
        })
        .sum();
    format!("{}{body}", ALPHABET[sum % 23] as char)
}

/// A valid UPN in Kent (LA 886) with a serial number.
pub fn kent(serial: u32) -> String {
    upn("886", "4021", "15", &format!("{serial:03}"))
}

/// The same UPN with a wrong check letter.
pub fn wrong_check_letter(upn: &str) -> String {
    let first = upn.as_bytes()[0];
    let other = ALPHABET.iter().find(|&&a| a != first).unwrap();
    format!("{}{}", *other as char, &upn[1..])
}

/// A temporary register file.
pub struct Register {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

impl Register {
    /// An empty temporary directory; the register file is created by the first command.
    pub fn new() -> Register {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("register.sqlite3");
        Register { dir, db }
    }

    /// A register with academy OAK.
    pub fn with_academy() -> Register {
        let r = Register::new();
        r.ok(&["academies", "add", "OAK", "--name", "Oak Academy"]);
        r
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file beside the register and returns its path.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// `clearshot --db <register> args…`, not yet started.
    pub fn command(&self, args: &[&str]) -> Command {
        command(&self.db, args)
    }

    /// Runs `clearshot --db <register> args…`.
    pub fn run(&self, args: &[&str]) -> Output {
        run_with_db(&self.db, args)
    }

    /// The audit chain must verify; returns `audit verify`'s report.
    pub fn audit_ok(&self) -> Value {
        let v = self.json(&["audit", "verify"]);
        assert_eq!(v["ok"], true, "audit chain must verify: {v}");
        v
    }

    /// Runs a command that must succeed; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "clearshot {args:?} failed ({:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Changes the register file as a person with `sqlite3` would, behind ClearShot's back.
    pub fn edit_behind_the_back(&self, sql: &str) {
        register::Connection::open(&self.db)
            .unwrap()
            .execute_batch(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// `clearshot check`, which must find something (exit 1): its problems, as JSON text.
    pub fn check_problems(&self) -> String {
        let run = self.run(&["--json", "check"]);
        assert_eq!(
            run.status.code(),
            Some(1),
            "check should find a problem: {}",
            String::from_utf8_lossy(&run.stdout)
        );
        let out: Value = serde_json::from_slice(&run.stdout).unwrap();
        out["report"]["problems"].to_string()
    }

    /// Runs a command with `--json` that must succeed; returns the parsed stdout.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let text = self.ok(&all);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {text}"))
    }

    /// Runs a command that must fail as bad input: exit code 2, one line on stderr, nothing on
    /// stdout, and the register unchanged. Returns the stderr line.
    pub fn bad_input(&self, args: &[&str]) -> String {
        let before = self.fingerprint_if_exists();
        let out = self.run(args);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "clearshot {args:?} should exit 2; stderr: {stderr}"
        );
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "clearshot {args:?} should print exactly one line on stderr, got: {stderr:?}"
        );
        assert!(
            out.stdout.is_empty(),
            "clearshot {args:?} printed on stdout: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(
            before,
            self.fingerprint_if_exists(),
            "clearshot {args:?} changed the register"
        );
        stderr.trim_end().to_string()
    }

    /// Imports a roll (CSV text) into an academy with extra arguments; returns the report.
    pub fn import(&self, academy: &str, csv: impl AsRef<[u8]>, extra: &[&str]) -> Value {
        let file = self.write("roll.csv", csv);
        let file = file.to_str().unwrap();
        let mut args = vec!["pupils", "import", file, "--academy", academy];
        args.extend_from_slice(extra);
        self.json(&args)
    }

    /// Everything a change could touch: the whole roll and the audit chain's length and head.
    pub fn fingerprint(&self) -> String {
        let pupils = self.json(&["pupils", "list", "--include-left", "--on", "2025-10-01"]);
        let audit = self.json(&["audit", "verify"]);
        let status = self.json(&["consent", "status", "--on", "2025-10-01"]);
        format!(
            "{pupils}\n{}\n{}\n{status}",
            audit["entries"], audit["head"]
        )
    }

    fn fingerprint_if_exists(&self) -> Option<String> {
        let meta = std::fs::metadata(&self.db).ok()?;
        // A register made by the binary is SQLite; anything else is compared byte for byte.
        if meta.len() > 0
            && std::fs::read(&self.db)
                .ok()?
                .starts_with(b"SQLite format 3\0")
        {
            // Only meaningful for a register the binary can open.
            let out = self.run(&["--json", "audit", "verify"]);
            if out.status.success() {
                return Some(self.fingerprint());
            }
        }
        std::fs::read(&self.db).ok().map(|b| format!("{b:?}"))
    }

    /// The status rows of one pupil on a date, keyed by channel.
    pub fn status_of(&self, upn: &str, on: &str) -> Vec<Value> {
        self.json(&["consent", "status", "--upn", upn, "--on", on])
            .as_array()
            .unwrap()
            .clone()
    }

    /// The status of one pupil for one channel on a date.
    pub fn status(&self, upn: &str, channel: &str, on: &str) -> Value {
        let rows = self.json(&[
            "consent",
            "status",
            "--upn",
            upn,
            "--channel",
            channel,
            "--on",
            on,
        ]);
        let rows = rows.as_array().unwrap();
        assert_eq!(
            rows.len(),
            1,
            "one row for {upn} {channel} on {on}: {rows:?}"
        );
        rows[0].clone()
    }
}

/// `clearshot --db <db> args…` with a fixed actor and no inherited register variable.
///
/// A photo is cleared, and its safe copy made, for today or a later posting day, never an
/// earlier one: a `photos check` or `photos export` that names its day runs on that day,
/// through the debug build's `CLEARSHOT_TODAY`. A test that wants another "today" sets the
/// variable on the command itself.
pub fn command(db: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_clearshot"));
    c.env_remove("CLEARSHOT_DB")
        .env_remove("CLEARSHOT_TODAY")
        .env("CLEARSHOT_ACTOR", "office@test")
        .arg("--db")
        .arg(db)
        .args(args);
    let dated = args
        .windows(2)
        .any(|w| w == ["photos", "export"] || w == ["photos", "check"]);
    if let Some(day) = dated
        .then(|| args.windows(2).find(|w| w[0] == "--on").map(|w| w[1]))
        .flatten()
    {
        c.env("CLEARSHOT_TODAY", day);
    }
    c
}

/// Runs the binary with a register path, a fixed actor and no inherited register variable.
pub fn run_with_db(db: &Path, args: &[&str]) -> Output {
    command(db, args).output().unwrap()
}

/// One roll line.
pub fn line(upn: &str, surname: &str, forename: &str, dob: &str, year: &str) -> String {
    format!("{upn},{surname},{forename},,{dob},{year},,")
}

/// A roll with the standard header.
pub fn roll(lines: &[String]) -> String {
    let mut s = String::from(HEADER);
    for l in lines {
        s.push('\n');
        s.push_str(l);
    }
    s.push('\n');
    s
}
