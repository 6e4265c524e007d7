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
    // A paper form still carrying it is pointed at the new UPN.
    let form = reg.run(&[
        "consent",
        "record",
        TEMPORARY,
        "--signatory",
        "parent",
        "--signed-on",
        "2025-10-02",
        "--grant",
        "website",
    ]);
    let err = String::from_utf8_lossy(&form.stderr);
    assert!(
        err.contains(&format!(
            "no pupil with UPN {TEMPORARY} on the register: it was replaced by {permanent} on"
        )) && err.contains(&format!("use {permanent}")),
        "{err}"
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
    // The import brings the permanent UPN: a new record; the temporary one is marked as left.
    // The warning says what to run.
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
    // The import flagged the new record too, until someone checks; here someone wrongly
    // decides she is another child and lifts it, and forms recorded against the new record
    // let a photo of her be cleared.
    assert_eq!(
        reg.json(&["pupils", "show", &permanent, "--on", "2025-10-01"])["never_publish"],
        true
    );
    reg.ok(&[
        "pupils",
        "unflag",
        &permanent,
        "--never-publish",
        "--reason",
        "checked: another child",
        "--on",
        "2025-10-01",
    ]);
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
    // The register is consistent and the audit chain verifies. The merged-away record's
    // entries are kept, nothing redacted, and a subject access export includes them: the check
    // that cleared her photo was recorded under the other record.
    reg.ok(&["check"]);
    let v = reg.audit_ok();
    assert_eq!(v["redacted"], 0, "{v}");
    let sar = reg.path("sar");
    reg.ok(&[
        "pupils",
        "export",
        &permanent,
        "--out",
        sar.to_str().unwrap(),
    ]);
    let data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sar.join("pupil.json")).unwrap()).unwrap();
    let actions: Vec<&str> = data["audit_entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "pupil.add",
        "flag.set",
        "photo.check",
        "pupil.merged_away",
        "pupil.rekey",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    // The audit entry says which answer each carried-over answer became.
    let log = reg.json(&["audit", "log"]);
    let rekey = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "pupil.rekey")
        .unwrap();
    let carried = rekey["payload"]["consent_answers"].as_array().unwrap();
    assert_eq!(carried.len(), 2, "{rekey}");
    let held: Vec<i64> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    for a in carried {
        assert!(
            held.contains(&a["now_id"].as_i64().unwrap()),
            "{a} in {held:?}"
        );
    }
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

