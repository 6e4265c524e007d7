//! Support for the "your data" tests (backup, crash safety, hostile input, subject access,
//! retention): the register harness of `common/` (the real `clearshot` binary on a temporary
//! register), numbered valid UPNs and rolls of them, and a seeded random number generator (no
//! dependency, reproducible in CI).
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The register harness and roll header the other CLI tests use.
#[path = "../common/mod.rs"]
mod common;
pub use common::HEADER;

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
            "{},{surname},Pupil{n},,2012-03-{:02},9,9A,{n}\n",
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

pub use common::{Register, command, kent, line, roll};

impl Register {
    /// Imports a roll into OAK (no one marked as left) on 2025-10-01.
    pub fn import_oak(&self, csv: &str) -> Value {
        self.import(
            "OAK",
            csv,
            &[
                "--academic-year",
                "2025",
                "--on",
                "2025-10-01",
                "--no-mark-left",
            ],
        )
    }
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
        self.clear_photo_naming(upn)
    }

    /// The device, the member of staff and the photo ingested from the device, once; then
    /// clears the photo for the website naming `pupils` (comma-separated UPNs) on 2025-10-01.
    /// Returns the clearance id.
    pub fn clear_photo_naming(&self, pupils: &str) -> String {
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
            pupils,
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
