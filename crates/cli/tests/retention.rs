//! `clearshot retention purge` through the real binary: who goes, what goes with them, what
//! stays, and that the audit chain still verifies.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod data_common;

use chrono::{Datelike, Months};
use data_common::{HEADER, Register, upn};
use serde_json::Value;

fn roll(rows: &[(u32, &str)]) -> String {
    let mut csv = format!("{HEADER}\n");
    for (n, surname) in rows {
        csv.push_str(&format!(
            "{},{surname},Pupil{n},,2011-03-01,9,9A,{n}\n",
            upn(*n)
        ));
    }
    csv
}

fn import_marking_left(r: &Register, rows: &[(u32, &str)], on: &str) {
    let file = r.write("roll.csv", roll(rows));
    r.json(&[
        "pupils",
        "import",
        file.to_str().unwrap(),
        "--academy",
        "OAK",
        "--academic-year",
        "2025",
        "--on",
        on,
    ]);
}

fn record_with_evidence(r: &Register, n: u32, file: &std::path::Path) {
    r.ok(&[
        "consent",
        "record",
        &upn(n),
        "--signatory",
        "parent",
        "--signed-on",
        "2025-09-10",
        "--grant",
        "print",
        "--signer-name",
        "A Parent",
        "--evidence",
        file.to_str().unwrap(),
    ]);
}

fn hash_of(r: &Register, n: u32) -> String {
    let show = r.json(&["pupils", "show", &upn(n), "--on", "2025-10-01"]);
    show["history"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|a| a["evidence_sha256"].as_str().map(str::to_string))
        .unwrap()
}

fn subject_of(r: &Register, n: u32) -> String {
    r.json(&["audit", "log"])
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "pupil.add" && e["payload"]["upn"] == upn(n).as_str())
        .and_then(|e| e["subject"].as_str().map(str::to_string))
        .unwrap()
}

fn everything(r: &Register) -> (usize, Value) {
    let pupils = r
        .json(&["pupils", "list", "--include-left"])
        .as_array()
        .unwrap()
        .len();
    (pupils, r.audit_ok()["head"].clone())
}

