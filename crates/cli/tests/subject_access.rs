//! Subject access (`clearshot pupils export`) and least privilege, through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod data_common;

use data_common::{HEADER, Register, upn};
use serde_json::Value;

fn sha256sum(path: &std::path::Path) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

/// Pupil 0 has a hostile-looking name, a scanned form, a clearance, a never-publish flag (so a
/// takedown task) and a withdrawal; pupil 1 is someone else whose data must not leak.
fn register() -> Register {
    let r = Register::with_academy();
    r.import_oak(&format!(
        "{HEADER}\n{},<script>alert(1)</script>,Zoë,,2011-03-01,9,9A,1\n{},Otherfamily,Sam,,2011-04-01,9,9A,2\n",
        upn(0),
        upn(1)
    ));
    r
}

#[test]
fn the_export_holds_everything_on_one_pupil_and_nothing_on_anyone_else() {
    let r = register();
    let form = r.write("form.pdf", b"%PDF-1.4 the scanned form");
    let letter = r.write(
        "letter.pdf",
        b"%PDF-1.4 the pupil's letter withdrawing consent",
    );
    r.ok(&[
        "consent",
        "record",
        &upn(0),
        "--signatory",
        "parent",
        "--signed-on",
        "2025-09-01",
        "--grant",
        "print",
        "--refuse",
        "press",
        "--signer-name",
        "Parent Of Zoë",
        "--relationship",
        "mother",
        "--evidence",
        form.to_str().unwrap(),
    ]);
    r.ok(&[
        "consent",
        "record",
        &upn(1),
        "--signatory",
        "parent",
        "--signed-on",
        "2025-09-01",
        "--grant",
        "print",
        "--signer-name",
        "Otherparent",
    ]);
    let clearance = r.clear_photo_of(&upn(0));
    r.ok(&[
        "pupils",
        "flag",
        &upn(0),
        "--never-publish",
        "--reason",
        "child protection plan",
        "--on",
        "2025-10-02",
    ]);
    r.ok(&[
        "consent",
        "withdraw",
        &upn(0),
        "--signatory",
        "pupil",
        "--on",
        "2025-10-03",
        "--channels",
        "website",
        "--note",
        "told the head of year",
        "--evidence",
        letter.to_str().unwrap(),
    ]);

    // The flag raised a takedown task for the cleared photo; its export is now refused, and
    // the task is ticked off: both belong in the export.
    let refused = r.run(&[
        "photos",
        "export",
        "--clearance",
        &clearance,
        data_common::photo_path().to_str().unwrap(),
        "--out",
        r.path("copies").to_str().unwrap(),
        "--on",
        "2025-10-04",
    ]);
    assert_eq!(refused.status.code(), Some(1));
    r.ok(&["takedowns", "done", "1", "--note", "post removed"]);
    let out = r.path("sar");
    let report = r.json(&[
        "pupils",
        "export",
        &upn(0),
        "--out",
        out.to_str().unwrap(),
        "--on",
        "2025-10-05",
    ]);
    assert_eq!(
        report["evidence_files"], 2,
        "the form and the withdrawal's letter"
    );

    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("pupil.json")).unwrap()).unwrap();
    assert_eq!(json["format"], "clearshot-subject-access/1");
    assert_eq!(json["pupil"]["upn"], upn(0).as_str());
    assert_eq!(json["pupil"]["legal_surname"], "<script>alert(1)</script>");
    assert_eq!(json["pupil"]["year_group"], 9);
    // The safeguarding reason is withheld from the export, in the flags and in the audit
    // entries alike: the person asking may be the one the child is protected from.
    assert!(
        json["flags"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("(withheld: safeguarding"),
        "{}",
        json["flags"][0]
    );
    assert_eq!(json["safeguarding_reasons_included"], false);
    for file in ["pupil.json", "summary.html"] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        assert!(
            !text.contains("child protection plan"),
            "{file} leaks the reason"
        );
    }
    // The DPO can decide otherwise.
    let out2 = r.path("sar-with-reasons");
    r.ok(&[
        "pupils",
        "export",
        &upn(0),
        "--out",
        out2.to_str().unwrap(),
        "--on",
        "2025-10-05",
        "--include-safeguarding-reasons",
    ]);
    let json2: Value =
        serde_json::from_str(&std::fs::read_to_string(out2.join("pupil.json")).unwrap()).unwrap();
    assert_eq!(
        json2["flags"][0]["reason"], "child protection plan",
        "flags come with their reasons when the DPO asks"
    );
    let answers = json["consent_answers"].as_array().unwrap();
    assert_eq!(
        answers.len(),
        4,
        "print yes, press no, and parent + pupil for the clearance"
    );
    assert!(
        answers
            .iter()
            .any(|a| a["channel"] == "press" && a["granted"] == false)
    );
    assert_eq!(json["consent_withdrawals"][0]["channel"], "website");
    assert_eq!(
        json["consent_withdrawals"][0]["note"],
        "told the head of year"
    );
    let letter_hash = sha256sum(&letter);
    assert_eq!(
        json["consent_withdrawals"][0]["evidence_sha256"],
        letter_hash.as_str()
    );
    assert_eq!(json["clearances"][0]["id"], clearance.as_str());
    assert_eq!(json["takedowns"][0]["clearance_id"], clearance.as_str());
    let actions: Vec<&str> = json["audit_entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "pupil.add",
        "consent.record",
        "photo.check",
        "flag.set",
        "takedown.raise",
        "consent.withdraw",
        "photo.export_refused",
        "takedown.done",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }

    // The scanned form, verified, and openable by its type.
    let hash = sha256sum(&form);
    let copy = out.join(format!("evidence/{hash}.pdf"));
    assert_eq!(sha256sum(&copy), hash);
    assert_eq!(json["evidence"][0]["verified"], true);
    assert_eq!(
        sha256sum(&out.join(format!("evidence/{letter_hash}.pdf"))),
        letter_hash
    );

    // The readable page escapes what it shows and links the evidence.
    let html = std::fs::read_to_string(out.join("summary.html")).unwrap();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<script>"), "a name is never markup");
    assert!(html.contains(&format!("href=\"evidence/{hash}.pdf\"")));
    assert!(html.contains(&format!("href=\"evidence/{letter_hash}.pdf\"")));
    assert!(html.contains("told the head of year"));
    assert!(html.contains("withheld: safeguarding"));

    // Nothing about the other pupil.
    let all = format!("{json}{html}");
    for other in ["Otherfamily", "Otherparent", upn(1).as_str()] {
        assert!(!all.contains(other), "{other} leaked into the export");
    }

    // The export is itself in the audit log, under the pupil's pseudonymous subject.
    let log = r.json(&["audit", "log"]);
    let last = log.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "pupil.export");
    assert_eq!(
        last["subject"],
        format!("pupil:{}", json["pupil"]["subject_id"].as_str().unwrap())
    );
    r.audit_ok();

    #[cfg(unix)]
    {
        use data_common::mode;
        assert_eq!(mode(&out), 0o700);
        assert_eq!(mode(&out.join("pupil.json")), 0o600);
        assert_eq!(mode(&copy), 0o600);
    }

    // A second export never mixes into the first.
    let again = r.run(&["pupils", "export", &upn(0), "--out", out.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn a_damaged_scanned_form_is_named_and_the_rest_is_still_exported() {
    let r = register();
    let form = r.write("form.pdf", b"%PDF-1.4 scan");
    r.ok(&[
        "consent",
        "record",
        &upn(0),
        "--signatory",
        "parent",
        "--signed-on",
        "2025-09-01",
        "--grant",
        "print",
        "--evidence",
        form.to_str().unwrap(),
    ]);
    let stored = r.path("register.sqlite3.evidence").join(sha256sum(&form));
    std::fs::write(&stored, b"tampered").unwrap();
    let out = r.path("sar");
    let res = r.run(&["pupils", "export", &upn(0), "--out", out.to_str().unwrap()]);
    assert_eq!(res.status.code(), Some(1), "a problem is not a success");
    assert!(String::from_utf8_lossy(&res.stderr).contains("has been altered"));
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("pupil.json")).unwrap()).unwrap();
    assert_eq!(json["evidence"][0]["verified"], false);
    assert!(
        json["evidence"][0]["problem"]
            .as_str()
            .unwrap()
            .contains("altered")
    );
}

