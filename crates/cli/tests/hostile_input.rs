//! Hostile roll files through the real binary: random bytes, mutated rolls, huge fields, NULs,
//! unbalanced quotes. The import must answer (exit 0 or a clean exit 2) within a time limit,
//! never panic (exit 101) or die on a signal, and leave a healthy register. Names that look
//! like spreadsheet formulas are stored as given and never re-exported unescaped in a CSV.
//!
//! A fixed seed in CI; `CLEARSHOT_FUZZ_CASES=2000` for a longer run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod data_common;

use std::path::Path;
use std::time::{Duration, Instant};

use data_common::{HEADER, Register, Rng, roll_csv, upn};

const PER_FILE: Duration = Duration::from_secs(20);

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Imports a file and returns its exit code, failing on a panic, a signal or a hang.
fn import_answers(r: &Register, file: &Path, what: &str) -> i32 {
    let mut child = r
        .command(&[
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
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > PER_FILE {
            child.kill().unwrap();
            let _ = child.wait();
            let saved = std::env::temp_dir().join("clearshot-hostile-roll.csv");
            let _ = std::fs::copy(file, &saved);
            panic!(
                "{what}: no answer within {PER_FILE:?} (saved to {})",
                saved.display()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut stderr = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let code = status
        .code()
        .unwrap_or_else(|| panic!("{what}: killed by a signal: {status:?}"));
    assert!(
        code == 0 || code == 2,
        "{what}: exit {code} (0 imported, 2 refused; 101 is a panic): {stderr}"
    );
    if code == 2 {
        assert!(
            stderr.lines().count() == 1 && !stderr.contains("panicked"),
            "{what}: a refusal is one plain line: {stderr:?}"
        );
    }
    code
}

fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut b = seed.to_vec();
    let nasty: &[&[u8]] = &[
        b"\0",
        b"\"",
        b",",
        b"\n",
        b"\r",
        b"\r\n",
        b"\xEF\xBB\xBF",
        b"\xFF\xFE",
        b"\xC3",
        b"=HYPERLINK(\"http://x\",\"y\")",
        b"\"\"",
        b";",
        b"\t",
    ];
    for _ in 0..1 + rng.below(12) {
        let at = rng.below(b.len() as u64 + 1) as usize;
        match rng.below(4) {
            0 => {
                let piece = nasty[rng.below(nasty.len() as u64) as usize];
                b.splice(at..at, piece.iter().copied());
            }
            1 if at < b.len() => b[at] ^= 1 << rng.below(8),
            2 => b.truncate(at),
            _ => {
                let n = rng.below(32) as usize;
                let junk: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
                b.splice(at..at, junk);
            }
        }
    }
    b
}

#[test]
fn random_and_mutated_rolls_get_an_answer_and_leave_a_healthy_register() {
    let started = Instant::now();
    let r = Register::with_academy();
    let cases = env_number("CLEARSHOT_FUZZ_CASES", 60);
    let mut rng = Rng::new(env_number("CLEARSHOT_FUZZ_SEED", 0xC5F_0001));
    let seed = roll_csv(0, 30, "Seed");
    let (mut imported, mut refused) = (0, 0);
    for i in 0..cases {
        let bytes = if i % 3 == 0 {
            let n = rng.below(16 * 1024) as usize;
            (0..n).map(|_| rng.next_u64() as u8).collect()
        } else {
            mutate(seed.as_bytes(), &mut rng)
        };
        let file = r.write("case.csv", &bytes);
        match import_answers(&r, &file, &format!("case {i}")) {
            0 => imported += 1,
            _ => refused += 1,
        }
    }
    let check = r.run(&["check"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    eprintln!(
        "{cases} hostile rolls: {imported} imported, {refused} refused, {:?}",
        started.elapsed()
    );
}

#[test]
fn huge_fields_nuls_and_unbalanced_quotes_are_refused_with_reasons() {
    let r = Register::with_academy();
    // A 20 MB name in one field, and a 20 MB line without a single separator.
    let huge = "A".repeat(20 * 1024 * 1024);
    let file = r.write(
        "huge.csv",
        format!("{HEADER}\n{},{huge},Ann,,2011-03-01,9,9A,1\n", upn(0)),
    );
    import_answers(&r, &file, "20 MB surname");
    let file = r.write("line.csv", format!("{HEADER}\n{huge}\n"));
    import_answers(&r, &file, "20 MB line");
    // A million columns.
    let file = r.write("wide.csv", format!("{HEADER}\n{}\n", ",".repeat(1_000_000)));
    import_answers(&r, &file, "a million columns");

    // Unbalanced quotes: refused, nothing imported.
    let before = r.json(&["pupils", "list", "--include-left"]);
    let file = r.write(
        "quote.csv",
        format!(
            "{HEADER}\n{},\"Smith,Ann,,2011-03-01,9,9A,1\n{},Jones,Bob,,2011-03-01,9,9A,2\n",
            upn(1),
            upn(2)
        ),
    );
    assert_eq!(import_answers(&r, &file, "unclosed quote"), 2);
    assert_eq!(r.json(&["pupils", "list", "--include-left"]), before);

    // A NUL inside a name: if the import takes it, it is stored exactly as given.
    let file = r.write(
        "nul.csv",
        format!(
            "{HEADER}\n{},Sm\0ith,Ann,,2011-03-01,9,9A,3\n{},Good,Gus,,2011-03-01,9,9A,4\n",
            upn(3),
            upn(4)
        ),
    );
    assert_eq!(import_answers(&r, &file, "NUL in a name"), 0);
    // A control character in a name is a rejected row with its reason, not a stored name.
    let report = r.json(&[
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
        "--dry-run",
    ]);
    let rejected = report["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1, "{report}");
    assert_eq!(rejected[0]["row"], 2, "{report}");
    assert!(
        rejected[0]["reason"].as_str().unwrap().contains("control"),
        "{report}"
    );
    assert_eq!(r.run(&["pupils", "show", &upn(3)]).status.code(), Some(2));
    r.audit_ok();
    assert_eq!(r.run(&["check"]).status.code(), Some(0));
}

#[test]
fn formula_names_are_stored_as_given_and_never_exported_as_formulas() {
    let r = Register::with_academy();
    let hostile = [
        "=HYPERLINK(\"http://x\",\"y\")",
        "+SUM(1+1)",
        "-A2+3",
        "@cmd",
        "=A1+1",
        "=cmd|' /C calc'!A0",
    ];
    let mut csv = format!("{HEADER}\n");
    for (i, name) in hostile.iter().enumerate() {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        csv.push_str(&format!(
            "{},{quoted},{quoted},,2012-03-01,9,{quoted},{i}\n",
            upn(i as u32)
        ));
    }
    let report = r.import_oak(&csv);
    assert_eq!(report["imported"], hostile.len(), "{report}");
    for (i, name) in hostile.iter().enumerate() {
        let shown = r.json(&["pupils", "show", &upn(i as u32), "--on", "2025-10-01"]);
        assert_eq!(shown["legal_surname"], *name, "stored as given");
        assert_eq!(shown["legal_forename"], *name);
    }

    let out = r.run(&["consent", "chase", "--csv", "--on", "2025-10-01"]);
    assert!(out.status.success());
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(out.stdout.as_slice());
    let mut rows = 0;
    let mut seen_names = 0;
    for record in reader.records() {
        let record = record.unwrap();
        rows += 1;
        for cell in record.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a cell a spreadsheet would run as a formula: {cell:?}"
            );
            if hostile.iter().any(|h| cell.contains(h)) {
                seen_names += 1;
            }
        }
    }
    assert!(rows >= hostile.len(), "every pupil is on the chase list");
    assert!(
        seen_names >= hostile.len(),
        "the names are there, escaped, not dropped"
    );
}
