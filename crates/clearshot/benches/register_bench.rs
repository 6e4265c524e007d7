//! The register's speed on a generated trust: 20,000 pupils in 10 academies with realistic
//! consent histories. `cargo bench -p clearshot` prints a markdown table with the figures, the
//! goals of issue 3, what a user would otherwise reach for (Python's csv + sqlite3, the sqlite3
//! shell's `.import`) and the machine.
//!
//! Goals: import a 20,000-row roll in < 1 s; `consent::status` for every pupil and channel on
//! a date in < 50 ms; record one consent with its audit entry in < 5 ms (median).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use clearshot::consent::{FormInput, StatusFilter};
use clearshot::{Channel, ImportOptions, Signatory, Stamp, Store};
use register::consents::Form;
use register::flags::FlagKind;

const ACADEMIES: usize = 10;
const PER_ACADEMY: usize = 2_000;
const ACADEMIC_YEAR: i32 = 2025;
const HEADER: &str = "UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year,Reg,Adno";

/// A small deterministic generator (xorshift64*): the same trust on every run.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

fn upn(body: &str) -> String {
    let sum: usize = body
        .bytes()
        .enumerate()
        .map(|(i, b)| usize::from(b - b'0') * (i + 2))
        .sum();
    format!("{}{body}", ALPHABET[sum % 23] as char)
}

const SURNAMES: [&str; 12] = [
    "Smith",
    "Patel",
    "O'Brien",
    "Nowak",
    "Jones",
    "Okafor",
    "Müller",
    "Hughes",
    "Khan",
    "Smith-Jones",
    "Williams",
    "D'Souza",
];
const FORENAMES: [&str; 12] = [
    "Amelia", "Oliver", "Zoë", "Noah", "Renée", "Mohammed", "Isla", "Seán", "Ava", "Leo", "Maya",
    "Kai",
];

/// One academy's roll as an MIS export: year groups Nursery to Year 13.
fn roll_lines(academy: usize, dice: &mut Dice) -> Vec<String> {
    (0..PER_ACADEMY)
        .map(|i| {
            let ncy = (i % 15) as i32 - 1;
            let cohort = ACADEMIC_YEAR - ncy - 5;
            let dob =
                NaiveDate::from_ymd_opt(cohort, 9, 1).unwrap() + chrono::Days::new(dice.below(365));
            let body = format!(
                "886{:04}{:02}{:03}",
                4000 + academy,
                10 + i / 1000,
                i % 1000
            );
            let year = match ncy {
                -1 => "N2".to_string(),
                0 => "R".to_string(),
                n if i % 2 == 0 => format!("Year {n}"),
                n => n.to_string(),
            };
            format!(
                "{},{},{},,{},{},{}{},{:06}",
                upn(&body),
                SURNAMES[dice.below(12) as usize],
                FORENAMES[dice.below(12) as usize],
                dob.format("%d/%m/%Y"),
                year,
                if ncy > 0 { ncy.to_string() } else { "N".into() },
                ["A", "B", "C"][i % 3],
                academy * 10_000 + i
            )
        })
        .collect()
}

fn csv(lines: &[String]) -> String {
    let mut s = String::with_capacity(lines.len() * 64);
    s.push_str(HEADER);
    for l in lines {
        s.push('\n');
        s.push_str(l);
    }
    s.push('\n');
    s
}

