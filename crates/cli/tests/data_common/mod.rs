//! Support for the "your data" tests (backup, crash safety, hostile input, subject access,
//! retention): a temporary register driven through the real `clearshot` binary, valid UPNs,
//! and a seeded random number generator (no dependency, reproducible in CI).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_clearshot");

/// The roll header most MIS exports produce.
pub const HEADER: &str = "UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year,Reg,Adno";

/// A valid UPN: LA from the DfE list the rules use, a fixed establishment, serial `n`
/// (0..=999_999 across establishments and years).
pub fn upn(n: u32) -> String {
    let la = rules::upn::LA_CODES[(n as usize / 1000) % rules::upn::LA_CODES.len()].0;
    let estab = format!("{:04}", 2000 + (n / 1000) % 8000);
    rules::upn::make_upn(la, &estab, "15", &format!("{:03}", n % 1000))
        .map(|u| u.to_string())
        .unwrap_or_else(|| panic!("no UPN for {n}"))
}

/// A roll CSV of pupils `from..from+count` in Year 9 (for the academic year 2025).
pub fn roll_csv(from: u32, count: u32, surname: &str) -> String {
    let mut csv = String::with_capacity(count as usize * 64);
    csv.push_str(HEADER);
    csv.push('\n');
    for n in from..from + count {
        csv.push_str(&format!(
            "{},{surname},Pupil{n},,2011-03-{:02},9,9A,{n}\n",
            upn(n),
            1 + n % 28
        ));
    }
    csv
}

/// SplitMix64: a small, well-mixed, seeded generator.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A temporary register.
pub struct Register {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

impl Register {
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

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    pub fn command(&self, args: &[&str]) -> Command {
        command(&self.db, args)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
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

    /// Runs a command with `--json` that must succeed; returns the parsed stdout.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let text = self.ok(&all);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {text}"))
    }

    /// Imports a roll into OAK (no one marked as left) on 2025-10-01.
    pub fn import(&self, csv: &str) -> Value {
        let file = self.write("roll.csv", csv);
        self.json(&[
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
        ])
    }

    pub fn audit_ok(&self) -> Value {
        let v = self.json(&["audit", "verify"]);
        assert_eq!(v["ok"], true, "audit chain must verify: {v}");
        v
    }
}

/// `clearshot --db <db> args…` with a fixed actor and no inherited register variable.
pub fn command(db: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.env_remove("CLEARSHOT_DB")
        .env("CLEARSHOT_ACTOR", "test")
        .arg("--db")
        .arg(db)
        .args(args);
    c
}

/// Unix permission bits of a path.
#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A real photo committed to the repository (one face), for clearances.
pub fn photo_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../faces/tests/data/astronaut.jpg")
}

impl Register {
    /// Consents (parent and pupil, website) for `upn`, a device, a member of staff and the
    /// photo ingested from the device; then clears the photo for the website naming `upn` on
    /// 2025-10-01. Returns the clearance id.
    pub fn clear_photo_of(&self, upn: &str) -> String {
        for signatory in ["parent", "pupil"] {
            self.ok(&[
                "consent",
                "record",
                upn,
                "--signatory",
                signatory,
                "--signed-on",
                "2025-09-05",
                "--grant",
                "website",
            ]);
        }
        if !self.ok(&["devices", "list"]).contains("CAM1") {
            self.ok(&[
                "devices",
                "add",
                "--label",
                "CAM1",
                "--kind",
                "camera",
                "--make",
                "Canon",
                "--model",
                "EOS",
                "--serial",
                "123",
                "--academy",
                "OAK",
                "--on",
                "2025-01-01",
            ]);
            self.ok(&[
                "staff",
                "add",
                "comms@oak.example.org",
                "--name",
                "Comms",
                "--approved-on",
                "2025-01-01",
                "--trained-on",
                "2025-01-01",
            ]);
            self.ok(&[
                "photos",
                "ingest",
                photo_path().to_str().unwrap(),
                "--device",
                "CAM1",
            ]);
        }
        let v = self.json(&[
            "photos",
            "check",
            photo_path().to_str().unwrap(),
            "--channel",
            "website",
            "--staff",
            "comms@oak.example.org",
            "--academy",
            "OAK",
            "--pupils",
            upn,
            "--on",
            "2025-10-01",
            "--faces-acknowledged",
        ]);
        v["clearance_id"]
            .as_str()
            .unwrap_or_else(|| panic!("the photo should be cleared: {v}"))
            .to_string()
    }
}
