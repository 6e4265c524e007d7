//! `clearshot pupils rekey`: a child's temporary UPN replaced by the permanent one, before the
//! MIS import brings it (the record takes it) and after (the two records of the child merge),
//! with the safeguarding flag, the consent history and clearances carried over, through the
//! binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod data_common;

use data_common::{Register, kent, line, roll};

/// A temporary UPN: a serial of two digits and a letter (the check letter is right).
const TEMPORARY: &str = "Z88640211821A";

/// Nia, Year 6 in 2025/26, under the temporary UPN, with a parent's yes for print and a
/// never-publish flag.
fn nia_under_the_temporary_upn() -> Register {
    let reg = Register::with_academy();
    reg.import(
        "OAK",
        roll(&[line(TEMPORARY, "Newkid", "Nia", "24/02/2015", "6")]),
        &["--academic-year", "2025", "--on", "2025-09-05"],
    );
    reg.ok(&[
        "consent",
        "record",
        TEMPORARY,
        "--signatory",
        "parent",
        "--signed-on",
        "2025-09-05",
        "--grant",
        "print",
    ]);
    reg.ok(&[
        "pupils",
        "flag",
        TEMPORARY,
        "--never-publish",
        "--reason",
        "court order",
        "--on",
        "2025-09-06",
    ]);
    reg
}

fn status(reg: &Register, upn: &str, channel: &str) -> String {
    reg.status(upn, channel, "2025-10-02")["status"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_upn_replaced_before_the_import_keeps_the_record_and_its_history() {
    let reg = nia_under_the_temporary_upn();
    let permanent = kent(1);
    let r = reg.json(&["pupils", "rekey", TEMPORARY, "--to", &permanent]);
    assert_eq!(r["from"], TEMPORARY, "{r}");
    assert_eq!(r["to"], permanent.as_str(), "{r}");
    assert_eq!(r["merged"], false, "{r}");
    assert_eq!(r["never_publish"], true, "{r}");
    assert_eq!(r["pupil"]["upn"], permanent.as_str(), "{r}");
    let shown = reg.json(&["pupils", "show", &permanent, "--on", "2025-10-02"]);
    assert_eq!(shown["history"].as_array().unwrap().len(), 1, "{shown}");
    assert_eq!(status(&reg, &permanent, "print"), "never_publish");
    assert!(
        !reg.run(&["pupils", "show", TEMPORARY]).status.success(),
        "the temporary UPN is gone"
    );
    // The MIS roll with the permanent UPN then finds the child it knows: no new record.
    let report = reg.import(
        "OAK",
        roll(&[line(&permanent, "Newkid", "Nia", "24/02/2015", "6")]),
        &["--academic-year", "2025", "--on", "2025-10-01"],
    );
    assert_eq!(report["imported"], 0, "{report}");
    assert_eq!(report["left"], 0, "{report}");
    assert!(
        report["warnings"].as_array().unwrap().is_empty(),
        "{report}"
    );
    reg.audit_ok();
    let text = reg.ok(&["pupils", "rekey", &permanent, "--to", &kent(2)]);
    assert!(
        text.contains(&format!("{permanent} is now {}", kent(2))),
        "{text}"
    );
    assert!(text.contains("NEVER-PUBLISH"), "{text}");
}

#[test]
fn after_the_import_the_two_records_of_the_child_merge_and_the_flag_takes_the_photo_down() {
    let reg = nia_under_the_temporary_upn();
    let permanent = kent(1);
    // The import brings the permanent UPN: a new record, without the flag; the temporary one
    // is marked as left. The warning says what to run.
    let report = reg.import(
        "OAK",
        roll(&[line(&permanent, "Newkid", "Nia", "24/02/2015", "6")]),
        &["--academic-year", "2025", "--on", "2025-10-01"],
    );
    assert_eq!(
        (report["imported"].as_u64(), report["left"].as_u64()),
        (Some(1), Some(1))
    );
    let warning = report["warnings"][0]["message"].as_str().unwrap();
    assert!(
        warning.contains(&format!(
            "clearshot pupils rekey {TEMPORARY} --to {permanent}"
        )),
        "{warning}"
    );
    // Meanwhile, forms recorded against the new record let a photo of her be cleared.
    let clearance = reg.clear_photo_of(&permanent);
    assert_eq!(status(&reg, &permanent, "website"), "granted");

    let r = reg.json(&["pupils", "rekey", TEMPORARY, "--to", &permanent]);
    assert_eq!(r["merged"], true, "{r}");
    assert_eq!(
        r["consent_answers"], 2,
        "parent and pupil, for the website: {r}"
    );
    assert_eq!(r["clearances"], 1, "{r}");
    assert_eq!(r["never_publish"], true, "{r}");
    assert_eq!(r["takedowns_raised"], 1, "{r}");
    assert!(
        r["pupil"]["left_on"].is_null(),
        "on roll, as the MIS says: {r}"
    );

    // One record: both histories, the flag, on roll in the new record's year and form.
    let list = reg.json(&["pupils", "list", "--include-left", "--on", "2025-10-02"]);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let shown = reg.json(&["pupils", "show", &permanent, "--on", "2025-10-02"]);
    assert_eq!(shown["history"].as_array().unwrap().len(), 3, "{shown}");
    assert_eq!(status(&reg, &permanent, "website"), "never_publish");
    let tasks = reg.json(&["takedowns", "list", "--open"]);
    let tasks = tasks.as_array().unwrap();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0]["clearance_id"], clearance.as_str());
    assert!(
        tasks[0]["cause"].as_str().unwrap().contains("merged"),
        "{tasks:?}"
    );
    // The register is consistent and the audit chain verifies (the merged-away record's
    // entries redacted, as a purge would).
    reg.ok(&["check"]);
    let v = reg.audit_ok();
    assert!(v["redacted"].as_u64().unwrap() >= 1, "{v}");
    // Exporting the cleared photo is now refused.
    let out = reg.run(&[
        "photos",
        "export",
        "--clearance",
        &clearance,
        data_common::photo_path().to_str().unwrap(),
        "--out",
        reg.path("out").to_str().unwrap(),
        "--on",
        "2025-10-02",
    ]);
    assert!(!out.status.success(), "the export must be refused");
}