#[cfg(unix)]
#[test]
fn the_register_and_the_evidence_folder_are_readable_by_their_owner_only() {
    use data_common::mode;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new-folder/register.sqlite3");
    let run = |args: &[&str]| {
        let out = data_common::command(&db, args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["academies", "add", "OAK", "--name", "Oak"]);
    let csv = dir.path().join("roll.csv");
    std::fs::write(
        &csv,
        format!("{HEADER}\n{},Smith,Ann,,2011-03-01,9,9A,1\n", upn(0)),
    )
    .unwrap();
    run(&[
        "pupils",
        "import",
        csv.to_str().unwrap(),
        "--academy",
        "OAK",
        "--academic-year",
        "2025",
        "--on",
        "2025-10-01",
    ]);
    let form = dir.path().join("form.pdf");
    std::fs::write(&form, b"%PDF scan").unwrap();
    run(&[
        "consent",
        "record",
        &upn(0),
        "--signatory",
        "parent",
        "--signed-on",
        "2025-09-01",
        "--grant",
        "print",
        "--evidence",
        form.to_str().unwrap(),
    ]);
    assert_eq!(mode(&db), 0o600, "the register");
    assert_eq!(
        mode(db.parent().unwrap()),
        0o700,
        "the folder it was created in"
    );
    let evidence = dir.path().join("new-folder/register.sqlite3.evidence");
    assert_eq!(mode(&evidence), 0o700, "the evidence folder");
    for f in std::fs::read_dir(&evidence).unwrap() {
        assert_eq!(mode(&f.unwrap().path()), 0o600, "an evidence file");
    }
}

#[test]
fn reading_a_never_publish_reason_is_an_audit_entry_and_showing_the_pupil_is_not() {
    let r = register();
    r.ok(&[
        "pupils",
        "flag",
        &upn(0),
        "--never-publish",
        "--reason",
        "looked-after child",
        "--on",
        "2025-09-02",
    ]);
    let entries = |r: &Register| r.audit_ok()["entries"].as_i64().unwrap();
    let before = entries(&r);
    let shown = r.json(&["pupils", "show", &upn(0)]);
    assert_eq!(
        shown["never_publish"], true,
        "the block itself is always shown"
    );
    assert_eq!(
        shown["flags"][0]["reason"],
        Value::Null,
        "the reason is withheld"
    );
    assert_eq!(
        entries(&r),
        before,
        "showing withholds the reason, so nothing to audit"
    );

    let none = r.run(&["pupils", "reveal-reason", &upn(0), "--why", "  "]);
    assert_eq!(none.status.code(), Some(2), "a reason to look is required");
    assert_eq!(entries(&r), before);

    let revealed = r.json(&[
        "--as",
        "dsl@oak.example.org",
        "pupils",
        "reveal-reason",
        &upn(0),
        "--why",
        "planning Friday's trip photos",
    ]);
    assert_eq!(revealed[0]["reason"], "looked-after child");
    assert_eq!(entries(&r), before + 1);
    let log = r.json(&["audit", "log"]);
    let last = log.as_array().unwrap().last().unwrap();
    assert_eq!(last["action"], "flag.reveal");
    assert_eq!(last["actor"], "dsl@oak.example.org");
    assert_eq!(last["payload"]["why"], "planning Friday's trip photos");
    assert!(last["subject"].as_str().unwrap().starts_with("pupil:"));
}

#[test]
fn the_audit_log_withholds_never_publish_reasons_and_still_verifies() {
    let r = register();
    let secret = "court order: no contact with father";
    let lifted = "order discharged by the family court";
    for args in [
        [
            "flag",
            "--never-publish",
            "--reason",
            secret,
            "--on",
            "2025-09-02",
        ],
        [
            "unflag",
            "--never-publish",
            "--reason",
            lifted,
            "--on",
            "2025-10-01",
        ],
    ] {
        let mut all = vec!["pupils", args[0]];
        let pupil = upn(0);
        all.push(&pupil);
        all.extend_from_slice(&args[1..]);
        r.ok(&all);
    }
    // A sixth-form flag's reason is not a safeguarding secret: it stays visible.
    r.ok(&[
        "pupils",
        "flag",
        &upn(1),
        "--parent-also-required",
        "--reason",
        "parent holds decision-making rights",
        "--on",
        "2025-09-02",
    ]);

    let log = r.json(&["audit", "log"]);
    let flags: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("flag."))
        .collect();
    assert_eq!(flags.len(), 3, "{flags:#?}");
    for (entry, action) in flags[..2].iter().zip(["flag.set", "flag.clear"]) {
        assert_eq!(entry["action"], action);
        assert_eq!(entry["payload"]["kind"], "never_publish");
        assert_eq!(
            entry["payload"]["reason"],
            "(withheld: safeguarding; see `clearshot pupils reveal-reason`)"
        );
    }
    assert_eq!(
        flags[2]["payload"]["reason"],
        "parent holds decision-making rights"
    );
    let table = r.ok(&["audit", "log"]);
    for text in [log.to_string(), table] {
        assert!(!text.contains(secret) && !text.contains(lifted), "{text}");
    }
    // Withheld on display only: the stored entries, and so the chain, are untouched.
    r.audit_ok();
    let revealed = r.json(&["pupils", "reveal-reason", &upn(0), "--why", "DSL review"]);
    assert_eq!(revealed[0]["reason"], secret);
    assert_eq!(revealed[0]["cleared_reason"], lifted);
}