fn stamp() -> Stamp {
    Stamp::new("bench", "2025-09-15T09:00:00.000Z")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn import_opts(code: &str) -> ImportOptions {
    ImportOptions {
        academy: code.to_string(),
        academic_year: ACADEMIC_YEAR,
        on: date(2025, 9, 5),
        dry_run: false,
        maps: Vec::new(),
        mark_left: true,
        allow_many_leavers: false,
        allow_many_moves: false,
        renamed: Vec::new(),
        accept_year_groups: false,
    }
}

fn code(a: usize) -> String {
    format!("AC{a:02}")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn percentile(mut v: Vec<Duration>, p: usize) -> Duration {
    v.sort();
    v[(v.len() * p / 100).min(v.len() - 1)]
}

/// Consent histories: last year's forms (some expired), this year's parent forms (a few
/// refusals, second parents who disagree), pupils' own forms from Year 7, withdrawals, flags.
fn add_histories(store: &mut Store, dice: &mut Dice) -> (usize, usize) {
    let pupils = register::pupils::list(&store.conn, None).unwrap();
    let stamp = stamp();
    let tx = register::begin(&mut store.conn).unwrap();
    let mut forms = 0;
    let mut withdrawals = 0;
    let answers = |dice: &mut Dice, refuse_percent: u64| -> Vec<(Channel, bool)> {
        Channel::ALL
            .iter()
            .map(|c| (*c, !dice.chance(refuse_percent)))
            .collect()
    };
    for p in &pupils {
        let ncy = clearshot::pupils::year_group_on(p, date(2025, 10, 1));
        let form = |dice: &mut Dice,
                    signatory: Signatory,
                    signer: &str,
                    signed_on: NaiveDate,
                    expires_on: Option<NaiveDate>,
                    refuse_percent: u64| {
            register::consents::record_form(
                &tx,
                p,
                &Form {
                    signatory,
                    signer_name: Some(signer.to_string()),
                    relationship: Some("parent".into()),
                    signed_on,
                    expires_on,
                    evidence_sha256: None,
                    answers: answers(dice, refuse_percent),
                },
                &stamp,
            )
            .unwrap();
        };
        if dice.chance(40) {
            form(
                dice,
                Signatory::Parent,
                "Parent A",
                date(2024, 9, 12),
                Some(date(2025, 8, 31)),
                5,
            );
            forms += 1;
        }
        if dice.chance(85) {
            let expiry = dice.chance(30).then(|| date(2025, 12, 31));
            form(
                dice,
                Signatory::Parent,
                "Parent A",
                date(2025, 9, 10),
                expiry,
                8,
            );
            forms += 1;
        }
        if dice.chance(10) {
            form(
                dice,
                Signatory::Parent,
                "Parent B",
                date(2025, 9, 20),
                None,
                30,
            );
            forms += 1;
        }
        if ncy >= 7 && dice.chance(75) {
            form(dice, Signatory::Pupil, "Pupil", date(2025, 9, 15), None, 10);
            forms += 1;
        }
        if dice.chance(3) {
            let channels = [Channel::ALL[dice.below(5) as usize]];
            register::consents::withdraw(
                &tx,
                p,
                Signatory::Parent,
                &channels,
                date(2025, 11, 1),
                &register::consents::WithdrawalDetails::default(),
                &stamp,
            )
            .unwrap();
            withdrawals += 1;
        }
        if dice.chance(1) {
            register::flags::set(
                &tx,
                p,
                FlagKind::NeverPublish,
                "court order",
                date(2025, 10, 1),
                &stamp,
            )
            .unwrap();
        }
        if ncy >= 12 && dice.chance(10) {
            register::flags::set(
                &tx,
                p,
                FlagKind::ParentAlsoRequired,
                "parent holds decision-making rights",
                date(2025, 9, 1),
                &stamp,
            )
            .unwrap();
        }
    }
    tx.commit().unwrap();
    (forms, withdrawals)
}

/// The same import a user might script instead: Python's csv + sqlite3, one transaction,
/// UPN check letter validated, the same journal and sync settings. Returns seconds, measured
/// inside Python (interpreter start-up excluded).
const PYTHON_IMPORT: &str = r#"
import csv, sqlite3, sys, time, datetime
path, db = sys.argv[1], sys.argv[2]
t = time.perf_counter()
A = "ABCDEFGHJKLMNPQRTUVWXYZ"
def ok(u):
    if len(u) != 13 or u[0] not in A: return False
    s = sum((int(c) if c.isdigit() else A.index(c)) * (i + 2) for i, c in enumerate(u[1:]))
    return A[s % 23] == u[0]
c = sqlite3.connect(db, isolation_level=None)
c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA synchronous=FULL")
c.execute("CREATE TABLE IF NOT EXISTS pupils(id INTEGER PRIMARY KEY, upn TEXT UNIQUE NOT NULL, surname TEXT, forename TEXT, preferred TEXT, dob TEXT, year TEXT, reg TEXT, adno TEXT)")
c.execute("BEGIN")
rows = []
with open(path, newline="", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        if not ok(r["UPN"]): continue
        dob = datetime.datetime.strptime(r["DOB"], "%d/%m/%Y").date().isoformat()
        rows.append((r["UPN"], r["Legal Surname"], r["Legal Forename"], r["Preferred Forename"], dob, r["Year"], r["Reg"], r["Adno"]))
c.executemany("INSERT INTO pupils(upn, surname, forename, preferred, dob, year, reg, adno) VALUES (?,?,?,?,?,?,?,?)", rows)
c.execute("COMMIT")
print(time.perf_counter() - t)
"#;

/// One consent row inserted and committed from Python, 50 times: the floor a hand-rolled
/// spreadsheet-to-SQLite tool pays per record. Prints the median in seconds.
const PYTHON_RECORD: &str = r#"
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA synchronous=FULL")
c.execute("CREATE TABLE IF NOT EXISTS answers(id INTEGER PRIMARY KEY, upn TEXT, channel TEXT, granted INT, signed_on TEXT)")
ts = []
for i in range(50):
    t = time.perf_counter()
    c.execute("BEGIN"); c.execute("INSERT INTO answers(upn, channel, granted, signed_on) VALUES (?,?,?,?)", ("X", "website", 1, "2026-01-10")); c.execute("COMMIT")
    ts.append(time.perf_counter() - t)
ts.sort(); print(ts[len(ts) // 2])
"#;

fn python(script: &str, args: &[&Path]) -> Option<f64> {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("python3: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// The sqlite3 shell's `.import` (no validation at all), wall time including start-up.
fn sqlite3_import(csv: &Path, db: &Path) -> Option<Duration> {
    let t = Instant::now();
    let out = Command::new("sqlite3")
        .arg(db)
        .arg(".mode csv")
        .arg(format!(".import {} pupils", csv.display()))
        .output()
        .ok()?;
    let elapsed = t.elapsed();
    out.status.success().then_some(elapsed)
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!(
        "{model}, {cpus} CPUs ({} {})",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this quickly with nothing.
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut dice = Dice(0x5EED_C0DE_2025);
    let rolls: Vec<Vec<String>> = (0..ACADEMIES).map(|a| roll_lines(a, &mut dice)).collect();
    let files: Vec<_> = rolls
        .iter()
        .enumerate()
        .map(|(a, lines)| {
            let p = dir.path().join(format!("{}.csv", code(a)));
            std::fs::write(&p, csv(lines)).unwrap();
            p
        })
        .collect();
    let all_lines: Vec<String> = rolls.concat();
    let big = dir.path().join("trust-20k.csv");
    std::fs::write(&big, csv(&all_lines)).unwrap();

    // (a) Import: ten academy files of 2,000 rows into one register.
    let db = dir.path().join("trust.sqlite3");
    let mut store = Store::open(&db).unwrap();
    for a in 0..ACADEMIES {
        clearshot::pupils::add_academy(&mut store, &code(a), &format!("Academy {a}"), &stamp())
            .unwrap();
    }
    let t = Instant::now();
    for (a, file) in files.iter().enumerate() {
        let bytes = std::fs::read(file).unwrap();
        let r =
            clearshot::pupils::import_roll(&mut store, &bytes, &import_opts(&code(a)), &stamp())
                .unwrap();
        assert_eq!(r.imported, PER_ACADEMY, "{:?}", r.rejected.first());
    }
    let import_ten = t.elapsed();

    // One 20,000-row file into one academy, fresh register; then the same file again
    // (a re-import where nothing changed).
    let db_one = dir.path().join("one.sqlite3");
    let mut one = Store::open(&db_one).unwrap();
    clearshot::pupils::add_academy(&mut one, "BIG", "Big Academy", &stamp()).unwrap();
    let bytes = std::fs::read(&big).unwrap();
    let t = Instant::now();
    let r =
        clearshot::pupils::import_roll(&mut one, &bytes, &import_opts("BIG"), &stamp()).unwrap();
    let import_one = t.elapsed();
    assert_eq!(r.imported, ACADEMIES * PER_ACADEMY);
    let t = Instant::now();
    let r =
        clearshot::pupils::import_roll(&mut one, &bytes, &import_opts("BIG"), &stamp()).unwrap();
    let reimport = t.elapsed();
    assert_eq!(r.unchanged, ACADEMIES * PER_ACADEMY);
    drop(one);

    // Histories.
    let t = Instant::now();
    let (forms, withdrawals) = add_histories(&mut store, &mut dice);
    let history_time = t.elapsed();

    // (b) Status of every pupil for every channel on a date.
    let on = date(2026, 1, 15);
    let rows = clearshot::consent::status(&store, &StatusFilter::default(), on).unwrap();
    assert_eq!(rows.len(), ACADEMIES * PER_ACADEMY * Channel::ALL.len());
    let mut counts = std::collections::BTreeMap::new();
    for r in &rows {
        *counts.entry(r.status.as_str()).or_insert(0usize) += 1;
    }
    // The goal's measure: every pupil's status decided for every channel (the report).
    let report_runs: Vec<Duration> = (0..10)
        .map(|_| {
            let t = Instant::now();
            let report =
                clearshot::consent::StatusReport::build(&store, &StatusFilter::default(), on)
                    .unwrap();
            let e = t.elapsed();
            assert_eq!(report.len(), ACADEMIES * PER_ACADEMY * Channel::ALL.len());
            e
        })
        .collect();
    // The same with every row worded (sentence, warnings), as `consent status --json` prints.
    let status_runs: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let rows = clearshot::consent::status(&store, &StatusFilter::default(), on).unwrap();
            let e = t.elapsed();
            assert_eq!(rows.len(), ACADEMIES * PER_ACADEMY * Channel::ALL.len());
            e
        })
        .collect();
    let chase_time = {
        let t = Instant::now();
        let n = clearshot::consent::chase(&store, &StatusFilter::default(), on)
            .unwrap()
            .len();
        (t.elapsed(), n)
    };
    // Where the report's time goes: its queries on their own.
    let breakdown = {
        let conn = &store.conn;
        let t = Instant::now();
        let n_pupils = register::pupils::heads(conn, None, None).unwrap().len();
        let pupils_q = t.elapsed();
        let t = Instant::now();
        let n_answers = register::consent_digest::read(conn, None, None)
            .unwrap()
            .len();
        let answers_q = t.elapsed();
        let t = Instant::now();
        register::consents::withdrawals_for(conn, None).unwrap();
        register::flags::for_academy(conn, None).unwrap();
        let rest_q = t.elapsed();
        format!(
            "status breakdown: pupils query {:.1} ms ({n_pupils}), consent digests {:.1} ms ({n_answers} answers), withdrawals+flags {:.1} ms",
            ms(pupils_q),
            ms(answers_q),
            ms(rest_q)
        )
    };
    let parse_only = {
        let t = Instant::now();
        let roll = register::import::parse_roll(&bytes, &import_opts("BIG")).unwrap();
        assert_eq!(roll.entries.len(), ACADEMIES * PER_ACADEMY);
        t.elapsed()
    };
    let one_academy = {
        let filter = StatusFilter {
            academy: Some(code(3)),
            ..StatusFilter::default()
        };
        let t = Instant::now();
        clearshot::consent::status(&store, &filter, on).unwrap();
        t.elapsed()
    };

    // (c) Record one form (with its audit entry), as the office does, 50 times.
    let upns: Vec<String> = all_lines
        .iter()
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    let record_runs: Vec<Duration> = (0..50)
        .map(|_| {
            let upn = &upns[dice.below(upns.len() as u64) as usize];
            let form = FormInput {
                signatory: Signatory::Parent,
                signed_on: date(2026, 1, 10),
                grant: vec![Channel::AcademySocial, Channel::Website],
                refuse: vec![Channel::Press],
                signer_name: Some("Parent C".into()),
                relationship: Some("carer".into()),
                expires_on: None,
                evidence: None,
            };
            let t = Instant::now();
            clearshot::consent::record(&mut store, upn, &form, on, &stamp()).unwrap();
            t.elapsed()
        })
        .collect();
    let verify = {
        let t = Instant::now();
        let v = register::audit::verify(&store.conn).unwrap();
        assert!(v.ok);
        (t.elapsed(), v.entries)
    };
    // `clearshot check`'s comparison of the registers with what the log says it wrote.
    let crosscheck = {
        let t = Instant::now();
        let d = register::crosscheck::differences(&store.conn).unwrap();
        assert!(d.is_empty(), "{d:?}");
        t.elapsed()
    };
    drop(store);
    let register_size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);

    // Baselines.
    let py_import = python(PYTHON_IMPORT, &[&big, &dir.path().join("py.sqlite3")]);
    let py_record = python(PYTHON_RECORD, &[&dir.path().join("py-record.sqlite3")]);
    let shell_import = sqlite3_import(&big, &dir.path().join("shell.sqlite3"));

    let fmt_s = |s: Option<f64>| s.map_or("n/a".into(), |s| format!("{:.1} ms", s * 1000.0));
    let fmt_d = |d: Option<Duration>| d.map_or("n/a".into(), |d| format!("{:.1} ms", ms(d)));
    println!();
    println!("## ClearShot register benchmark");
    println!();
    println!("Machine: {}", machine());
    println!(
        "Trust: {} academies x {} pupils = {} pupils; {forms} forms, {withdrawals} withdrawals; \
         audit log {} entries; register file {:.1} MB; histories written in {:.1} s (one transaction).",
        ACADEMIES,
        PER_ACADEMY,
        ACADEMIES * PER_ACADEMY,
        verify.1,
        register_size as f64 / 1e6,
        history_time.as_secs_f64()
    );
    println!("Statuses on {on}: {counts:?}");
    println!(
        "{breakdown}; parsing the 20,000-row file alone {:.1} ms",
        ms(parse_only)
    );
    println!();
    println!("| measure | ClearShot | goal | what a user would otherwise use |");
    println!("|---|---|---|---|");
    println!(
        "| import 20,000 rows: 10 academy files x 2,000 | {:.1} ms | < 1000 ms | |",
        ms(import_ten)
    );
    println!(
        "| import 20,000 rows: one file, one academy | {:.1} ms | < 1000 ms | Python csv+sqlite3 (UPN check, one transaction): {}; sqlite3 `.import` (no validation, incl. start-up): {} |",
        ms(import_one),
        fmt_s(py_import),
        fmt_d(shell_import)
    );
    println!(
        "| re-import of the same 20,000 rows (all unchanged) | {:.1} ms | | |",
        ms(reimport)
    );
    println!(
        "| `StatusReport::build`: status of 20,000 pupils x 5 channels decided (median of 10) | {:.1} ms (min {:.1}) | < 50 ms | |",
        ms(median(report_runs.clone())),
        ms(*report_runs.iter().min().unwrap())
    );
    println!(
        "| `consent::status`: the same 100,000 rows, each worded (median of 5) | {:.1} ms (min {:.1}) | | |",
        ms(median(status_runs.clone())),
        ms(*status_runs.iter().min().unwrap())
    );
    println!(
        "| `consent::chase`: the {} rows missing or expired, worded | {:.1} ms | | |",
        chase_time.1,
        ms(chase_time.0)
    );
    println!(
        "| `consent::status`, one academy (2,000 x 5) | {:.1} ms | | |",
        ms(one_academy)
    );
    println!(
        "| `consent::record` one form + audit entry (median of 50, p90) | {:.2} ms (p90 {:.2}) | < 5 ms | Python sqlite3 one INSERT + COMMIT, no audit (median): {} |",
        ms(median(record_runs.clone())),
        ms(percentile(record_runs, 90)),
        fmt_s(py_record)
    );
    println!(
        "| `audit verify` of {} entries | {:.1} ms | | |",
        verify.1,
        ms(verify.0)
    );
    println!(
        "| registers compared with the audit log (`clearshot check`'s crosscheck) | {:.1} ms | | |",
        ms(crosscheck)
    );
}