#[test]
fn what_cannot_be_the_same_child_or_the_same_upn_is_refused_and_changes_nothing() {
    let reg = nia_under_the_temporary_upn();
    let permanent = kent(1);
    // Someone else, born another day, already holds the permanent UPN.
    reg.import(
        "OAK",
        roll(&[line(&permanent, "Other", "Olu", "01/03/2015", "6")]),
        &[
            "--academic-year",
            "2025",
            "--on",
            "2025-10-01",
            "--no-mark-left",
        ],
    );
    let e = reg.bad_input(&["pupils", "rekey", TEMPORARY, "--to", &permanent]);
    assert!(e.contains("different dates of birth"), "{e}");
    let e = reg.bad_input(&["pupils", "rekey", TEMPORARY, "--to", TEMPORARY]);
    assert!(e.contains("already"), "{e}");
    let mut wrong = permanent.clone();
    wrong.replace_range(0..1, if wrong.starts_with('A') { "B" } else { "A" });
    let e = reg.bad_input(&["pupils", "rekey", TEMPORARY, "--to", &wrong]);
    assert!(e.contains("new UPN"), "{e}");
    let out = reg.run(&["pupils", "rekey", &kent(3), "--to", &kent(4)]);
    assert!(!out.status.success(), "no such pupil");
}

#[test]
fn the_upns_the_wrong_way_round_are_refused_with_the_command_to_run() {
    let reg = nia_under_the_temporary_upn();
    let permanent = kent(1);
    reg.import(
        "OAK",
        roll(&[line(&permanent, "Newkid", "Nia", "24/02/2015", "6")]),
        &["--academic-year", "2025", "--on", "2025-10-01"],
    );
    let e = reg.bad_input(&["pupils", "rekey", &permanent, "--to", TEMPORARY]);
    assert!(
        e.contains(&format!(
            "clearshot pupils rekey {TEMPORARY} --to {permanent}"
        )),
        "{e}"
    );
}
