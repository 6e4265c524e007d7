//! `clearshot backup`, `restore` and `check` through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod data_common;

use std::path::Path;

use data_common::{Register, roll_csv, upn};
use serde_json::Value;

fn sha256sum(path: &Path) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

/// Pupil `n`'s parent withdraws every channel from 1 October 2025.
fn withdraw_parent(r: &Register, n: u32) {
    r.ok(&[
        "consent",
        "withdraw",
        &upn(n),
        "--signatory",
        "parent",
        "--on",
        "2025-10-01",
    ]);
}

/// A register with 20 pupils and one consent form with a scanned form as evidence.
fn populated() -> (Register, String) {
    let r = Register::with_academy();
    r.import_oak(&roll_csv(0, 20, "Smith"));
    let form = r.write("form.pdf", b"%PDF-1.4 scanned consent form of pupil 0");
    r.ok(&[
        "consent",
        "record",
        &upn(0),
        "--signatory",
        "parent",
        "--signed-on",
        "2025-09-10",
        "--grant",
        "website,print",
        "--evidence",
        form.to_str().unwrap(),
    ]);
    let hash = sha256sum(&form);
    (r, hash)
}

fn pupil_count(r: &Register) -> usize {
    r.json(&["pupils", "list", "--include-left", "--on", "2025-10-01"])
        .as_array()
        .unwrap()
        .len()
}