#[test]
fn two_children_with_one_birthday_are_not_merged_unless_a_person_says_so() {
    let reg = Register::with_academy();
    let (amy, ben) = (TEMPORARY, kent(1));
    reg.import(
        "OAK",
        roll(&[
            line(amy, "Twin", "Amy", "24/02/2015", "6"),
            line(&ben, "Twin", "Ben", "24/02/2015", "6"),
        ]),
        &["--academic-year", "2025", "--on", "2025-09-05"],
    );
    let e = reg.bad_input(&["pupils", "rekey", amy, "--to", &ben]);
    assert!(e.contains("the legal names differ"), "{e}");
    assert!(e.contains("--names-differ"), "{e}");
    // A dry run shows the merge and changes nothing.
    let before = reg.fingerprint();
    let r = reg.json(&[
        "pupils",
        "rekey",
        amy,
        "--to",
        &ben,
        "--names-differ",
        "--dry-run",
    ]);
    assert_eq!(
        (r["merged"].as_bool(), r["dry_run"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(before, reg.fingerprint(), "a dry run changes nothing");
    let text = reg.ok(&[
        "pupils",
        "rekey",
        amy,
        "--to",
        &ben,
        "--names-differ",
        "--dry-run",
    ]);
    assert!(text.starts_with("Dry run: nothing was changed"), "{text}");
    // A name corrected in the MIS (the same child): merged once a person says so.
    let r = reg.json(&["pupils", "rekey", amy, "--to", &ben, "--names-differ"]);
    assert_eq!(r["merged"], true, "{r}");
    assert_eq!(
        reg.json(&["pupils", "list", "--include-left", "--on", "2025-10-02"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    reg.audit_ok();
}

/// The office fixes the UPN in ClearShot first, but the MIS still exports the old one: the
/// next import must not make a second record of the child and mark the one holding her forms
/// as left.
#[test]
fn a_roll_still_carrying_a_replaced_upn_is_told_to_fix_the_mis_and_loses_nothing() {
    let reg = nia_under_the_temporary_upn();
    let permanent = kent(1);
    reg.ok(&["pupils", "rekey", TEMPORARY, "--to", &permanent]);
    let report = reg.import(
        "OAK",
        roll(&[
            line(TEMPORARY, "Newkid", "Nia", "24/02/2015", "6"),
            line(&kent(2), "Other", "Olu", "01/03/2015", "6"),
        ]),
        &["--academic-year", "2025", "--on", "2025-10-01"],
    );
    assert_eq!(report["imported"], 1, "only Olu is new: {report}");
    assert_eq!(report["left"], 0, "Nia stays on roll: {report}");
    let reason = report["rejected"][0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(&format!("{TEMPORARY} was replaced by {permanent} on "))
            && reason.contains("correct it in the MIS"),
        "{reason}"
    );
    let list = reg.json(&["pupils", "list", "--include-left", "--on", "2025-10-02"]);
    assert_eq!(
        list.as_array().unwrap().len(),
        2,
        "no second record of Nia: {list}"
    );
    let nia = reg.json(&["pupils", "show", &permanent, "--on", "2025-10-02"]);
    assert!(nia["left_on"].is_null(), "{nia}");
    reg.ok(&["check"]);
}

#[test]
fn two_flags_of_one_kind_merged_are_lifted_together() {
    let reg = nia_under_the_temporary_upn();
    let permanent = kent(1);
    reg.import(
        "OAK",
        roll(&[line(&permanent, "Newkid", "Nia", "24/02/2015", "6")]),
        &["--academic-year", "2025", "--on", "2025-10-01"],
    );
    // The import has flagged the new record too (it may be the same child as a flagged one).
    assert_eq!(
        reg.json(&["pupils", "show", &permanent, "--on", "2025-10-01"])["never_publish"],
        true
    );
    let r = reg.json(&["pupils", "rekey", TEMPORARY, "--to", &permanent]);
    assert_eq!(r["flags"], 1, "{r}");
    let lifted = reg.json(&[
        "pupils",
        "unflag",
        &permanent,
        "--never-publish",
        "--reason",
        "lifted",
        "--on",
        "2025-10-02",
    ]);
    assert_eq!(lifted["flags_cleared"], 2, "both said: {lifted}");
    assert_eq!(
        status(&reg, &permanent, "print"),
        "granted",
        "the flag is lifted"
    );
    reg.audit_ok();
}

/// A parent's yes for the website (Year 6: the parent alone is enough).
fn parent_yes_for_the_website(reg: &Register, upn: &str) {
    reg.ok(&[
        "consent",
        "record",
        upn,
        "--signatory",
        "parent",
        "--signed-on",
        "2025-09-05",
        "--grant",
        "website",
    ]);
}

#[test]
fn a_year_group_corrected_by_the_merge_is_not_a_takedown() {
    let reg = Register::with_academy();
    reg.import(
        "OAK",
        roll(&[line(TEMPORARY, "Newkid", "Nia", "24/02/2015", "6")]),
        &["--academic-year", "2025", "--on", "2025-09-05"],
    );
    parent_yes_for_the_website(&reg, TEMPORARY);
    reg.clear_photo_naming(TEMPORARY);
    // The MIS brings the permanent UPN in Year 7 (a pupil's yes would now be needed too). A
    // re-import correcting the year raises no takedown; neither does the merge: only a "no",
    // a withdrawal or a never-publish flag asks for a post to come down.
    let permanent = kent(1);
    reg.import(
        "OAK",
        roll(&[line(&permanent, "Newkid", "Nia", "24/02/2015", "7")]),
        &["--academic-year", "2025", "--on", "2025-10-01"],
    );
    let r = reg.json(&["pupils", "rekey", TEMPORARY, "--to", &permanent]);
    assert_eq!(r["takedowns_raised"], 0, "{r}");
    let shown = reg.json(&["pupils", "show", &permanent, "--on", "2025-10-02"]);
    assert_eq!(shown["year_group"], 7, "the MIS's year: {shown}");
}

#[test]
fn one_photo_naming_both_records_leaves_one_takedown_task_after_the_merge() {
    let reg = Register::with_academy();
    let permanent = kent(1);
    reg.import(
        "OAK",
        roll(&[
            line(TEMPORARY, "Newkid", "Nia", "24/02/2015", "6"),
            line(&permanent, "Newkid", "Nia", "24/02/2015", "6"),
        ]),
        &["--academic-year", "2025", "--on", "2025-09-05"],
    );
    for upn in [TEMPORARY, permanent.as_str()] {
        parent_yes_for_the_website(&reg, upn);
    }
    reg.clear_photo_naming(&format!("{TEMPORARY},{permanent}"));
    for upn in [TEMPORARY, permanent.as_str()] {
        reg.ok(&[
            "consent",
            "withdraw",
            upn,
            "--signatory",
            "parent",
            "--on",
            "2025-10-05",
        ]);
    }
    let open = |reg: &Register| {
        reg.json(&["takedowns", "list", "--open"])
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(open(&reg), 2, "one task per record");
    let r = reg.json(&["pupils", "rekey", TEMPORARY, "--to", &permanent]);
    assert_eq!(r["duplicate_takedowns_closed"], 1, "{r}");
    assert_eq!(open(&reg), 1, "one task for the one photo of the one child");
    reg.audit_ok();
}

#[test]
fn a_retention_purge_of_a_merged_child_removes_both_records_personal_data() {
    for tampered in [false, true] {
        purge_a_merged_child(tampered);
    }
}

/// `tampered`: the record of the merge is deleted from its table first; the purge goes by the
/// audit log's merges too, so nothing of the merged record is left behind either way.
fn purge_a_merged_child(tampered: bool) {
    let reg = nia_under_the_temporary_upn();
    let permanent = kent(1);
    reg.import(
        "OAK",
        roll(&[line(&permanent, "Newkid", "Nia", "24/02/2015", "6")]),
        &["--academic-year", "2025", "--on", "2025-10-01"],
    );
    reg.json(&["pupils", "rekey", TEMPORARY, "--to", &permanent]);
    if tampered {
        let conn = register::Connection::open(&reg.db).unwrap();
        conn.execute_batch("DELETE FROM pupil_subject_aliases")
            .unwrap();
    }
    // She leaves (the next roll has someone else), and her records are purged.
    reg.import(
        "OAK",
        roll(&[line(&kent(2), "Other", "Olu", "01/03/2015", "6")]),
        &["--academic-year", "2025", "--on", "2025-10-03"],
    );
    let done = reg.json(&["retention", "purge", "--left-before", "2025-12-01"]);
    assert_eq!(done["purged"]["pupils"], 1, "{done}");
    let v = reg.audit_ok();
    assert!(v["redacted"].as_u64().unwrap() >= 4, "{v}");
    // Nothing left in the log names her: no UPN, no name, from either record.
    let log = reg.json(&["audit", "log"]).to_string();
    for needle in [TEMPORARY, permanent.as_str(), "Newkid"] {
        assert!(!log.contains(needle), "{needle} is still in the audit log");
    }
}

#[test]
fn a_photo_already_taken_down_is_not_asked_down_again_by_a_merge() {
    let reg = nia_under_the_temporary_upn();
    reg.ok(&[
        "pupils",
        "unflag",
        TEMPORARY,
        "--never-publish",
        "--reason",
        "set in error",
        "--on",
        "2025-09-06",
    ]);
    let permanent = kent(1);
    reg.import(
        "OAK",
        roll(&[line(&permanent, "Newkid", "Nia", "24/02/2015", "6")]),
        &["--academic-year", "2025", "--on", "2025-10-01"],
    );
    parent_yes_for_the_website(&reg, &permanent);
    reg.clear_photo_naming(&permanent);
    reg.ok(&[
        "consent",
        "withdraw",
        &permanent,
        "--signatory",
        "parent",
        "--on",
        "2025-10-05",
    ]);
    let tasks = reg.json(&["takedowns", "list", "--open"]);
    let id = tasks[0]["id"].as_i64().unwrap().to_string();
    reg.ok(&[
        "takedowns",
        "done",
        &id,
        "--note",
        "removed from the website",
    ]);
    let r = reg.json(&["pupils", "rekey", TEMPORARY, "--to", &permanent]);
    assert_eq!(r["takedowns_raised"], 0, "the post is already down: {r}");
    let open = reg.json(&["takedowns", "list", "--open"]);
    assert!(open.as_array().unwrap().is_empty(), "{open}");
}

#[test]
fn the_record_of_merged_pupils_is_checked_against_the_audit_log_and_repaired_from_it() {
    let reg = nia_under_the_temporary_upn();
    let permanent = kent(1);
    reg.import(
        "OAK",
        roll(&[line(&permanent, "Newkid", "Nia", "24/02/2015", "6")]),
        &["--academic-year", "2025", "--on", "2025-10-01"],
    );
    reg.json(&["pupils", "rekey", TEMPORARY, "--to", &permanent]);
    reg.ok(&["check"]);
    let sql = |q: &str| {
        let conn = register::Connection::open(&reg.db).unwrap();
        conn.execute_batch(q).unwrap();
    };
    // Someone with the sqlite3 shell deletes the record of the merge...
    sql("DELETE FROM pupil_subject_aliases");
    let out = reg.run(&["check"]);
    assert!(!out.status.success(), "check must report it");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("merged pupils"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // ...and blanks the merged record's entries: still a child on the register, not a purge.
    sql("DROP TRIGGER audit_log_redact_only;
         UPDATE audit_log SET payload = NULL
         WHERE action = 'pupil.add' AND subject <> (SELECT 'pupil:' || subject_id FROM pupils);");
    let out = reg.run(&["audit", "verify"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("has had its details removed"), "{said}");
    // A fresh register: the table deleted alone is rebuilt from the log by --repair.
    let reg = nia_under_the_temporary_upn();
    reg.import(
        "OAK",
        roll(&[line(&permanent, "Newkid", "Nia", "24/02/2015", "6")]),
        &["--academic-year", "2025", "--on", "2025-10-01"],
    );
    reg.json(&["pupils", "rekey", TEMPORARY, "--to", &permanent]);
    let conn = register::Connection::open(&reg.db).unwrap();
    conn.execute_batch("DELETE FROM pupil_subject_aliases")
        .unwrap();
    drop(conn);
    let repaired = reg.json(&["check", "--repair"]);
    assert!(
        repaired["repaired"][0]
            .as_str()
            .unwrap()
            .contains("record of merged pupils"),
        "{repaired}"
    );
    reg.ok(&["check"]);
    let sar = reg.path("sar");
    reg.ok(&[
        "pupils",
        "export",
        &permanent,
        "--out",
        sar.to_str().unwrap(),
    ]);
    let data = std::fs::read_to_string(sar.join("pupil.json")).unwrap();
    assert!(
        data.contains("pupil.merged_away"),
        "the merged record's entries are back"
    );
}
