//! `clearshot consent …` and `clearshot pupils list/show/flag/unflag`: every status of the
//! contract, the Year 6 → 7 lapse, sixth form, flags and the chase list, through the binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Register, kent, line, roll};
use serde_json::Value;

/// The pupils of the school used below, recorded for the academic year 2025/26.
struct School {
    reg: Register,
    year6: String,
    year9: String,
    year12: String,
    reception: String,
    nursery: String,
    year3: String,
}

fn school() -> School {
    let reg = Register::with_academy();
    let s = School {
        year6: kent(1),
        year9: kent(2),
        year12: kent(3),
        reception: kent(4),
        nursery: kent(5),
        year3: kent(6),
        reg,
    };
    let csv = roll(&[
        line(&s.year6, "Six", "Sam", "10/03/2015", "6"),
        line(&s.year9, "Nine", "Nia", "15/01/2012", "Year 9"),
        line(&s.year12, "Twelve", "Tom", "02/02/2009", "12"),
        line(&s.reception, "Recep", "Rae", "20/01/2021", "R"),
        line(&s.nursery, "Nurse", "Ned", "01/11/2021", "N"),
        line(&s.year3, "Three", "Tia", "05/05/2018", "Y3"),
    ]);
    let report = s.reg.import(
        "OAK",
        csv,
        &["--academic-year", "2025", "--on", "2025-09-05"],
    );
    assert_eq!(report["imported"], 6, "{report}");
    s
}

fn record(reg: &Register, upn: &str, signatory: &str, signed_on: &str, more: &[&str]) -> Value {
    let mut args = vec![
        "consent",
        "record",
        upn,
        "--signatory",
        signatory,
        "--signed-on",
        signed_on,
    ];
    args.extend_from_slice(more);
    reg.json(&args)
}

fn sorted(v: &Value) -> Vec<String> {
    let mut s: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    s.sort();
    s
}

#[test]
fn status_rows_follow_the_contract_shape() {
    let s = school();
    let rows = s.reg.json(&[
        "consent",
        "status",
        "--academy",
        "OAK",
        "--on",
        "2025-10-01",
    ]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 6 * 5, "one row per pupil on roll per channel");
    for r in rows {
        for key in [
            "upn",
            "name",
            "academy",
            "year_group",
            "channel",
            "required",
            "status",
            "detail",
        ] {
            assert!(r.get(key).is_some(), "{key} missing from {r}");
        }
        assert!(r["year_group"].is_i64(), "year_group is an integer: {r}");
        assert_eq!(r["status"], "missing", "nobody has signed anything yet");
    }
    let channels: std::collections::BTreeSet<&str> = rows
        .iter()
        .map(|r| r["channel"].as_str().unwrap())
        .collect();
    assert_eq!(
        channels.into_iter().collect::<Vec<_>>(),
        [
            "academy_social",
            "press",
            "print",
            "trust_social",
            "website"
        ]
    );
}