fn manifest(file: &Path) -> Value {
    let text = std::fs::read_to_string(format!("{}.manifest.json", file.display())).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn a_backup_taken_while_the_app_holds_a_write_transaction_is_a_consistent_verified_copy() {
    let (r, hash) = populated();
    // The "app": another connection in the middle of an uncommitted write.
    let mut app = register::db::open(&r.db).unwrap();
    let tx = register::begin(&mut app).unwrap();
    tx.execute(
        "INSERT INTO settings (key, value) VALUES ('uncommitted', 'x')",
        [],
    )
    .unwrap();

    let file = r.path("backups/monday.sqlite3");
    let made = r.json(&["backup", "--out", file.to_str().unwrap()]);
    tx.commit().unwrap();

    let m = manifest(&file);
    assert_eq!(
        made["manifest"], m,
        "the command reports the manifest it wrote"
    );
    assert_eq!(
        m["sha256"],
        sha256sum(&file),
        "the manifest names the file's hash"
    );
    assert_eq!(m["tables"]["pupils"], 20);
    assert_eq!(m["tables"]["consent_answers"], 2);
    assert_eq!(
        m["tables"]["settings"], 0,
        "an uncommitted write of another connection is not in the copy"
    );
    assert_eq!(m["schema_version"], register::db::schema_version());
    let live = r.audit_ok();
    assert_eq!(m["audit_entries"], live["entries"]);
    assert_eq!(m["audit_head"], live["head"]);
    assert_eq!(m["evidence"], serde_json::json!([hash]));
    let copied = r.path("backups/monday.sqlite3.evidence").join(&hash);
    assert_eq!(sha256sum(&copied), hash);
    #[cfg(unix)]
    {
        use data_common::mode;
        assert_eq!(mode(&file), 0o600, "the backup holds children's data");
        assert_eq!(mode(&r.path("backups")), 0o700);
        assert_eq!(mode(&r.path("backups/monday.sqlite3.evidence")), 0o700);
        assert_eq!(mode(&copied), 0o600);
    }
    // A backup never overwrites.
    let again = r.run(&["backup", "--out", file.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[test]
fn restore_brings_back_the_backup_keeps_the_replaced_register_and_its_evidence() {
    let (r, hash) = populated();
    let file = r.path("b.sqlite3");
    r.ok(&["backup", "--out", file.to_str().unwrap()]);
    // Life goes on after the backup: more pupils, and the evidence folder is lost.
    r.import_oak(&roll_csv(100, 5, "Jones"));
    assert_eq!(pupil_count(&r), 25);
    std::fs::remove_dir_all(r.path("register.sqlite3.evidence")).unwrap();
    assert_eq!(r.run(&["check"]).status.code(), Some(1), "evidence missing");

    let out = r.json(&["restore", file.to_str().unwrap()]);
    assert_eq!(pupil_count(&r), 20, "the backup's content is live again");
    assert_eq!(out["evidence_restored"], 1);
    assert_eq!(
        out["entries_only_in_replaced"], 6,
        "five pupils and their import were recorded after the backup"
    );
    let evidence = r.path("register.sqlite3.evidence").join(&hash);
    assert_eq!(sha256sum(&evidence), hash);
    let check = r.run(&["check"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let log = r.json(&["audit", "log"]);
    assert_eq!(
        log.as_array().unwrap().last().unwrap()["action"],
        "register.restore",
        "the restore itself is audited"
    );

    let replaced = Path::new(out["replaced"].as_str().unwrap());
    assert!(
        replaced
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("register.sqlite3.replaced-")
    );
    let old = data_common::command(replaced, &["--json", "pupils", "list", "--include-left"])
        .output()
        .unwrap();
    let old: Value = serde_json::from_slice(&old.stdout).unwrap();
    assert_eq!(
        old.as_array().unwrap().len(),
        25,
        "the replaced register, with the later changes, is kept aside"
    );
}

/// A form scanned after the backup is the replaced register's: a restore copies it into the
/// replaced register's own evidence folder, so that `check --repair` tidying the live folder
/// (where nothing refers to it any more) loses nothing.
#[test]
fn a_form_scanned_after_the_backup_stays_with_the_replaced_register() {
    let (r, _) = populated();
    let file = r.path("b.sqlite3");
    r.ok(&["backup", "--out", file.to_str().unwrap()]);
    let form = r.write(
        "late.pdf",
        b"%PDF-1.4 the form of pupil 3, scanned after the backup",
    );
    let late = sha256sum(&form);
    r.ok(&[
        "consent",
        "record",
        &upn(3),
        "--signatory",
        "parent",
        "--signed-on",
        "2025-09-12",
        "--grant",
        "website",
        "--evidence",
        form.to_str().unwrap(),
    ]);
    // Restored, with something left to do: the form is to be recorded again (exit 1).
    let run = r.run(&["--json", "restore", file.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1));
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(
        said.contains("1 consent form(s) recorded after this backup are undone: record them again"),
        "{said}"
    );
    let out: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(out["evidence_kept_with_replaced"], 1, "{out}");
    let replaced = std::path::PathBuf::from(out["replaced"].as_str().unwrap());
    let kept = std::path::PathBuf::from(format!("{}.evidence", replaced.display())).join(&late);
    assert_eq!(sha256sum(&kept), late);
    // The replaced register, opened where it is, finds its form and is healthy.
    let check = data_common::command(&replaced, &["--json", "check"])
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    // The text says where, and what to do.
    let (r2, _) = populated();
    let file2 = r2.path("b.sqlite3");
    r2.ok(&["backup", "--out", file2.to_str().unwrap()]);
    let form2 = r2.write("late.pdf", b"%PDF-1.4 another late form");
    r2.ok(&[
        "consent",
        "record",
        &upn(4),
        "--signatory",
        "parent",
        "--signed-on",
        "2025-09-12",
        "--grant",
        "website",
        "--evidence",
        form2.to_str().unwrap(),
    ]);
    let text =
        String::from_utf8_lossy(&r2.run(&["restore", file2.to_str().unwrap()]).stdout).into_owned();
    assert!(
        text.contains(
            "1 scanned form(s) recorded after the backup are kept with the replaced register"
        ),
        "{text}"
    );
}

/// What a restore undoes that decides whether a photo may go out is named (exit 1): a
/// never-publish flag and a withdrawal recorded after the backup, by pupil. A backup of another
/// register (its audit log is not the start of this one's) is said to be no earlier copy.
#[test]
fn a_restore_names_the_flags_and_withdrawals_it_undoes_and_another_registers_backup() {
    let (r, _) = populated();
    let file = r.path("b.sqlite3");
    r.ok(&["backup", "--out", file.to_str().unwrap()]);
    r.ok(&[
        "pupils",
        "flag",
        &upn(1),
        "--never-publish",
        "--reason",
        "court order",
    ]);
    withdraw_parent(&r, 2);
    let run = r.run(&["restore", file.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1));
    let said = String::from_utf8_lossy(&run.stderr);
    for says in [
        format!(
            "a never-publish flag set after this backup is undone for {}",
            upn(1)
        ),
        format!(
            "a consent withdrawal recorded after this backup is undone for {}",
            upn(2)
        ),
    ] {
        assert!(said.contains(&says), "{says}: {said}");
    }
    // A newer backup over an older register, or the same one again: nothing undone.
    r.ok(&["restore", file.to_str().unwrap()]);

    let other = Register::with_academy();
    let theirs = other.path("theirs.sqlite3");
    other.ok(&["academies", "add", "ELM", "--name", "Elm"]);
    other.ok(&["backup", "--out", theirs.to_str().unwrap()]);
    let run = r.run(&["restore", theirs.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1));
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(
        said.contains("this backup is not an earlier copy of the register it replaced"),
        "{said}"
    );
    // Its entries are no "changes made after the backup".
    assert!(
        !String::from_utf8_lossy(&run.stdout).contains("changes made after the backup"),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    // `audit verify --against` the register's own earlier backup now says the same, at the
    // first entry.
    let v = r.run(&[
        "--json",
        "audit",
        "verify",
        "--against",
        file.to_str().unwrap(),
    ]);
    let v: Value = serde_json::from_slice(&v.stdout).unwrap();
    assert_eq!(v["first_bad_seq"], 1, "{v}");
    assert!(
        v["problem"]
            .as_str()
            .unwrap()
            .contains("is of another register"),
        "{v}"
    );
}

/// A backup made before an upgrade (here one taken back to schema 7, as the previous release
/// wrote it, with a withdrawal and a scanned form) is checked and restored by this version: its
/// checks run on a migrated private copy, where they once failed on a column it lacks.
#[test]
fn a_backup_made_by_the_previous_release_is_checked_and_restored() {
    let (r, _) = populated();
    withdraw_parent(&r, 2);
    let file = r.path("old.sqlite3");
    r.ok(&["backup", "--out", file.to_str().unwrap()]);
    // Back to schema 7: no withdrawal details (8), no name order (9).
    {
        let c = register::Connection::open(&file).unwrap();
        c.execute_batch(
            "DROP INDEX pupils_roll_order; ALTER TABLE pupils DROP COLUMN sort_key;
             CREATE INDEX pupils_roll_order ON pupils(academy_id, legal_surname COLLATE NOCASE,
                 legal_forename COLLATE NOCASE, upn, preferred_forename, reg_group, year_group,
                 year_group_academic_year, left_on, joined_on);
             ALTER TABLE consent_withdrawals DROP COLUMN signer_name;
             ALTER TABLE consent_withdrawals DROP COLUMN relationship;
             ALTER TABLE consent_withdrawals DROP COLUMN note;
             ALTER TABLE consent_withdrawals DROP COLUMN evidence_sha256;
             PRAGMA user_version = 7; VACUUM;",
        )
        .unwrap();
    }
    // Its manifest, as that release wrote it for this file.
    let manifest_path = r.path("old.sqlite3.manifest.json");
    let mut manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    manifest["sha256"] = Value::from(sha256sum(&file));
    manifest["bytes"] = Value::from(std::fs::metadata(&file).unwrap().len());
    manifest["schema_version"] = Value::from(7);
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();

    let run = r.run(&["--json", "restore", file.to_str().unwrap()]);
    assert!(
        run.status.code() == Some(0) || run.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    r.ok(&["check"]);
    let shown = r.ok(&["pupils", "show", &upn(2)]);
    assert!(shown.contains("withdr"), "{shown}");
}

/// Restoring a backup made before a retention purge brings the purged pupils back: the restore
/// says so (exit 1), naming the purge to run again.
#[test]
fn a_restore_that_undoes_a_retention_purge_says_so() {
    let (r, _) = populated();
    let file = r.path("b.sqlite3");
    r.ok(&["backup", "--out", file.to_str().unwrap()]);
    // Pupils 10-19 leave in 2025; the purge of those who left before 2026 deletes them.
    r.import(
        "OAK",
        roll_csv(0, 10, "Smith"),
        &[
            "--academic-year",
            "2025",
            "--on",
            "2025-10-01",
            "--allow-many-leavers",
        ],
    );
    let done = r.json(&["retention", "purge", "--left-before", "2026-01-01"]);
    assert_eq!(done["purged"]["pupils"], 10, "{done}");
    let out = r.run(&["restore", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("a retention purge made after this backup")
            && err.contains("of 10 pupil(s) who left before 2026-01-01) is undone")
            && err.contains("run `clearshot retention purge` again"),
        "{err}"
    );
    assert_eq!(pupil_count(&r), 20, "restored as the backup was");
}

#[test]
fn a_backup_that_fails_any_check_is_refused_and_the_register_left_alone() {
    let (r, _) = populated();
    let file = r.path("b.sqlite3");
    r.ok(&["backup", "--out", file.to_str().unwrap()]);
    let before = std::fs::read(&r.db).unwrap();
    let fingerprint = || {
        (
            pupil_count(&r),
            r.audit_ok()["head"].clone(),
            // No `register.sqlite3.replaced-…` appears.
            std::fs::read_dir(r.dir.path())
                .unwrap()
                .filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .starts_with("register.sqlite3")
                })
                .count(),
        )
    };
    let reference = fingerprint();

    // 1. One byte of the file changed: the manifest hash says so.
    let mut bytes = std::fs::read(&file).unwrap();
    let tampered = r.path("t1.sqlite3");
    let n = bytes.len() - 100;
    bytes[n] ^= 0x55;
    std::fs::write(&tampered, &bytes).unwrap();
    std::fs::copy(
        r.path("b.sqlite3.manifest.json"),
        r.path("t1.sqlite3.manifest.json"),
    )
    .unwrap();
    let out = r.run(&["restore", tampered.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has changed since it was made"), "{err}");
    assert!(err.contains("not restored"), "{err}");

    // 2. No manifest: an incomplete backup.
    let bare = r.path("t2.sqlite3");
    std::fs::copy(&file, &bare).unwrap();
    let out = r.run(&["restore", bare.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("manifest.json is missing"));

    // 3. An audit entry rewritten and the manifest forged to match: the chain catches it.
    let forged = r.path("t3.sqlite3");
    std::fs::copy(&file, &forged).unwrap();
    {
        let c = register::Connection::open(&forged).unwrap();
        c.execute_batch(
            "DROP TRIGGER audit_log_redact_only;
             UPDATE audit_log SET actor = 'mallory' WHERE seq = 2;",
        )
        .unwrap();
    }
    let mut m = manifest(&file);
    m["sha256"] = Value::String(sha256sum(&forged));
    m["bytes"] = std::fs::metadata(&forged).unwrap().len().into();
    std::fs::write(
        r.path("t3.sqlite3.manifest.json"),
        serde_json::to_string(&m).unwrap(),
    )
    .unwrap();
    let out = r.run(&["restore", forged.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("audit log") && err.contains("entry 2"),
        "{err}"
    );

    assert_eq!(fingerprint(), reference, "nothing was replaced");
    assert_eq!(std::fs::read(&r.db).unwrap().len(), before.len());
}

#[test]
fn restore_replaces_a_register_that_can_no_longer_be_opened() {
    let (r, _) = populated();
    let file = r.path("b.sqlite3");
    r.ok(&["backup", "--out", file.to_str().unwrap()]);
    std::fs::write(&r.db, b"this laptop's disk ate the register").unwrap();
    let _ = std::fs::remove_file(r.path("register.sqlite3-wal"));
    let _ = std::fs::remove_file(r.path("register.sqlite3-shm"));
    assert_eq!(r.run(&["check"]).status.code(), Some(1));
    let out = r.json(&["restore", file.to_str().unwrap()]);
    assert_eq!(pupil_count(&r), 20);
    let aside = out["replaced"].as_str().unwrap();
    assert_eq!(
        std::fs::read(aside).unwrap(),
        b"this laptop's disk ate the register",
        "the broken file is kept, not deleted"
    );
    #[cfg(unix)]
    assert_eq!(data_common::mode(&r.db), 0o600);
    r.audit_ok();
}

#[test]
fn check_passes_a_healthy_register_and_names_each_kind_of_damage() {
    let (r, hash) = populated();
    let ok = r.run(&["check"]);
    assert_eq!(ok.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("all checks passed"));

    // A scanned form altered on disk.
    let evidence = r.path("register.sqlite3.evidence").join(&hash);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&evidence, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    std::fs::write(&evidence, b"something else").unwrap();
    let out = r.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("has been altered"), "{text}");
    std::fs::remove_file(&evidence).unwrap();
    let text = String::from_utf8_lossy(&r.run(&["check"]).stdout).into_owned();
    assert!(text.contains("is missing"), "{text}");

    // The audit log edited behind ClearShot's back, and a row pointing nowhere.
    {
        let c = register::Connection::open(&r.db).unwrap();
        c.execute_batch(
            "DROP TRIGGER audit_log_redact_only;
             UPDATE audit_log SET at = '2020-01-01T00:00:00Z' WHERE seq = 3;
             PRAGMA foreign_keys = OFF;
             INSERT INTO holds (academy_id, reason, started_on, started_by) VALUES (99, 'x', '2025-01-01', 'x');",
        )
        .unwrap();
    }
    let out = r.json_status(&["check"]);
    assert_eq!(out.0, 1);
    let problems = out.1["report"]["problems"].as_array().unwrap().clone();
    let all = serde_json::to_string(&problems).unwrap();
    assert!(
        all.contains("audit log has been tampered with or damaged at entry 3"),
        "{all}"
    );
    assert!(
        all.contains("1 row(s) of holds point at a missing row of academies"),
        "{all}"
    );
    assert!(all.contains("evidence file"), "{all}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&r.db, std::fs::Permissions::from_mode(0o644)).unwrap();
        let text = String::from_utf8_lossy(&r.run(&["check"]).stdout).into_owned();
        assert!(text.contains("can be read by other users"), "{text}");
    }
}

#[test]
fn a_consent_summary_out_of_step_with_the_answers_is_reported_and_repaired() {
    let (r, _) = populated();
    let status = |r: &Register| {
        r.json(&[
            "consent",
            "status",
            "--upn",
            &upn(0),
            "--channel",
            "website",
            "--on",
            "2025-10-01",
        ])[0]["still_needed"]
            .clone()
    };
    // The parent's form is on record: only the pupil is still needed.
    let before = status(&r);
    assert_eq!(before, serde_json::json!(["pupil"]));
    {
        let c = register::Connection::open(&r.db).unwrap();
        c.execute_batch("DELETE FROM consent_digests").unwrap();
    }
    let (code, out) = r.json_status(&["check"]);
    assert_eq!(code, 1);
    let all = serde_json::to_string(&out["report"]["problems"]).unwrap();
    assert!(
        all.contains("consent summary of 1 pupil(s) does not match their recorded answers"),
        "{all}"
    );
    assert!(all.contains("clearshot check --repair"), "{all}");

    let repaired = r.run(&["check", "--repair"]);
    assert_eq!(repaired.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&repaired.stderr)
            .contains("rebuilt the consent summary of 1 pupil(s)")
    );
    assert_eq!(status(&r), before);
    // The repair is on the record, and a second one has nothing to do.
    let log = r.json(&["audit", "log"]);
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "register.repair"),
        "{log}"
    );
    let again = r.run(&["check", "--repair"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&again.stderr).is_empty());
    r.audit_ok();
}

/// What `check` says names the field that was changed, with both values: a signer's name
/// edited, a flag moved to another child. And where the log itself was damaged, it says that a
/// difference may be the log's, so that a genuine safeguarding flag is not lifted because of it.
#[test]
fn check_names_the_field_changed_and_doubts_itself_when_the_log_is_damaged() {
    let (r, _) = populated();
    r.ok(&[
        "consent",
        "record",
        &upn(1),
        "--signatory",
        "parent",
        "--signer-name",
        "Jane Smith",
        "--refuse",
        "website",
        "--signed-on",
        "2025-09-20",
    ]);
    r.ok(&[
        "pupils",
        "flag",
        &upn(2),
        "--never-publish",
        "--reason",
        "court order",
    ]);
    r.ok(&["check"]);
    r.edit_behind_the_back(&format!(
        "DROP TRIGGER consent_answers_no_update;
         UPDATE consent_answers SET signer_name = 'John Smith' WHERE signer_name = 'Jane Smith';
         UPDATE pupil_flags SET pupil_id = (SELECT id FROM pupils WHERE upn = '{}');",
        upn(3)
    ));
    let (code, out) = r.json_status(&["check"]);
    assert_eq!(code, 1);
    let all = serde_json::to_string(&out["report"]["problems"]).unwrap();
    for says in [
        r#"signer name \"John Smith\" (the log: \"Jane Smith\")"#.to_owned(),
        format!("flag #1 of pupil {} says never_publish", upn(3)),
        format!("recorded for pupil {}", upn(2)),
    ] {
        assert!(all.contains(&says), "{says}: {all}");
    }
    assert!(
        !all.contains("court order"),
        "a flag's reason is never quoted: {all}"
    );
    assert!(!all.contains("may be in the log"), "{all}");

    // The log damaged instead: the flag's entry blanked. The flag is genuine.
    let (r, _) = populated();
    r.ok(&[
        "pupils",
        "flag",
        &upn(2),
        "--never-publish",
        "--reason",
        "court order",
    ]);
    r.edit_behind_the_back("UPDATE audit_log SET payload = NULL WHERE action = 'flag.set'");
    let all = r.check_problems();
    assert!(
        all.contains("may be in the log rather than in the records")
            && all.contains("do not lift a flag"),
        "{all}"
    );
}

/// A parent's "no" turned into a "yes" with `sqlite3`, behind the append-only triggers: the
/// chain still verifies, but `check` compares the answers with the entries that recorded them,
/// and `--repair` will not rebuild the consent summary from answers the log does not vouch for.
#[test]
fn check_finds_an_answer_edited_behind_the_triggers_and_repair_leaves_it_alone() {
    let (r, _) = populated();
    r.ok(&[
        "consent",
        "record",
        &upn(1),
        "--signatory",
        "parent",
        "--refuse",
        "website",
        "--signed-on",
        "2025-09-20",
    ]);
    r.audit_ok();
    {
        let c = register::Connection::open(&r.db).unwrap();
        c.execute_batch(
            "DROP TRIGGER consent_answers_no_update;
             UPDATE consent_answers SET granted = 1 WHERE granted = 0 AND channel = 'website';",
        )
        .unwrap();
    }
    // The audit chain itself is intact.
    let verify = r.json(&["audit", "verify"]);
    assert_eq!(verify["ok"], true, "{verify}");
    let (code, out) = r.json_status(&["check"]);
    assert_eq!(code, 1);
    let all = serde_json::to_string(&out["report"]["problems"]).unwrap();
    assert!(
        all.contains(&format!("of pupil {} says parent granted website, signed 2025-09-20, but the audit log recorded parent answered, signed 2025-09-20 (the form: refused website)", upn(1))),
        "{all}"
    );
    assert!(
        all.contains("the register file was edited outside ClearShot"),
        "{all}"
    );
    let repaired = r.run(&["check", "--repair"]);
    assert_eq!(repaired.status.code(), Some(1));
    let err = String::from_utf8_lossy(&repaired.stderr);
    assert!(
        err.contains("did not repair: the consent summary of 1 pupil(s) was not rebuilt: the consent records differ from the audit log"),
        "{err}"
    );
    // The summary still disagrees with the edited answers, so status reports are refused
    // rather than built on the edit.
    let (code, again) = r.json_status(&["check"]);
    assert_eq!(code, 1);
    assert!(
        serde_json::to_string(&again["report"]["problems"])
            .unwrap()
            .contains("consent summary of 1 pupil(s) does not match"),
        "{again}"
    );
}

#[test]
fn check_reports_a_damaged_database_file() {
    let (r, _) = populated();
    // Fold the WAL into the main file, then damage pages in the middle of it.
    {
        let c = register::Connection::open(&r.db).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    }
    let mut bytes = std::fs::read(&r.db).unwrap();
    let page = 4096;
    assert!(bytes.len() > 6 * page);
    for b in &mut bytes[3 * page + 100..5 * page] {
        *b = 0xA5;
    }
    std::fs::write(&r.db, &bytes).unwrap();
    let out = r.run(&["check"]);
    assert_eq!(out.status.code(), Some(1), "a damaged file fails the check");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("PROBLEM"),
        "the check says plainly what is wrong: {text}"
    );
}

trait JsonStatus {
    fn json_status(&self, args: &[&str]) -> (i32, Value);
}

impl JsonStatus for Register {
    fn json_status(&self, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        (
            out.status.code().unwrap(),
            serde_json::from_slice(&out.stdout).unwrap(),
        )
    }
}

#[test]
fn a_scanned_form_no_record_refers_to_is_reported_and_deleted_by_repair() {
    let (r, hash) = populated();
    let dir = r.path("register.sqlite3.evidence");
    // A form left by a purge or a recording interrupted over an hour ago, and one written a
    // moment ago (its record may be about to commit): only the old one is an orphan.
    let old_form = b"%PDF-1.4 a form whose record was purged";
    let old_hash = sha256sum(&r.write("old.pdf", old_form));
    let fresh_form = b"%PDF-1.4 a form being recorded right now";
    let fresh_hash = sha256sum(&r.write("fresh.pdf", fresh_form));
    std::fs::write(dir.join(&old_hash), old_form).unwrap();
    std::fs::write(dir.join(&fresh_hash), fresh_form).unwrap();
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::options()
        .append(true)
        .open(dir.join(&old_hash))
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();

    let out = r.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("1 scanned form(s) in the evidence folder belong to no consent record"),
        "{text}"
    );
    let out = r.run(&["check", "--repair"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!dir.join(&old_hash).exists(), "the orphan is deleted");
    assert!(
        dir.join(&fresh_hash).exists(),
        "a form written a moment ago stays"
    );
    assert!(dir.join(&hash).exists(), "a form a record refers to stays");
    let log = r.json(&["audit", "log"]);
    let last = log.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "evidence.orphans_deleted", "{last}");
    r.audit_ok();
}

#[test]
fn entries_removed_from_the_end_of_the_audit_log_show_against_a_backup() {
    let (r, _) = populated();
    let file = r.path("b.sqlite3");
    r.ok(&["backup", "--out", file.to_str().unwrap()]);
    r.ok(&["settings", "set", "retention-years", "7"]);
    r.ok(&["audit", "verify", "--against", file.to_str().unwrap()]);
    // Someone with the sqlite3 shell removes the newest entries (and what they recorded).
    {
        let c = register::Connection::open(&r.db).unwrap();
        c.execute_batch(
            "DROP TRIGGER audit_log_no_delete;
             DELETE FROM settings;
             DELETE FROM audit_log WHERE seq >= (SELECT max(seq) - 2 FROM audit_log);",
        )
        .unwrap();
    }
    // The chain alone cannot tell: it verifies.
    r.audit_ok();
    let manifest = format!("{}.manifest.json", file.display());
    let (code, v) = r.json_status(&["audit", "verify", "--against", &manifest]);
    assert_eq!(code, 1, "{v}");
    assert!(
        v["problem"]
            .as_str()
            .unwrap()
            .contains("fewer entries than"),
        "{v}"
    );
}

#[test]
fn a_backup_says_when_a_scanned_form_is_missing_from_the_register() {
    let (r, hash) = populated();
    std::fs::remove_file(r.path("register.sqlite3.evidence").join(&hash)).unwrap();
    let file = r.path("b.sqlite3");
    let out = r.run(&["backup", "--out", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let m = manifest(&file);
    let problems = serde_json::to_string(&m["problems"]).unwrap();
    assert!(
        problems.contains(&hash) && problems.contains("missing"),
        "{problems}"
    );
}