#[test]
fn a_purge_removes_leavers_and_their_records_keeps_everyone_else_and_the_chain_verifies() {
    let r = Register::with_academy();
    let (stayer, leaver, leaver2, later) = (0, 1, 2, 3);
    import_marking_left(
        &r,
        &[
            (stayer, "Stayer"),
            (leaver, "Leaverson"),
            (leaver2, "Leaverdottir"),
            (later, "Laterleaver"),
        ],
        "2025-09-01",
    );
    // A scanned form shared by a stayer and a leaver (same bytes), one only a leaver used.
    let shared = r.write("shared.pdf", b"%PDF-1.4 one scan, two pupils");
    let own = r.write("own.pdf", b"%PDF-1.4 Leaverson's form");
    let own2 = r.write("own2.pdf", b"%PDF-1.4 Leaverdottir's form");
    record_with_evidence(&r, stayer, &shared);
    record_with_evidence(&r, leaver, &shared);
    record_with_evidence(&r, leaver, &own);
    record_with_evidence(&r, leaver2, &own2);
    let (shared_hash, own2_hash) = (hash_of(&r, stayer), hash_of(&r, leaver2));
    let clearance = r.clear_photo_of(&upn(leaver));
    r.ok(&[
        "pupils",
        "flag",
        &upn(leaver),
        "--never-publish",
        "--reason",
        "court order naming Leaverson",
        "--on",
        "2025-10-02",
    ]);
    // The parent's email withdrawing consent, kept as evidence: it goes with the pupil.
    let email = r.write(
        "email.pdf",
        b"%PDF-1.4 Leaverdottir's parent: please withdraw",
    );
    r.ok(&[
        "consent",
        "withdraw",
        &upn(leaver2),
        "--signatory",
        "parent",
        "--on",
        "2025-10-03",
        "--evidence",
        email.to_str().unwrap(),
    ]);
    let leaver_subject = subject_of(&r, leaver);
    // Two leave in December 2025, one in June 2026.
    import_marking_left(
        &r,
        &[(stayer, "Stayer"), (later, "Laterleaver")],
        "2025-12-01",
    );
    import_marking_left(&r, &[(stayer, "Stayer")], "2026-06-01");

    // A dry run reports and changes nothing.
    let before = everything(&r);
    let dry = r.json(&[
        "retention",
        "purge",
        "--left-before",
        "2026-01-01",
        "--dry-run",
    ]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["purged"]["pupils"], 2);
    assert_eq!(everything(&r), before, "a dry run changes nothing");
    let archive = std::path::PathBuf::from(dry["archived_to"].as_str().unwrap());
    assert!(
        archive.starts_with(r.path("register.sqlite3.archive")) && !archive.exists(),
        "a dry run says where it would archive, and writes nothing: {dry}"
    );

    // A purge stopped part way before (its archive unfinished, nothing deleted) is named by
    // `check` as a stray copy of children's records, and cleared by the next purge.
    let stray = archive.with_file_name("purge-2026-01-01.unfinished");
    std::fs::create_dir_all(stray.join(upn(leaver))).unwrap();
    std::fs::write(stray.join(upn(leaver)).join("pupil.json"), "{}").unwrap();
    #[cfg(unix)]
    {
        // As the purge that was stopped left it: its folders readable by their owner only.
        use std::os::unix::fs::PermissionsExt;
        let private = std::fs::Permissions::from_mode(0o700);
        std::fs::set_permissions(stray.parent().unwrap(), private).unwrap();
    }
    let run = r.run(&["check"]);
    assert_eq!(run.status.code(), Some(1));
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(
        said.contains(
            "purge-2026-01-01.unfinished is the archive of a retention purge that stopped part way"
        ),
        "{said}"
    );

    let done = r.json(&["retention", "purge", "--left-before", "2026-01-01"]);
    assert!(!stray.exists(), "the unfinished archive is removed");
    assert!(
        !archive
            .with_file_name(format!(
                "{}.unfinished",
                archive.file_name().unwrap().to_str().unwrap()
            ))
            .exists()
    );
    let p = &done["purged"];
    assert_eq!(p["pupils"], 2, "{done}");
    assert_eq!(
        p["consent_answers"], 5,
        "leaver: 2 forms with evidence + parent and pupil for the photo; leaver2: 1"
    );
    assert_eq!(
        p["consent_withdrawals"], 5,
        "leaver2 withdrew every channel"
    );
    assert_eq!(p["flags"], 1);
    assert_eq!(p["clearance_links"], 1);
    assert_eq!(p["takedowns_unlinked"], 1);
    assert_eq!(
        done["evidence_files_deleted"], 3,
        "own.pdf, own2.pdf and the withdrawal's email"
    );
    assert_eq!(
        dry["purged"], done["purged"],
        "the dry run said exactly this"
    );

    // Archived first ("archive then delete"): each purged pupil's records, readable, with the
    // scanned forms, in the folder the dry run named.
    assert_eq!(done["archived_pupils"], 2, "{done}");
    assert_eq!(done["archived_to"], dry["archived_to"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for dir in [archive.parent().unwrap(), archive.as_path()] {
            let mode = std::fs::metadata(dir).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{} is private", dir.display());
        }
    }
    for (n, surname) in [(leaver, "Leaverson"), (leaver2, "Leaverdottir")] {
        let json = std::fs::read_to_string(archive.join(upn(n)).join("pupil.json")).unwrap();
        assert!(json.contains(surname), "{json}");
    }
    // The archive is the trust's own record: the never-publish flag's reason is kept in it (a
    // subject access export withholds it), or the purge would destroy it everywhere.
    let json = std::fs::read_to_string(archive.join(upn(leaver)).join("pupil.json")).unwrap();
    assert!(json.contains("court order naming Leaverson"), "{json}");
    assert!(
        json.contains("\"safeguarding_reasons_included\": true"),
        "{json}"
    );
    assert!(
        archive
            .join(upn(leaver2))
            .join("evidence")
            .join(format!("{own2_hash}.pdf"))
            .exists(),
        "the scanned form is archived with its pupil"
    );

    // Gone: the pupils, their scanned forms, their names in the file.
    for n in [leaver, leaver2] {
        let out = r.run(&["pupils", "show", &upn(n)]);
        assert_eq!(out.status.code(), Some(2), "{n} is purged");
    }
    let evidence = r.path("register.sqlite3.evidence");
    assert!(!evidence.join(&own2_hash).exists());
    assert!(
        evidence.join(&shared_hash).exists(),
        "a form another pupil still relies on stays"
    );
    let mut bytes = std::fs::read(&r.db).unwrap();
    if let Ok(wal) = std::fs::read(r.path("register.sqlite3-wal")) {
        bytes.extend(wal);
    }
    for name in ["Leaverson", "Leaverdottir", upn(leaver).as_str()] {
        assert!(
            !bytes.windows(name.len()).any(|w| w == name.as_bytes()),
            "{name} must not remain anywhere in the register file"
        );
    }

    // Stays: everyone else, the takedown task (without the pupil), and a verifiable chain in
    // which the leaver's entries keep their pseudonymous subject but lose their details.
    assert_eq!(everything(&r).0, 2);
    r.ok(&["pupils", "show", &upn(stayer)]);
    r.ok(&["pupils", "show", &upn(later)]);
    let takedowns = r.json(&["takedowns", "list"]);
    let t = &takedowns.as_array().unwrap()[0];
    assert_eq!(t["clearance_id"], clearance.as_str());
    assert_eq!(t["upn"], Value::Null);
    let audit = r.audit_ok();
    assert!(audit["redacted"].as_i64().unwrap() >= 8, "{audit}");
    let about: Vec<Value> = r
        .json(&["audit", "log"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subject"] == leaver_subject.as_str())
        .cloned()
        .collect();
    assert!(about.len() >= 5);
    for e in &about {
        if e["action"] == "pupil.purge" {
            assert_eq!(e["payload"]["left_before"], "2026-01-01");
        } else {
            assert_eq!(e["payload"], Value::Null, "redacted: {e}");
        }
    }
    let check = r.run(&["check"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn without_a_date_the_purge_uses_the_retention_period_setting() {
    let r = Register::with_academy();
    let err = r.run(&["retention", "purge", "--dry-run"]);
    assert_eq!(err.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&err.stderr).contains("retention-years"));

    r.ok(&["settings", "set", "retention-years", "6"]);
    let dry = r.json(&["retention", "purge", "--dry-run"]);
    let today = chrono::Local::now().date_naive();
    let expected = today.checked_sub_months(Months::new(72)).unwrap();
    assert_eq!(dry["left_before"], expected.to_string());
    assert_eq!(dry["cutoff_from"], "retention-years = 6");
    assert_eq!(expected.year(), today.year() - 6);

    let future = r.run(&["retention", "purge", "--left-before", "2999-01-01"]);
    assert_eq!(
        future.status.code(),
        Some(2),
        "a cut-off after today is refused"
    );

    // A date inside the retention period ("2026" typed for "2020") would delete records the
    // trust keeps: refused, dry run or not, unless the DPO says so.
    let inside = (expected + chrono::Days::new(1)).to_string();
    for dry in [&["--dry-run"][..], &[]] {
        let mut args = vec!["retention", "purge", "--left-before", &inside];
        args.extend_from_slice(dry);
        let e = r.bad_input(&args);
        assert!(
            e.contains(&format!(
                "--left-before {inside} is inside the trust's retention period (retention-years = 6: the records of pupils who left on or after {expected} are kept); nothing was deleted"
            )) && e.contains("--inside-retention"),
            "{e}"
        );
    }
    let early = r.json(&[
        "retention",
        "purge",
        "--left-before",
        &inside,
        "--inside-retention",
        "--dry-run",
    ]);
    assert_eq!(early["left_before"], inside);
    assert_eq!(early["cutoff_from"], "--left-before");
    // The cut-off itself is outside the period.
    r.json(&[
        "retention",
        "purge",
        "--left-before",
        &expected.to_string(),
        "--dry-run",
    ]);
    // An erasure request: no archive is kept, and none is made.
    let erased = r.json(&[
        "retention",
        "purge",
        "--left-before",
        &inside,
        "--inside-retention",
        "--no-archive",
    ]);
    assert_eq!(erased["archived_to"], Value::Null, "{erased}");
    assert!(!r.path("register.sqlite3.archive").exists());
    let e = r.bad_input(&[
        "retention",
        "purge",
        "--archive",
        "x",
        "--no-archive",
        "--dry-run",
    ]);
    assert!(e.contains("cannot be used with"), "{e}");
}