#[test]
fn reception_is_year_group_0_and_nursery_is_minus_1() {
    let s = school();
    let r = s.reg.status(&s.reception, "website", "2025-10-01");
    assert_eq!(r["year_group"], 0);
    assert_eq!(sorted(&r["required"]), ["parent"]);
    let n = s.reg.status(&s.nursery, "website", "2025-10-01");
    assert_eq!(n["year_group"], -1);
    let list = s
        .reg
        .json(&["pupils", "list", "--year-group", "-1", "--on", "2025-10-01"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["upn"], s.nursery.as_str());
    let list = s
        .reg
        .json(&["pupils", "list", "--year-group", "R", "--on", "2025-10-01"]);
    assert_eq!(list[0]["upn"], s.reception.as_str());
}

#[test]
fn secondary_pupil_needs_both_pupil_and_parent() {
    let s = school();
    record(
        &s.reg,
        &s.year9,
        "parent",
        "2025-09-10",
        &["--grant", "website"],
    );
    let r = s.reg.status(&s.year9, "website", "2025-10-01");
    assert_eq!(sorted(&r["required"]), ["parent", "pupil"]);
    assert_eq!(r["status"], "missing", "the pupil has not signed: {r}");
    record(
        &s.reg,
        &s.year9,
        "pupil",
        "2025-09-12",
        &["--grant", "website"],
    );
    assert_eq!(
        s.reg.status(&s.year9, "website", "2025-10-01")["status"],
        "granted"
    );
    assert_eq!(
        s.reg.status(&s.year9, "press", "2025-10-01")["status"],
        "missing",
        "consent is per channel"
    );
}

#[test]
fn a_no_from_a_required_signatory_beats_a_yes() {
    let s = school();
    record(
        &s.reg,
        &s.year9,
        "parent",
        "2025-09-10",
        &["--grant", "website"],
    );
    record(
        &s.reg,
        &s.year9,
        "pupil",
        "2025-09-10",
        &["--refuse", "website"],
    );
    assert_eq!(
        s.reg.status(&s.year9, "website", "2025-10-01")["status"],
        "refused"
    );
}

#[test]
fn two_parents_disagreeing_is_refused_and_the_detail_says_so() {
    let s = school();
    record(
        &s.reg,
        &s.year3,
        "parent",
        "2025-09-10",
        &[
            "--grant",
            "website",
            "--signer-name",
            "Ann Three",
            "--relationship",
            "mother",
        ],
    );
    record(
        &s.reg,
        &s.year3,
        "parent",
        "2025-09-11",
        &[
            "--refuse",
            "website",
            "--signer-name",
            "Bob Three",
            "--relationship",
            "father",
        ],
    );
    let r = s.reg.status(&s.year3, "website", "2025-10-01");
    assert_eq!(r["status"], "refused", "{r}");
    assert!(
        r["detail"].as_str().unwrap().contains("disagree"),
        "detail should say the parents disagree: {r}"
    );
}

/// A mother's "no" and then a father's "yes", neither form giving a name: two people, not one
/// who changed her mind. One parent who changed their mind is one person however the
/// relationship is typed on each form (blank, "Mum", "mother").
#[test]
fn two_unnamed_parents_are_two_people_and_one_parent_stays_one() {
    let status_after = |forms: &[(&str, &[&str])]| {
        let s = school();
        for (i, (answer, more)) in forms.iter().enumerate() {
            let mut args = vec![*answer, "website"];
            args.extend_from_slice(more);
            record(&s.reg, &s.year3, "parent", &format!("2025-09-1{i}"), &args);
        }
        s.reg.status(&s.year3, "website", "2025-10-01")
    };
    let r = status_after(&[
        ("--refuse", &["--relationship", "mother"]),
        ("--grant", &["--relationship", "father"]),
    ]);
    assert_eq!(r["status"], "refused", "{r}");
    let detail = r["detail"].as_str().unwrap();
    assert!(
        detail.contains("disagree") && detail.contains("mother") && detail.contains("father"),
        "{detail}"
    );
    for forms in [
        &[
            ("--refuse", &["--relationship", "Mum"][..]),
            ("--grant", &["--relationship", "mother"]),
        ][..],
        &[
            ("--refuse", &["--relationship", "mother"]),
            ("--grant", &[]),
        ],
        &[
            ("--refuse", &["--signer-name", "Jane Begum"]),
            (
                "--grant",
                &["--signer-name", "Jane Begum", "--relationship", "mother"],
            ),
        ],
        &[
            ("--refuse", &["--relationship", "step-mum"]),
            ("--grant", &["--relationship", "Stepmother"]),
        ],
    ] {
        let r = status_after(forms);
        assert_eq!(r["status"], "granted", "{forms:?}: {r}");
    }
    // The consent summary rebuilt with each answer agrees with the answers.
    let s = school();
    record(
        &s.reg,
        &s.year3,
        "parent",
        "2025-09-10",
        &["--refuse", "website", "--relationship", "mother"],
    );
    assert_eq!(s.reg.run(&["check"]).status.code(), Some(0));
}

/// A form recorded on the wrong child: voided, it stops counting but stays in the history
/// with the reason, and the child's own parent's later form decides. Before, the only way out
/// was a withdrawal, which then stood against the right parent's yes too.
#[test]
fn a_form_recorded_in_error_is_voided_and_stops_counting() {
    let s = school();
    let wrong = record(
        &s.reg,
        &s.year3,
        "parent",
        "2025-09-10",
        &["--grant", "website,press", "--signer-name", "Priya Patel"],
    );
    let form = wrong["form_id"].as_str().unwrap().to_string();
    assert_eq!(
        s.reg.status(&s.year3, "website", "2025-10-01")["status"],
        "granted"
    );
    let voided = s.reg.json(&[
        "consent",
        "void",
        &s.year3,
        "--form",
        &form[form.len() - 8..],
        "--reason",
        "recorded on the wrong pupil (Ava Patel's form)",
        "--on",
        "2025-10-01",
    ]);
    assert_eq!(voided["form_id"], form.as_str(), "{voided}");
    assert_eq!(voided["answers"].as_array().unwrap().len(), 2);
    assert_eq!(
        sorted(&voided["consent_lost"]),
        ["press", "website"],
        "{voided}"
    );
    let r = s.reg.status(&s.year3, "website", "2025-10-01");
    assert_eq!(r["status"], "missing", "{r}");
    assert!(!r["detail"].as_str().unwrap().contains("Priya"), "{r}");
    // The history keeps it, marked; the text names the form and says it does not count.
    let shown = s.reg.json(&["pupils", "show", &s.year3]);
    let history = shown["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert!(
        history
            .iter()
            .all(|a| a["voided"] == "recorded on the wrong pupil (Ava Patel's form)")
    );
    let text = s.reg.ok(&["pupils", "show", &s.year3]);
    let tail = &form[form.len() - 8..];
    assert!(
        text.contains(&format!("form {tail}"))
            && text.contains("VOID (recorded on the wrong pupil"),
        "{text}"
    );
    // The child's own parent's form decides.
    record(
        &s.reg,
        &s.year3,
        "parent",
        "2025-09-20",
        &["--grant", "website", "--signer-name", "Fay Three"],
    );
    assert_eq!(
        s.reg.status(&s.year3, "website", "2025-10-01")["status"],
        "granted"
    );
    // Mistakes in the void itself change nothing.
    let e = s.reg.bad_input(&[
        "consent", "void", &s.year3, "--form", &form, "--reason", "again",
    ]);
    assert!(e.contains("is already void"), "{e}");
    let e = s.reg.bad_input(&[
        "consent", "void", &s.year6, "--form", &form, "--reason", "x",
    ]);
    assert!(e.contains(&format!("{} has no form", s.year6)), "{e}");
    let e = s.reg.bad_input(&[
        "consent", "void", &s.year3, "--form", "abc", "--reason", "x",
    ]);
    assert!(e.contains("give at least 6 characters of its id"), "{e}");
    let e = s.reg.bad_input(&[
        "consent", "void", &s.year3, "--form", &form, "--reason", " ",
    ]);
    assert!(e.contains("give the reason"), "{e}");
    // Audited, and the register still agrees with its log.
    let log = s.reg.json(&["audit", "log"]);
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "consent.void" && e["payload"]["form_id"] == form.as_str()),
        "{log}"
    );
    let check = s.reg.run(&["check"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

/// What a form or a withdrawal did not do is said: a Year 3 pupil's own form decides nothing
/// (a parent signs up to Year 6), and a withdrawal with no yes to withdraw changes nothing now.
#[test]
fn forms_and_withdrawals_that_change_nothing_now_say_so() {
    let s = school();
    let own = record(
        &s.reg,
        &s.year3,
        "pupil",
        "2025-09-10",
        &["--grant", "website"],
    );
    let warnings = own["warnings"].to_string();
    assert!(
        warnings.contains("is in Year 3 on 2025-09-10: up to Year 6 a parent or carer signs"),
        "{own}"
    );
    let parent = record(
        &s.reg,
        &s.year3,
        "parent",
        "2025-09-10",
        &["--refuse", "website"],
    );
    assert_eq!(parent["warnings"], serde_json::json!([]), "{parent}");
    let w = s.reg.json(&[
        "consent",
        "withdraw",
        &s.year3,
        "--signatory",
        "parent",
        "--on",
        "2025-10-01",
        "--channels",
        "website,press",
    ]);
    assert!(
        w["warnings"].to_string().contains(
            "no yes from the parent is on record for website, press: there was nothing to withdraw"
        ),
        "{w}"
    );
}

#[test]
fn a_form_may_grant_some_channels_and_refuse_others() {
    let s = school();
    let rec = record(
        &s.reg,
        &s.year3,
        "parent",
        "2025-09-10",
        &["--grant", "academy_social,website", "--refuse", "press"],
    );
    assert_eq!(rec["answer_ids"].as_array().unwrap().len(), 3);
    let by: Vec<(String, String)> = s
        .reg
        .status_of(&s.year3, "2025-10-01")
        .iter()
        .map(|r| {
            (
                r["channel"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (ch, want) in [
        ("academy_social", "granted"),
        ("website", "granted"),
        ("press", "refused"),
        ("print", "missing"),
        ("trust_social", "missing"),
    ] {
        assert!(
            by.contains(&(ch.to_string(), want.to_string())),
            "{ch} should be {want}: {by:?}"
        );
    }
}

#[test]
fn parent_only_form_lapses_on_entering_year_7() {
    let s = school();
    record(
        &s.reg,
        &s.year6,
        "parent",
        "2025-09-10",
        &["--grant", "academy_social,trust_social,website,print,press"],
    );
    let before = s.reg.status(&s.year6, "website", "2026-08-31");
    assert_eq!(before["year_group"], 6);
    assert_eq!(before["status"], "granted", "{before}");
    let after = s.reg.status(&s.year6, "website", "2026-09-01");
    assert_eq!(
        after["year_group"], 7,
        "the year group advances on 1 September"
    );
    assert_eq!(sorted(&after["required"]), ["parent", "pupil"]);
    assert_eq!(
        after["status"], "missing",
        "a parent-only form is not enough in Year 7: {after}"
    );
    let chase = s.reg.json(&[
        "consent",
        "chase",
        "--year-group",
        "7",
        "--channel",
        "website",
        "--on",
        "2026-09-01",
    ]);
    let chase = chase.as_array().unwrap();
    assert_eq!(chase.len(), 1, "{chase:?}");
    assert_eq!(chase[0]["upn"], s.year6.as_str());
    assert_eq!(
        sorted(&chase[0]["needed"]),
        ["pupil"],
        "only the pupil is still needed"
    );
}

#[test]
fn sixth_form_needs_the_pupil_only_unless_flagged_parent_also_required() {
    let s = school();
    record(
        &s.reg,
        &s.year12,
        "pupil",
        "2025-09-10",
        &["--grant", "website"],
    );
    let r = s.reg.status(&s.year12, "website", "2025-10-01");
    assert_eq!(sorted(&r["required"]), ["pupil"]);
    assert_eq!(r["status"], "granted");

    s.reg.ok(&[
        "pupils",
        "flag",
        &s.year12,
        "--parent-also-required",
        "--reason",
        "parent holds decision-making rights",
        "--on",
        "2025-10-01",
    ]);
    assert_eq!(
        s.reg.status(&s.year12, "website", "2025-09-30")["status"],
        "granted",
        "the flag takes effect from its date"
    );
    let r = s.reg.status(&s.year12, "website", "2025-10-01");
    assert_eq!(sorted(&r["required"]), ["parent", "pupil"]);
    assert_eq!(r["status"], "missing", "{r}");
    record(
        &s.reg,
        &s.year12,
        "parent",
        "2025-10-02",
        &["--grant", "website"],
    );
    assert_eq!(
        s.reg.status(&s.year12, "website", "2025-10-02")["status"],
        "granted"
    );

    s.reg.ok(&[
        "pupils",
        "unflag",
        &s.year12,
        "--parent-also-required",
        "--reason",
        "order lapsed",
        "--on",
        "2025-11-01",
    ]);
    let r = s.reg.status(&s.year12, "website", "2025-11-01");
    assert_eq!(sorted(&r["required"]), ["pupil"]);
}

#[test]
fn a_no_from_a_parent_of_a_sixth_former_is_a_warning_not_a_block() {
    let s = school();
    record(
        &s.reg,
        &s.year12,
        "pupil",
        "2025-09-10",
        &["--grant", "website"],
    );
    record(
        &s.reg,
        &s.year12,
        "parent",
        "2025-09-10",
        &["--refuse", "website"],
    );
    let r = s.reg.status(&s.year12, "website", "2025-10-01");
    assert_eq!(r["status"], "granted", "{r}");
    assert!(
        !r["warnings"].as_array().unwrap().is_empty(),
        "the parent's no is shown as a warning: {r}"
    );
    // The table the office reads shows it too.
    let table = s.reg.ok(&[
        "consent",
        "status",
        "--upn",
        &s.year12,
        "--channel",
        "website",
        "--on",
        "2025-10-01",
    ]);
    assert!(
        table.contains("warning: parent refused the website on 2025-09-10"),
        "{table}"
    );
}

#[test]
fn one_parents_new_yes_does_not_undo_the_other_parents_withdrawal() {
    let s = school();
    let parent = |name: &str, on: &str| {
        record(
            &s.reg,
            &s.year6,
            "parent",
            on,
            &["--signer-name", name, "--grant", "academy_social"],
        )
    };
    parent("Jane McAllister", "2025-09-05");
    parent("John McAllister", "2025-09-06");
    s.reg.json(&[
        "consent",
        "withdraw",
        &s.year6,
        "--signatory",
        "parent",
        "--on",
        "2025-10-01",
        "--channels",
        "academy_social",
    ]);
    parent("Jane McAllister", "2025-10-15");
    let r = s.reg.status(&s.year6, "academy_social", "2025-11-01");
    assert_eq!(r["status"], "withdrawn", "{r}");
    assert!(
        r["detail"].as_str().unwrap().contains("John McAllister"),
        "names the parent who has not said yes again: {r}"
    );
    parent("John McAllister", "2025-10-20");
    let r = s.reg.status(&s.year6, "academy_social", "2025-11-01");
    assert_eq!(r["status"], "granted", "{r}");
}

#[test]
fn consent_status_of_a_leaver_says_they_left() {
    let s = school();
    // The next roll leaves Sam out: he left on 2025-10-01.
    let others = roll(&[
        line(&s.year9, "Nine", "Nia", "15/01/2012", "Year 9"),
        line(&s.year12, "Twelve", "Tom", "02/02/2009", "12"),
        line(&s.reception, "Recep", "Rae", "20/01/2021", "R"),
        line(&s.nursery, "Nurse", "Ned", "01/11/2021", "N"),
        line(&s.year3, "Three", "Tia", "05/05/2018", "Y3"),
    ]);
    s.reg.import(
        "OAK",
        others,
        &["--academic-year", "2025", "--on", "2025-10-01"],
    );
    let text = s.reg.ok(&[
        "consent",
        "status",
        "--upn",
        &s.year6,
        "--channel",
        "website",
        "--on",
        "2025-11-01",
    ]);
    assert!(
        text.contains("left on 2025-10-01, so is not on roll on 2025-11-01"),
        "{text}"
    );
    let json = s.reg.json(&[
        "consent",
        "status",
        "--upn",
        &s.year6,
        "--channel",
        "website",
        "--on",
        "2025-11-01",
    ]);
    assert_eq!(
        json,
        serde_json::json!([]),
        "the JSON contract is unchanged"
    );
}

#[test]
fn withdrawal_takes_effect_from_its_date_and_keeps_history() {
    let s = school();
    record(
        &s.reg,
        &s.year3,
        "parent",
        "2025-09-10",
        &["--grant", "website,press"],
    );
    let w = s.reg.json(&[
        "consent",
        "withdraw",
        &s.year3,
        "--signatory",
        "parent",
        "--on",
        "2025-11-01",
        "--channels",
        "website",
    ]);
    assert_eq!(w["withdrawal_ids"].as_array().unwrap().len(), 1);
    assert_eq!(
        s.reg.status(&s.year3, "website", "2025-10-31")["status"],
        "granted"
    );
    assert_eq!(
        s.reg.status(&s.year3, "website", "2025-11-01")["status"],
        "withdrawn"
    );
    assert_eq!(
        s.reg.status(&s.year3, "press", "2025-11-01")["status"],
        "granted",
        "only the named channel was withdrawn"
    );
    let show = s
        .reg
        .json(&["pupils", "show", &s.year3, "--on", "2025-11-01"]);
    assert_eq!(
        show["history"].as_array().unwrap().len(),
        2,
        "withdrawal never deletes history: {show}"
    );
    assert_eq!(show["withdrawals"].as_array().unwrap().len(), 1);
}

#[test]
fn a_withdrawal_keeps_who_asked_how_it_came_and_the_message() {
    let s = school();
    record(
        &s.reg,
        &s.year3,
        "parent",
        "2025-09-10",
        &["--grant", "website"],
    );
    let email = s
        .reg
        .write("email.pdf", b"%PDF-1.4 Please take Tia's photos down");
    let w = s.reg.json(&[
        "consent",
        "withdraw",
        &s.year3,
        "--signatory",
        "parent",
        "--on",
        "2025-11-01",
        "--signer-name",
        " Ana Three ",
        "--relationship",
        "mother",
        "--note",
        "email to the office",
        "--evidence",
        email.to_str().unwrap(),
    ]);
    let hash = w["evidence_sha256"].as_str().unwrap().to_string();
    assert_eq!(hash.len(), 64, "{w}");
    let stored = s.reg.path("register.sqlite3.evidence").join(&hash);
    assert_eq!(
        std::fs::read(&stored).unwrap(),
        std::fs::read(&email).unwrap()
    );
    let show = s
        .reg
        .json(&["pupils", "show", &s.year3, "--on", "2025-11-01"]);
    let withdrawals = show["withdrawals"].as_array().unwrap();
    assert_eq!(withdrawals.len(), 5, "every channel: {show}");
    for x in withdrawals {
        assert_eq!(x["signer_name"], "Ana Three", "trimmed: {x}");
        assert_eq!(x["relationship"], "mother");
        assert_eq!(x["note"], "email to the office");
        assert_eq!(x["evidence_sha256"], hash.as_str());
    }
    let text = s
        .reg
        .ok(&["pupils", "show", &s.year3, "--on", "2025-11-01"]);
    assert!(
        text.contains(&format!(
            "withdrew website, asked by Ana Three (mother): email to the office evidence {}",
            &hash[..12]
        )),
        "{text}"
    );
    // Blank details are none; the register still matches its log, details and all.
    s.reg.ok(&[
        "consent",
        "withdraw",
        &s.year6,
        "--signatory",
        "parent",
        "--on",
        "2025-11-01",
        "--note",
        "  ",
    ]);
    let six = s.reg.json(&["pupils", "show", &s.year6]);
    assert_eq!(six["withdrawals"][0]["note"], Value::Null, "{six}");
    s.reg.ok(&["check"]);
    // A file that is not there records nothing.
    let out = s.reg.run(&[
        "consent",
        "withdraw",
        &s.year9,
        "--signatory",
        "parent",
        "--on",
        "2025-11-01",
        "--evidence",
        "no-such-email.pdf",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let nine = s.reg.json(&["pupils", "show", &s.year9]);
    assert_eq!(nine["withdrawals"].as_array().unwrap().len(), 0);
}

#[test]
fn a_pupil_who_withdrew_before_saying_yes_is_withdrawn_and_not_chased() {
    let s = school();
    // Year 9: parent and pupil must consent. The parent says yes to academy social media and no
    // to the press; the pupil's own form (yes to both) is recorded, then withdrawn for academy
    // social media, then found to be another child's and voided.
    record(
        &s.reg,
        &s.year9,
        "parent",
        "2025-09-10",
        &["--grant", "academy_social", "--refuse", "press"],
    );
    let own = record(
        &s.reg,
        &s.year9,
        "pupil",
        "2025-09-11",
        &["--grant", "academy_social,press"],
    );
    let form = own["form_id"].as_str().unwrap().to_string();
    s.reg.ok(&[
        "consent",
        "withdraw",
        &s.year9,
        "--signatory",
        "pupil",
        "--on",
        "2025-10-01",
        "--channels",
        "academy_social",
    ]);
    let voided = s.reg.json(&[
        "consent",
        "void",
        &s.year9,
        "--form",
        &form,
        "--reason",
        "another child's form",
        "--on",
        "2025-10-05",
    ]);
    // Neither channel had consent before the void (withdrawn; refused): none is "lost".
    assert_eq!(voided["consent_lost"], serde_json::json!([]), "{voided}");
    let st = s.reg.status(&s.year9, "academy_social", "2025-10-05");
    assert_eq!(st["status"], "withdrawn", "{st}");
    assert!(
        st["detail"]
            .as_str()
            .unwrap()
            .contains("the pupil withdrew consent for academy social media on 2025-10-01"),
        "{st}"
    );
    let chase = s.reg.json(&[
        "consent",
        "chase",
        "--channel",
        "academy_social",
        "--on",
        "2025-10-05",
    ]);
    assert!(
        chase
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["upn"] != s.year9.as_str()),
        "a pupil who said no photos is not sent a form: {chase}"
    );
}

#[test]
fn withdrawal_without_channels_covers_every_channel() {
    let s = school();
    record(
        &s.reg,
        &s.reception,
        "parent",
        "2025-09-10",
        &["--grant", "academy_social,trust_social,website,print,press"],
    );
    s.reg.ok(&[
        "consent",
        "withdraw",
        &s.reception,
        "--signatory",
        "parent",
        "--on",
        "2025-12-01",
    ]);
    for r in s.reg.status_of(&s.reception, "2025-12-01") {
        assert_eq!(r["status"], "withdrawn", "{r}");
    }
}

#[test]
fn a_yes_past_its_expiry_is_expired_and_on_the_chase_list() {
    let s = school();
    record(
        &s.reg,
        &s.year3,
        "parent",
        "2025-09-10",
        &["--grant", "website", "--expires", "2026-07-31"],
    );
    assert_eq!(
        s.reg.status(&s.year3, "website", "2026-07-31")["status"],
        "granted"
    );
    assert_eq!(
        s.reg.status(&s.year3, "website", "2026-08-01")["status"],
        "expired"
    );
    let chase = s.reg.json(&[
        "consent",
        "chase",
        "--channel",
        "website",
        "--on",
        "2026-08-01",
    ]);
    let mine: Vec<&Value> = chase
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["upn"] == s.year3.as_str())
        .collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["status"], "expired");
    assert_eq!(sorted(&mine[0]["needed"]), ["parent"]);
}

#[test]
fn answers_signed_after_the_date_are_invisible() {
    let s = school();
    record(
        &s.reg,
        &s.year3,
        "parent",
        "2025-10-10",
        &["--grant", "website"],
    );
    assert_eq!(
        s.reg.status(&s.year3, "website", "2025-10-09")["status"],
        "missing"
    );
    assert_eq!(
        s.reg.status(&s.year3, "website", "2025-10-10")["status"],
        "granted"
    );
}

#[test]
fn never_publish_blocks_whatever_the_consent_and_hides_its_reason() {
    let s = school();
    record(
        &s.reg,
        &s.year3,
        "parent",
        "2025-09-10",
        &["--grant", "website"],
    );
    let set = s.reg.json(&[
        "pupils",
        "flag",
        &s.year3,
        "--never-publish",
        "--reason",
        "court order",
        "--on",
        "2025-10-01",
    ]);
    assert_eq!(set["set_on"], "2025-10-01");
    assert_eq!(
        s.reg.status(&s.year3, "website", "2025-09-30")["status"],
        "granted"
    );
    assert_eq!(
        s.reg.status(&s.year3, "website", "2025-10-01")["status"],
        "never_publish"
    );
    let show = s
        .reg
        .json(&["pupils", "show", &s.year3, "--on", "2025-10-01"]);
    assert_eq!(show["never_publish"], true);
    let text = show.to_string();
    assert!(
        !text.contains("court order"),
        "the safeguarding reason is not shown on the pupil's page: {text}"
    );
    let table = s
        .reg
        .ok(&["consent", "status", "--upn", &s.year3, "--on", "2025-10-01"]);
    assert!(table.contains("never_publish"), "{table}");
    assert!(!table.contains("court order"), "{table}");

    s.reg.ok(&[
        "pupils",
        "unflag",
        &s.year3,
        "--never-publish",
        "--reason",
        "order discharged",
        "--on",
        "2025-12-01",
    ]);
    assert_eq!(
        s.reg.status(&s.year3, "website", "2025-12-01")["status"],
        "granted"
    );
}

#[test]
fn pupils_show_gives_details_year_signatories_statuses_and_history() {
    let s = school();
    record(
        &s.reg,
        &s.year9,
        "parent",
        "2025-09-10",
        &[
            "--grant",
            "website",
            "--signer-name",
            "Kay Nine",
            "--relationship",
            "carer",
        ],
    );
    let show = s
        .reg
        .json(&["pupils", "show", &s.year9, "--on", "2025-10-01"]);
    assert_eq!(show["upn"], s.year9.as_str());
    assert_eq!(show["year_group"], 9);
    assert_eq!(show["legal_surname"], "Nine");
    assert_eq!(show["dob"], "2012-01-15");
    assert_eq!(sorted(&show["required"]), ["parent", "pupil"]);
    assert_eq!(show["statuses"].as_array().unwrap().len(), 5);
    let h = &show["history"][0];
    assert_eq!(h["signer_name"], "Kay Nine");
    assert_eq!(h["relationship"], "carer");
    assert_eq!(h["channel"], "website");
    assert_eq!(h["granted"], true);
    let text = s
        .reg
        .ok(&["pupils", "show", &s.year9, "--on", "2025-10-01"]);
    assert!(text.contains("Nine"), "{text}");
    assert!(text.contains("Kay Nine"), "{text}");
}

#[test]
fn pupils_list_filters_by_academy_and_year_group_on_a_date() {
    let s = school();
    s.reg
        .ok(&["academies", "add", "ASH", "--name", "Ash Primary"]);
    let all = s.reg.json(&["pupils", "list", "--on", "2025-10-01"]);
    assert_eq!(all.as_array().unwrap().len(), 6);
    let oak = s
        .reg
        .json(&["pupils", "list", "--academy", "OAK", "--on", "2025-10-01"]);
    assert_eq!(oak.as_array().unwrap().len(), 6);
    let ash = s
        .reg
        .json(&["pupils", "list", "--academy", "ASH", "--on", "2025-10-01"]);
    assert!(ash.as_array().unwrap().is_empty());
    let y7 = s
        .reg
        .json(&["pupils", "list", "--year-group", "7", "--on", "2026-09-01"]);
    assert_eq!(y7.as_array().unwrap().len(), 1);
    assert_eq!(
        y7[0]["upn"],
        s.year6.as_str(),
        "last year's Year 6 is Year 7"
    );
    let table = s.reg.ok(&["pupils", "list", "--on", "2025-10-01"]);
    assert!(
        table.contains("Year 9") && table.contains("Reception"),
        "{table}"
    );
}

#[test]
fn consent_status_filters_by_year_group_channel_and_academy() {
    let s = school();
    let rows = s.reg.json(&[
        "consent",
        "status",
        "--academy",
        "OAK",
        "--year-group",
        "9",
        "--channel",
        "press",
        "--on",
        "2025-10-01",
    ]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["upn"], s.year9.as_str());
    assert_eq!(rows[0]["channel"], "press");
}

#[test]
fn the_chase_list_names_the_signatories_still_needed() {
    let s = school();
    record(
        &s.reg,
        &s.year9,
        "parent",
        "2025-09-10",
        &["--grant", "website"],
    );
    let chase = s.reg.json(&[
        "consent",
        "chase",
        "--academy",
        "OAK",
        "--channel",
        "website",
        "--on",
        "2025-10-01",
    ]);
    let chase = chase.as_array().unwrap();
    assert_eq!(chase.len(), 6, "nobody has full consent yet: {chase:?}");
    let y9 = chase.iter().find(|r| r["upn"] == s.year9.as_str()).unwrap();
    assert_eq!(sorted(&y9["needed"]), ["pupil"]);
    assert_eq!(y9["status"], "missing");
    let csv = s.reg.ok(&[
        "consent",
        "chase",
        "--channel",
        "website",
        "--csv",
        "--on",
        "2025-10-01",
    ]);
    assert_eq!(csv.lines().count(), 7, "a header and six pupils: {csv}");
    // For a mail merge: one row a pupil, every channel still to answer in one cell.
    let letters = s.reg.ok(&[
        "consent",
        "chase",
        "--csv",
        "--per-pupil",
        "--on",
        "2025-10-01",
    ]);
    let mut lines = letters.lines();
    assert_eq!(
        lines.next(),
        Some(
            "UPN,Forename,Surname,Name,Academy,Year,Reg,Channels,Status,Still needed,Parent to answer,Pupil to answer"
        )
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 6, "one row a pupil: {letters}");
    let nia = rows
        .iter()
        .find(|r| r.starts_with(s.year9.as_str()))
        .unwrap();
    assert!(
        nia.starts_with(&format!("{},Nia,Nine,Nia Nine,OAK,Year 9,", s.year9))
            && nia.contains("academy social media; trust social media; the website; printed materials; the press")
            && nia.contains(",missing,parent + pupil,"),
        "{nia}"
    );
    // Her parent said yes to the website: the letter asks the parent about the other four only.
    assert!(
        nia.ends_with(
            ",academy social media; trust social media; printed materials; the press,academy social media; trust social media; the website; printed materials; the press"
        ),
        "{nia}"
    );
    let table = s.reg.ok(&["consent", "chase", "--on", "2025-10-01"]);
    assert!(table.contains(&s.year9), "{table}");
}

#[test]
fn the_status_as_csv_has_a_row_per_pupil_and_channel_with_its_sentence() {
    let s = school();
    record(
        &s.reg,
        &s.year9,
        "parent",
        "2025-09-10",
        &["--grant", "website", "--refuse", "press"],
    );
    let csv = s.reg.ok(&[
        "consent",
        "status",
        "--academy",
        "OAK",
        "--csv",
        "--on",
        "2025-10-01",
    ]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("UPN,Name,Academy,Year,Reg,Channel,Must sign,Status,Still needed,Detail,Warnings")
    );
    let rows: Vec<&str> = lines.collect();
    let table = s.reg.json(&[
        "consent",
        "status",
        "--academy",
        "OAK",
        "--on",
        "2025-10-01",
    ]);
    assert_eq!(
        rows.len(),
        table.as_array().unwrap().len(),
        "the same rows as the table: {csv}"
    );
    let website = rows
        .iter()
        .find(|r| {
            r.starts_with(&format!("{},Nia Nine,OAK,Year 9,", s.year9)) && r.contains(",website,")
        })
        .unwrap();
    assert!(
        website.contains(",website,parent + pupil,missing,pupil,"),
        "the parent said yes, the pupil has still to: {website}"
    );
    let press = rows
        .iter()
        .find(|r| r.starts_with(s.year9.as_str()) && r.contains(",press,"))
        .unwrap();
    assert!(press.contains(",refused,"), "{press}");
}

/// A withdrawal dated before the yes it was meant to cancel (a year typed wrong) leaves that
/// consent standing, and says so; an empty --channels or a day before the child's birth is
/// refused rather than taken as "every channel" or recorded.
#[test]
fn a_withdrawal_that_cancels_nothing_says_so_and_empty_or_impossible_ones_are_refused() {
    let s = school();
    let upn = s.year3.as_str();
    record(&s.reg, upn, "parent", "2025-09-10", &["--grant", "website"]);
    let w = s.reg.json(&[
        "consent",
        "withdraw",
        upn,
        "--signatory",
        "parent",
        "--on",
        "2024-09-10",
        "--channels",
        "website",
    ]);
    assert_eq!(
        w["warnings"][0],
        "website: the parent's yes was signed on 2025-09-10, after 2024-09-10, and a withdrawal covers only answers given on or before its day, so that consent stands (check --on)"
    );
    let said = s.reg.ok(&[
        "consent",
        "withdraw",
        upn,
        "--signatory",
        "parent",
        "--on",
        "2024-09-11",
    ]);
    assert!(
        said.contains("warning: website: the parent's yes was signed on 2025-09-10"),
        "{said}"
    );
    // Dated after the form, it withdraws, with nothing to warn about.
    let w = s.reg.json(&[
        "consent",
        "withdraw",
        upn,
        "--signatory",
        "parent",
        "--on",
        "2025-09-20",
        "--channels",
        "website",
    ]);
    assert_eq!(w["warnings"].as_array().unwrap().len(), 0, "{w}");
    // Every channel: the four the parent never said yes to are named, whichever are asked
    // with them; the website's again is said to change nothing.
    let w = s.reg.json(&[
        "consent",
        "withdraw",
        upn,
        "--signatory",
        "parent",
        "--on",
        "2025-09-20",
    ]);
    let warnings = w["warnings"].to_string();
    assert!(
        warnings.contains(
            "no yes from the parent is on record for academy_social, trust_social, print, press: there was nothing to withdraw"
        ) && warnings.contains("from 2025-09-20, where their consent is required"),
        "{w}"
    );
    assert!(
        warnings.contains(
            "the parent's withdrawal of website from 2025-09-20 was already recorded: this one is kept beside it and changes nothing"
        ),
        "{w}"
    );
    for channels in ["", ","] {
        let err = s.reg.bad_input(&[
            "consent",
            "withdraw",
            upn,
            "--signatory",
            "parent",
            "--on",
            "2025-09-20",
            "--channels",
            channels,
        ]);
        assert!(err.contains("names no channel"), "{err}");
    }
    let err = s.reg.bad_input(&[
        "consent",
        "withdraw",
        upn,
        "--signatory",
        "parent",
        "--on",
        "1990-01-01",
    ]);
    assert!(
        err.contains("a withdrawal from 1990-01-01 is before")
            && err.contains("was born (2018-05-05)"),
        "{err}"
    );
    let err = s.reg.bad_input(&[
        "consent",
        "withdraw",
        upn,
        "--signatory",
        "parent",
        "--on",
        "2099-01-01",
    ]);
    assert!(err.contains("is more than a year after today"), "{err}");
}

#[test]
fn recording_a_form_is_audited() {
    let s = school();
    let before = s.reg.json(&["audit", "verify"])["entries"]
        .as_i64()
        .unwrap();
    record(
        &s.reg,
        &s.year3,
        "parent",
        "2025-09-10",
        &["--grant", "website"],
    );
    let after = s.reg.json(&["audit", "verify"]);
    assert!(after["entries"].as_i64().unwrap() > before);
    assert_eq!(after["ok"], true);
}

#[test]
fn bad_consent_input_is_refused_with_one_line_and_exit_2() {
    let s = school();
    let upn = s.year3.as_str();
    let base = ["consent", "record", upn, "--signatory", "parent"];
    let with = |more: &[&'static str]| -> Vec<&str> {
        let mut v = base.to_vec();
        v.extend_from_slice(more);
        v
    };
    let e = s.reg.bad_input(&with(&["--signed-on", "2025-09-10"]));
    assert!(e.contains("grant"), "{e}");
    let e = s.reg.bad_input(&with(&[
        "--signed-on",
        "2025-09-10",
        "--grant",
        "website",
        "--refuse",
        "website",
    ]));
    assert!(e.contains("website"), "{e}");
    let e = s.reg.bad_input(&with(&[
        "--signed-on",
        "2025-09-10",
        "--grant",
        "instagram",
    ]));
    assert!(e.contains("instagram"), "{e}");
    let e = s
        .reg
        .bad_input(&with(&["--signed-on", "10/09/2025", "--grant", "website"]));
    assert!(e.contains("10/09/2025"), "{e}");
    s.reg
        .bad_input(&with(&["--signed-on", "2025-02-30", "--grant", "website"]));
    s.reg.bad_input(&with(&[
        "--signed-on",
        "2025-09-10",
        "--grant",
        "website",
        "--expires",
        "2025-09-01",
    ]));
    s.reg.bad_input(&with(&[
        "--signed-on",
        "2025-09-10",
        "--grant",
        "website",
        "--evidence",
        "/nonexistent/form.pdf",
    ]));
    // A form dated before the child was born (Year 3: born 2018).
    let e = s
        .reg
        .bad_input(&with(&["--signed-on", "2015-09-10", "--grant", "website"]));
    assert!(
        e.contains("before") && e.contains("was born (2018-05-05)"),
        "{e}"
    );
    // A device that never ends, a folder and an empty file are not scanned forms (the first
    // would be read for ever).
    let empty = s.reg.write("empty.pdf", b"");
    for (path, says) in [
        ("/dev/zero", "not a file"),
        (s.reg.dir.path().to_str().unwrap(), "not a file"),
        (empty.to_str().unwrap(), "the file is empty"),
    ] {
        let mut args = base.to_vec();
        args.extend_from_slice(&[
            "--signed-on",
            "2025-09-10",
            "--grant",
            "website",
            "--evidence",
            path,
        ]);
        let e = s.reg.bad_input(&args);
        assert!(e.contains(says), "{path}: {e}");
    }
    s.reg.bad_input(&[
        "consent",
        "record",
        upn,
        "--signatory",
        "grandparent",
        "--signed-on",
        "2025-09-10",
        "--grant",
        "website",
    ]);
    let unknown = kent(999);
    let e = s.reg.bad_input(&[
        "consent",
        "record",
        &unknown,
        "--signatory",
        "parent",
        "--signed-on",
        "2025-09-10",
        "--grant",
        "website",
    ]);
    assert!(e.contains(&unknown), "names the unknown pupil: {e}");
    s.reg.bad_input(&[
        "consent",
        "record",
        "NOT-A-UPN",
        "--signatory",
        "parent",
        "--signed-on",
        "2025-09-10",
        "--grant",
        "website",
    ]);
    s.reg.bad_input(&[
        "consent",
        "withdraw",
        upn,
        "--signatory",
        "parent",
        "--on",
        "2025-11-01",
        "--channels",
        "tiktok",
    ]);
    s.reg.bad_input(&[
        "consent",
        "withdraw",
        upn,
        "--signatory",
        "parent",
        "--on",
        "yesterday",
    ]);
    s.reg.bad_input(&[
        "consent",
        "status",
        "--channel",
        "bogus",
        "--on",
        "2025-10-01",
    ]);
    s.reg
        .bad_input(&["consent", "status", "--on", "2025-13-01"]);
    s.reg
        .bad_input(&["consent", "status", "--upn", &unknown, "--on", "2025-10-01"]);
    s.reg.bad_input(&[
        "consent",
        "chase",
        "--academy",
        "NOPE",
        "--on",
        "2025-10-01",
    ]);
    s.reg.bad_input(&["pupils", "show", &unknown]);
    s.reg.bad_input(&[
        "pupils",
        "flag",
        &unknown,
        "--never-publish",
        "--reason",
        "x",
    ]);
    s.reg.bad_input(&[
        "pupils",
        "flag",
        upn,
        "--never-publish",
        "--parent-also-required",
        "--reason",
        "x",
    ]);
    s.reg
        .bad_input(&["pupils", "flag", upn, "--never-publish", "--reason", " "]);
    s.reg.bad_input(&[
        "pupils",
        "unflag",
        upn,
        "--never-publish",
        "--reason",
        "was never set",
        "--on",
        "2025-10-01",
    ]);
    s.reg
        .bad_input(&["pupils", "list", "--year-group", "Year Z"]);
}
