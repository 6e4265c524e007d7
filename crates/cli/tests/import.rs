//! `clearshot pupils import`: the MIS exports offices actually have, bad rows with spreadsheet
//! row numbers, re-imports and dry runs, through the binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{HEADER, Register, kent, line, roll, upn, wrong_check_letter};
use serde_json::Value;

/// Import options used throughout: the file's year groups are for 2025/26.
const AY: [&str; 4] = ["--academic-year", "2025", "--on", "2025-09-05"];

fn show(reg: &Register, upn: &str) -> Value {
    reg.json(&["pupils", "show", upn, "--on", "2025-10-01"])
}

fn reasons(report: &Value) -> Vec<(i64, String, String)> {
    report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_i64().unwrap(),
                r["upn"].as_str().unwrap().to_string(),
                r["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_report_has_the_contract_shape() {
    let reg = Register::with_academy();
    let report = reg.import(
        "OAK",
        roll(&[line(&kent(1), "Able", "Ann", "15/01/2012", "9")]),
        &AY,
    );
    for key in ["imported", "updated", "unchanged", "left"] {
        assert!(report[key].is_u64(), "{key} is a count: {report}");
    }
    assert!(report["rejected"].is_array() && report["warnings"].is_array());
    assert_eq!(report["imported"], 1);
    let text = reg.ok(&[
        "pupils",
        "import",
        reg.path("roll.csv").to_str().unwrap(),
        "--academy",
        "OAK",
        "--academic-year",
        "2025",
        "--on",
        "2025-09-05",
    ]);
    assert!(!text.trim().is_empty(), "a readable summary without --json");
}

/// Names are kept in one spelling of their accents (NFC): an export that writes "é" as "e" and
/// a combining accent, then one that does not, is the same roll, not 2 changed names.
#[test]
fn names_written_with_combining_accents_are_the_same_names() {
    let reg = Register::with_academy();
    let nfd = roll(&[
        line(
            &kent(1),
            "Mu\u{0308}ller",
            "Rene\u{0301}e",
            "15/01/2012",
            "9",
        ),
        line(
            &kent(2),
            "O\u{0301} Su\u{0301}illeabha\u{0301}in",
            "Aoife",
            "16/01/2012",
            "9",
        ),
    ]);
    let first = reg.import("OAK", &nfd, &AY);
    assert_eq!(first["imported"], 2, "{first}");
    assert_eq!(show(&reg, &kent(1))["legal_surname"], "Müller");
    let nfc = roll(&[
        line(&kent(1), "Müller", "Renée", "15/01/2012", "9"),
        line(&kent(2), "Ó Súilleabháin", "Aoife", "16/01/2012", "9"),
    ]);
    let again = reg.import("OAK", &nfc, &AY);
    assert_eq!(
        (again["updated"].clone(), again["unchanged"].clone()),
        (0.into(), 2.into()),
        "{again}"
    );
}

#[test]
fn header_synonyms_match_whatever_their_case_and_spacing() {
    let reg = Register::with_academy();
    let u = kent(1);
    let csv = format!(
        " unique PUPIL number ,Last Name,first name,Known As,Date of Birth,NC Year,Form,Adno,Ethnicity\n\
         {u},Able,Annabel,Bel,15/01/2012,9,9B,001234,not imported\n"
    );
    let report = reg.import("OAK", csv, &AY);
    assert_eq!(report["imported"], 1, "{report}");
    let p = show(&reg, &u);
    assert_eq!(p["legal_surname"], "Able");
    assert_eq!(p["legal_forename"], "Annabel");
    assert_eq!(p["preferred_forename"], "Bel");
    assert_eq!(p["dob"], "2012-01-15");
    assert_eq!(p["year_group"], 9);
    assert_eq!(p["reg_group"], "9B");
    assert_eq!(p["admission_number"], "001234", "leading zeros kept");

    let u2 = kent(2);
    let csv = format!(
        "UPN,Surname,Forename,Preferred Name,DOB,Curriculum Year,Registration Group,Admission Number\n\
         {u2},Bee,Ben,,15/01/2012,Year 9,9C,7\n"
    );
    let report = reg.import("OAK", csv, &["--no-mark-left", AY[0], AY[1], AY[2], AY[3]]);
    assert_eq!(report["imported"], 1, "{report}");
    assert_eq!(show(&reg, &u2)["reg_group"], "9C");
}

#[test]
fn map_names_columns_the_synonyms_do_not_know() {
    let reg = Register::with_academy();
    let u = kent(1);
    let csv = format!("Pupil Ref,Family,Given,Born,Yr\n{u},Able,Ann,15/01/2012,9\n");
    let out = reg.run(&[
        "--json",
        "pupils",
        "import",
        reg.write("roll.csv", &csv).to_str().unwrap(),
        "--academy",
        "OAK",
    ]);
    assert_eq!(out.status.code(), Some(2), "required columns are missing");
    let report = reg.import(
        "OAK",
        &csv,
        &[
            "--map",
            "Pupil Ref=upn",
            "--map",
            "family=legal_surname",
            "--map",
            "Given=legal_forename",
            "--map",
            "Born=dob",
            "--map",
            "Yr=year_group",
            AY[0],
            AY[1],
            AY[2],
            AY[3],
        ],
    );
    assert_eq!(report["imported"], 1, "{report}");
    assert_eq!(show(&reg, &u)["legal_forename"], "Ann");

    // --map wins over a synonym: here "Year" holds something else and is ignored.
    let u2 = kent(2);
    let csv = format!("{HEADER}\n{u2},Bee,Ben,,15/01/2012,Blue house,,\n");
    let report = reg.import(
        "OAK",
        csv,
        &[
            "--map",
            "Year=ignore",
            "--no-mark-left",
            AY[0],
            AY[1],
            AY[2],
            AY[3],
        ],
    );
    assert_eq!(report["imported"], 1, "{report}");
    assert_eq!(show(&reg, &u2)["year_group"], 9, "derived from the DOB");
}

#[test]
fn every_date_spelling_is_read() {
    let reg = Register::with_academy();
    let spellings = ["05/03/2015", "5/3/2015", "2015-03-05", "05-Mar-2015"];
    let upns: Vec<String> = (1..=4).map(kent).collect();
    let lines: Vec<String> = upns
        .iter()
        .zip(spellings)
        .map(|(u, d)| line(u, "Date", "Dee", d, "4"))
        .collect();
    let report = reg.import("OAK", roll(&lines), &AY);
    assert_eq!(report["imported"], 4, "{report}");
    assert!(report["rejected"].as_array().unwrap().is_empty());
    for (u, d) in upns.iter().zip(spellings) {
        assert_eq!(show(&reg, u)["dob"], "2015-03-05", "{d}");
    }
}

#[test]
fn every_year_group_spelling_is_read() {
    let reg = Register::with_academy();
    let cases: [(&str, &str, i64); 12] = [
        ("7", "10/10/2013", 7),
        ("Year 7", "10/10/2013", 7),
        ("Y7", "10/10/2013", 7),
        ("Yr 7", "10/10/2013", 7),
        ("R", "10/10/2020", 0),
        ("Reception", "10/10/2020", 0),
        ("N", "10/10/2021", -1),
        ("Nursery", "10/10/2021", -1),
        ("N1", "10/10/2022", -2),
        ("N2", "10/10/2021", -1),
        ("12", "10/10/2008", 12),
        ("Year 13", "10/10/2007", 13),
    ];
    let upns: Vec<String> = (1..=cases.len() as u32).map(kent).collect();
    let lines: Vec<String> = upns
        .iter()
        .zip(cases)
        .map(|(u, (y, dob, _))| line(u, "Year", "Yan", dob, y))
        .collect();
    let report = reg.import("OAK", roll(&lines), &AY);
    assert_eq!(report["imported"], 12, "{report}");
    assert!(
        report["warnings"].as_array().unwrap().is_empty(),
        "every DOB matches its year group: {report}"
    );
    for (u, (spelling, _, want)) in upns.iter().zip(cases) {
        assert_eq!(show(&reg, u)["year_group"], want, "{spelling:?}");
    }
}

#[test]
fn a_missing_year_group_is_derived_from_the_date_of_birth() {
    let reg = Register::with_academy();
    let u = kent(1);
    let report = reg.import(
        "OAK",
        roll(&[line(&u, "Derive", "Dan", "15/01/2012", "")]),
        &AY,
    );
    assert_eq!(report["imported"], 1, "{report}");
    assert_eq!(show(&reg, &u)["year_group"], 9);
    assert!(report["warnings"].as_array().unwrap().is_empty());
}

#[test]
fn the_mis_year_group_wins_over_the_dob_and_is_a_warning() {
    let reg = Register::with_academy();
    let u = kent(1);
    let report = reg.import(
        "OAK",
        roll(&[
            line(&kent(2), "Fine", "Fay", "15/01/2012", "9"),
            line(&u, "Held", "Hal", "15/01/2012", "8"),
        ]),
        &AY,
    );
    assert_eq!(report["imported"], 2);
    let w = report["warnings"].as_array().unwrap();
    assert_eq!(w.len(), 1, "{report}");
    assert_eq!(w[0]["row"], 3);
    assert_eq!(w[0]["upn"], u.as_str());
    assert!(
        w[0]["message"].as_str().unwrap().contains("Year 8"),
        "{w:?}"
    );
    assert_eq!(show(&reg, &u)["year_group"], 8);
}

#[test]
fn a_file_without_a_year_column_keeps_the_mis_year_already_recorded() {
    let reg = Register::with_academy();
    let (held, fine) = (kent(1), kent(2));
    reg.import(
        "OAK",
        roll(&[
            line(&held, "Held", "Hal", "15/01/2012", "8"),
            line(&fine, "Fine", "Fay", "15/01/2012", "9"),
        ]),
        &AY,
    );
    // Next year's export has no year column: Hal stays a year behind his age group (Year 9 in
    // 2026/27, not the Year 10 of his date of birth) and is not reported as changed.
    let (u3, csv) = (
        kent(3),
        format!(
            "UPN,Surname,Forename,DOB,Reg\n{held},Held,Hal,15/01/2012,9X\n{fine},Fine,Fay,15/01/2012,10Y\n"
        ),
    );
    let csv = format!("{csv}{u3},New,Ned,15/01/2012,10Y\n");
    let next = ["--academic-year", "2026", "--on", "2026-09-07"];
    let report = reg.import("OAK", &csv, &next);
    assert_eq!(report["imported"], 1, "{report}");
    let on = |upn: &str| reg.json(&["pupils", "show", upn, "--on", "2026-10-01"]);
    assert_eq!(on(&held)["year_group"], 9, "the MIS year carried forward");
    assert_eq!(on(&fine)["year_group"], 10);
    assert_eq!(
        on(&u3)["year_group"],
        10,
        "a new pupil: from the date of birth"
    );
    // The text report says where the year groups came from.
    let file = reg.write("no-year.csv", &csv);
    let text = reg.ok(&[
        "pupils",
        "import",
        file.to_str().unwrap(),
        "--academy",
        "OAK",
        "--dry-run",
        next[0],
        next[1],
        next[2],
        next[3],
    ]);
    assert!(text.contains("No year-group column"), "{text}");
    assert!(text.contains("0 updated"), "nothing changes: {text}");
    // A blank cell in a file that has the column: the same.
    let blank = roll(&[
        line(&held, "Held", "Hal", "15/01/2012", ""),
        line(&fine, "Fine", "Fay", "15/01/2012", "10"),
        line(&u3, "New", "Ned", "15/01/2012", "10"),
    ]);
    reg.import("OAK", &blank, &next);
    assert_eq!(
        on(&held)["year_group"],
        9,
        "a blank cell keeps the MIS year"
    );
}

#[test]
fn an_import_dated_in_the_future_or_a_name_with_a_direction_override_is_refused() {
    let reg = Register::with_academy();
    let file = reg.write(
        "roll.csv",
        roll(&[line(&kent(1), "Able", "Ann", "15/01/2012", "9")]),
    );
    let e = reg.bad_input(&[
        "pupils",
        "import",
        file.to_str().unwrap(),
        "--academy",
        "OAK",
        "--academic-year",
        "2040",
        "--on",
        "2040-10-01",
    ]);
    assert!(e.contains("is after today"), "{e}");
    // U+202E reverses what follows it on screen: that row is rejected, the others imported.
    let report = reg.import(
        "OAK",
        roll(&[
            line(&kent(1), "Able", "Ann", "15/01/2012", "9"),
            line(&kent(2), "Beg\u{202E}um", "Bo", "15/01/2012", "9"),
        ]),
        &AY,
    );
    assert_eq!(report["imported"], 1, "{report}");
    let rejected = reasons(&report);
    assert_eq!(rejected.len(), 1, "{report}");
    assert_eq!(rejected[0].0, 3);
    assert!(rejected[0].2.contains("direction overrides"), "{report}");
}

#[test]
fn a_new_upn_with_the_name_and_birth_date_of_a_flagged_pupil_is_a_warning() {
    let reg = Register::with_academy();
    // A temporary UPN (its last character a letter), then the permanent one from the DfE.
    let temporary = "Z88640211821A";
    reg.import(
        "OAK",
        roll(&[line(temporary, "Newkid", "Nia", "24/02/2015", "6")]),
        &AY,
    );
    reg.ok(&[
        "pupils",
        "flag",
        temporary,
        "--never-publish",
        "--reason",
        "court order",
        "--on",
        "2025-09-06",
    ]);
    let permanent = kent(1);
    let report = reg.import(
        "OAK",
        // The MIS spells her name with an accent and in capitals: still the same name.
        roll(&[line(&permanent, "NEWKID", "Nía", "24/02/2015", "6")]),
        &["--academic-year", "2025", "--on", "2025-10-01"],
    );
    assert_eq!(report["imported"], 1, "{report}");
    let w = report["warnings"].as_array().unwrap();
    assert_eq!(w.len(), 1, "{report}");
    assert_eq!(w[0]["upn"], permanent.as_str());
    let message = w[0]["message"].as_str().unwrap();
    assert!(message.contains(temporary), "{message}");
    assert!(message.contains("NEVER-PUBLISH"), "{message}");
    // Until someone has looked, the new record is never published either.
    assert!(
        message.contains("this record has been given the flag too"),
        "{message}"
    );
    assert_eq!(show(&reg, &permanent)["never_publish"], true);
    // On the record as a flag like any other (its reason withheld from the log's display).
    let audit = reg.json(&["audit", "log"]);
    let flag_sets = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "flag.set")
        .count();
    assert_eq!(flag_sets, 2, "{audit}");
    assert!(
        !message.contains("court order"),
        "the reason stays withheld: {message}"
    );
    // Another child born the same day is not mistaken for her.
    let report = reg.import(
        "OAK",
        roll(&[
            line(&permanent, "Newkid", "Nia", "24/02/2015", "6"),
            line(&kent(2), "Other", "Olu", "24/02/2015", "6"),
        ]),
        &["--academic-year", "2025", "--on", "2025-10-02"],
    );
    assert!(
        report["warnings"].as_array().unwrap().is_empty(),
        "{report}"
    );
}

#[test]
fn columns_the_import_does_not_read_are_named() {
    let reg = Register::with_academy();
    let u = kent(1);
    // Arbor's and SIMS's own headers are read; an unknown column is named in the summary.
    let csv = format!(
        "UPN,Legal Last Name,Legal First Name,Preferred First Name,Date of Birth,NC Year Actual,Tutor Group,Admission No,Shoe Size\n\
         {u},Able,Annabel,Bel,15/01/2012,8,8T,0042,5\n"
    );
    let file = reg.write("arbor.csv", &csv);
    let text = reg.ok(&[
        "pupils",
        "import",
        file.to_str().unwrap(),
        "--academy",
        "OAK",
        AY[0],
        AY[1],
        AY[2],
        AY[3],
    ]);
    assert!(text.contains("Columns not read: Shoe Size"), "{text}");
    assert!(!text.contains("No year-group column"), "{text}");
    let p = show(&reg, &u);
    assert_eq!(p["legal_surname"], "Able");
    assert_eq!(p["preferred_forename"], "Bel");
    assert_eq!(p["year_group"], 8);
    assert_eq!(p["reg_group"], "8T");
    assert_eq!(p["admission_number"], "0042");
}

#[test]
fn utf8_with_bom_is_read_and_accents_apostrophes_hyphens_survive() {
    let reg = Register::with_academy();
    let u = kent(1);
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(roll(&[line(&u, "D'Arcy-Núñez", "Zoë", "15/01/2012", "9")]).as_bytes());
    let report = reg.import("OAK", bytes, &AY);
    assert_eq!(
        report["imported"], 1,
        "the BOM must not hide the UPN column: {report}"
    );
    let p = show(&reg, &u);
    assert_eq!(p["legal_surname"], "D'Arcy-Núñez");
    assert_eq!(p["legal_forename"], "Zoë");
}

#[test]
fn windows_1252_names_come_back_byte_exact() {
    let reg = Register::with_academy();
    let u = kent(1);
    let mut bytes = HEADER.as_bytes().to_vec();
    bytes.extend_from_slice(format!("\r\n{u},O").as_bytes());
    bytes.push(0x92); // right single quotation mark in Windows-1252
    bytes.extend_from_slice(b"Neil,Ren");
    bytes.push(0xE9); // é
    bytes.extend_from_slice(b"e,,15/01/2012,9,,\r\n");
    let report = reg.import("OAK", bytes, &AY);
    assert_eq!(report["imported"], 1, "{report}");
    let p = show(&reg, &u);
    assert_eq!(
        p["legal_forename"].as_str().unwrap().as_bytes(),
        "Renée".as_bytes()
    );
    assert_eq!(
        p["legal_surname"].as_str().unwrap().as_bytes(),
        "O\u{2019}Neil".as_bytes()
    );
}

#[test]
fn semicolon_and_tab_delimiters_are_sniffed() {
    for (name, sep) in [("semicolon", ";"), ("tab", "\t")] {
        let reg = Register::with_academy();
        let u = kent(1);
        let csv = format!(
            "{}\n{}\n",
            HEADER.replace(',', sep),
            [u.as_str(), "Semi", "Sue", "", "15/01/2012", "9", "9A", "12"].join(sep)
        );
        let report = reg.import("OAK", csv, &AY);
        assert_eq!(report["imported"], 1, "{name}: {report}");
        assert_eq!(show(&reg, &u)["reg_group"], "9A", "{name}");
    }
}

#[test]
fn row_numbers_stay_spreadsheet_rows_after_a_quoted_newline_and_with_crlf() {
    let reg = Register::with_academy();
    let bad = wrong_check_letter(&kent(3));
    let csv = format!(
        "{HEADER},Notes\r\n\
         {},One,Ola,,15/01/2012,9,,,\"two\r\nlines\"\r\n\
         {bad},Two,Tia,,15/01/2012,9,,,\r\n\
         {},Three,Tom,,15/01/2012,8,,,\r\n",
        kent(1),
        kent(2)
    );
    let report = reg.import("OAK", csv, &AY);
    assert_eq!(report["imported"], 2, "{report}");
    let r = reasons(&report);
    assert_eq!(r.len(), 1, "{report}");
    assert_eq!(
        r[0].0, 3,
        "the bad row is the third spreadsheet row: {report}"
    );
    assert_eq!(report["warnings"][0]["row"], 4, "{report}");
}

#[test]
fn bad_rows_are_reported_with_their_row_and_reason_and_good_rows_still_import() {
    let reg = Register::with_academy();
    let good1 = kent(1);
    let good2 = kent(2);
    let wrong = wrong_check_letter(&kent(3));
    let unknown_la = upn("999", "4021", "15", "004");
    let no_dob = kent(5);
    let bad_dob = kent(6);
    let bad_year = kent(7);
    let twice = kent(8);
    let csv = roll(&[
        line(&good1, "Good", "Gus", "15/01/2012", "9"),
        line(&wrong, "Wrong", "Wes", "15/01/2012", "9"),
        line(&unknown_la, "Nowhere", "Nat", "15/01/2012", "9"),
        line(&no_dob, "Nodob", "Ned", "", "9"),
        line(&bad_dob, "Baddob", "Bea", "31/02/2012", "9"),
        line(&bad_year, "Badyear", "Bo", "15/01/2012", "Year Z"),
        line(&twice, "Twice", "Tess", "15/01/2012", "9"),
        line(&good2, "Good", "Gwen", "15/01/2012", "9"),
        line(&twice, "Twice", "Tess", "15/01/2012", "9"),
    ]);
    let report = reg.import("OAK", csv, &AY);
    assert_eq!(report["imported"], 2, "{report}");
    let r = reasons(&report);
    let expect: [(i64, &str, &str); 7] = [
        (3, &wrong, "check letter"),
        (4, &unknown_la, "LA"),
        (5, &no_dob, "missing date of birth"),
        (6, &bad_dob, "date of birth"),
        (7, &bad_year, "year group"),
        (8, &twice, "more than once"),
        (10, &twice, "more than once"),
    ];
    assert_eq!(r.len(), expect.len(), "{r:#?}");
    for ((row, upn, reason), (want_row, want_upn, want_reason)) in r.iter().zip(expect) {
        assert_eq!((*row, upn.as_str()), (want_row, want_upn), "{r:#?}");
        assert!(
            reason.contains(want_reason),
            "row {row}: {reason:?} should mention {want_reason:?}"
        );
    }
    let listed = reg.json(&["pupils", "list", "--on", "2025-10-01"]);
    let upns: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["upn"].as_str().unwrap())
        .collect();
    assert_eq!(upns.len(), 2);
    assert!(upns.contains(&good1.as_str()) && upns.contains(&good2.as_str()));
}

/// Three pupils in 2025; in 2026 one changes, one stays, one is gone and one is new.
fn reimport_files(reg: &Register) -> (String, Vec<&'static str>) {
    let first = roll(&[
        line(&kent(1), "Stay", "Sid", "15/01/2012", "9"),
        line(&kent(2), "Change", "Cal", "15/01/2012", "9"),
        line(&kent(3), "Gone", "Gil", "15/01/2012", "9"),
    ]);
    let report = reg.import("OAK", first, &AY);
    assert_eq!(report["imported"], 3);
    let second = roll(&[
        line(&kent(1), "Stay", "Sid", "15/01/2012", "9"),
        line(&kent(2), "Change-Smith", "Cal", "15/01/2012", "9"),
        line(&kent(4), "New", "Nell", "15/01/2012", "9"),
    ]);
    (second, AY.to_vec())
}

#[test]
fn a_reimport_updates_changed_leaves_unchanged_and_marks_missing_as_left() {
    let reg = Register::with_academy();
    let (second, _) = reimport_files(&reg);
    let report = reg.import(
        "OAK",
        second,
        &["--academic-year", "2025", "--on", "2025-11-01"],
    );
    assert_eq!(report["imported"], 1, "{report}");
    assert_eq!(report["updated"], 1, "{report}");
    assert_eq!(report["unchanged"], 1, "{report}");
    assert_eq!(report["left"], 1, "{report}");
    assert_eq!(show(&reg, &kent(2))["legal_surname"], "Change-Smith");
    let gone = reg.json(&["pupils", "show", &kent(3), "--on", "2025-11-01"]);
    assert_eq!(
        gone["left_on"], "2025-11-01",
        "never deleted, marked left on the import date"
    );
    let on_roll = reg.json(&["pupils", "list", "--on", "2025-11-01"]);
    assert_eq!(on_roll.as_array().unwrap().len(), 3);
    let everyone = reg.json(&["pupils", "list", "--include-left", "--on", "2025-11-01"]);
    assert_eq!(everyone.as_array().unwrap().len(), 4);
}

/// A changed date of birth is said, and a day and month swapped points at a US-format export.
#[test]
fn a_changed_date_of_birth_is_a_warning_naming_both_dates() {
    let reg = Register::with_academy();
    reg.import(
        "OAK",
        roll(&[
            line(&kent(1), "Able", "Ann", "03/04/2012", "9"),
            line(&kent(2), "Baker", "Bo", "20/01/2012", "9"),
        ]),
        &AY,
    );
    let report = reg.import(
        "OAK",
        roll(&[
            line(&kent(1), "Able", "Ann", "04/03/2012", "9"),
            line(&kent(2), "Baker", "Bo", "21/01/2012", "9"),
        ]),
        &["--academic-year", "2025", "--on", "2025-11-01"],
    );
    let w: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["message"].as_str().unwrap())
        .collect();
    assert!(
        w.contains(&"date of birth changed from 2012-04-03 to 2012-03-04: day and month swapped — is the file's date format mm/dd/yyyy? Dates are read as dd/mm/yyyy"),
        "{w:?}"
    );
    assert!(
        w.contains(&"date of birth changed from 2012-01-20 to 2012-01-21"),
        "{w:?}"
    );
}

/// Last year's export imported as this year's is refused, naming the academic year that fits
/// (every pupil a year younger would change who must sign); a file whose dates are mm/dd/yyyy,
/// swapping several pupils' day and month, is refused.
#[test]
fn last_years_export_is_refused_and_so_is_a_us_date_file() {
    let reg = Register::with_academy();
    // Born 2012/13 (Year 8 in 2025/26 by date of birth), exported as Year 7: last year's file.
    let rows: Vec<String> = (1..=8)
        .map(|i| {
            line(
                &kent(i),
                &format!("Pupil{i}"),
                "Pat",
                &format!("{:02}/03/2013", i + 1),
                "7",
            )
        })
        .collect();
    let before = reg.fingerprint();
    let last_year = reg.write("last-year.csv", roll(&rows));
    let err = reg.bad_input(&[
        "pupils",
        "import",
        last_year.to_str().unwrap(),
        "--academy",
        "OAK",
        "--academic-year",
        "2025",
        "--on",
        "2025-09-05",
    ]);
    assert!(
        err.contains("8 of the file's 8 year groups are one year below the date of birth's in 2025/26. Is this last year's roll? Export this year's from the MIS. If the year groups are right (pupils taught out of their age group, as in a special school), import with --accept-year-groups; nothing was imported"),
        "{err}"
    );
    assert_eq!(reg.fingerprint(), before);
    // With the academic year it was made for, it imports.
    let report = reg.import(
        "OAK",
        roll(&rows),
        &["--academic-year", "2024", "--on", "2025-09-05"],
    );
    assert_eq!(report["imported"], 8, "{report}");
    // The same pupils with their dates of birth written month first (3 March reads both ways).
    let us: Vec<String> = (1..=8)
        .map(|i| {
            line(
                &kent(i),
                &format!("Pupil{i}"),
                "Pat",
                &format!("03/{:02}/2013", i + 1),
                "7",
            )
        })
        .collect();
    let before = reg.fingerprint();
    let file = reg.write("us.csv", roll(&us));
    let err = reg.bad_input(&[
        "pupils",
        "import",
        file.to_str().unwrap(),
        "--academy",
        "OAK",
        "--academic-year",
        "2024",
        "--on",
        "2025-09-20",
    ]);
    assert!(
        err.contains("7 pupils' dates of birth would change with day and month swapped")
            && err.contains("look like mm/dd/yyyy")
            && err.contains("nothing was changed"),
        "{err}"
    );
    assert_eq!(reg.fingerprint(), before);
}

/// A year typed wrong on --on ("2016" for "2025") would mark pupils as left ten years ago, and
/// a retention purge would then delete their records: an import dated before the academy's last
/// one is refused.
#[test]
fn an_import_dated_before_the_academys_last_one_is_refused() {
    let reg = Register::with_academy();
    let file = roll(&[line(&kent(1), "Able", "Ann", "15/01/2012", "9")]);
    reg.import(
        "OAK",
        &file,
        &["--academic-year", "2025", "--on", "2025-11-01"],
    );
    let path = reg.write("again.csv", &file);
    let err = reg.bad_input(&[
        "pupils",
        "import",
        path.to_str().unwrap(),
        "--academy",
        "OAK",
        "--academic-year",
        "2016",
        "--on",
        "2016-11-01",
    ]);
    assert!(
        err.contains(
            "the import date 2016-11-01 is before the last roll imported for OAK (dated 2025-11-01)"
        ),
        "{err}"
    );
    // The same day, or later, is an ordinary re-import.
    reg.import(
        "OAK",
        &file,
        &["--academic-year", "2025", "--on", "2025-11-01"],
    );
    reg.import(
        "OAK",
        &file,
        &["--academic-year", "2025", "--on", "2025-11-20"],
    );
}

/// Next term's export made with fewer columns (no preferred names, registration group or
/// admission number) leaves them as they were: a blank is a change, a missing column is not.
#[test]
fn a_reimport_without_the_optional_columns_keeps_what_they_held() {
    let reg = Register::with_academy();
    let full = format!(
        "UPN,Legal Surname,Legal Forename,Preferred Forename,Preferred Surname,DOB,Year,Reg,Adno\n\
         {},Okafor,Oliver,Ollie,Reid,15/01/2012,9,9R,0042\n\
         {},Blank,Bea,Bee,,15/01/2012,9,9R,0043\n",
        kent(1),
        kent(2)
    );
    reg.import("OAK", full, &AY);
    let fewer = format!(
        "UPN,Legal Surname,Legal Forename,DOB,Year\n{},Okafor,Oliver,15/01/2012,9\n{},Blank,Bea,15/01/2012,9\n",
        kent(1),
        kent(2)
    );
    let report = reg.import(
        "OAK",
        fewer,
        &["--academic-year", "2025", "--on", "2025-11-01"],
    );
    assert_eq!(report["unchanged"], 2, "{report}");
    assert_eq!(
        report["kept_fields"],
        serde_json::json!([
            "preferred_forename",
            "preferred_surname",
            "reg_group",
            "admission_number"
        ])
    );
    let oliver = show(&reg, &kent(1));
    assert_eq!(oliver["preferred_surname"], "Reid", "{oliver}");
    assert_eq!(oliver["preferred_forename"], "Ollie");
    assert_eq!(oliver["reg_group"], "9R");
    assert_eq!(oliver["admission_number"], "0042");
    // A column that is there but blank does clear the field.
    let blank = format!(
        "UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year\n{},Okafor,Oliver,,15/01/2012,9\n",
        kent(1)
    );
    let text = {
        let file = reg.write("blank.csv", &blank);
        reg.ok(&[
            "pupils",
            "import",
            file.to_str().unwrap(),
            "--academy",
            "OAK",
            "--no-mark-left",
            "--academic-year",
            "2025",
            "--on",
            "2025-11-02",
        ])
    };
    assert!(
        text.contains("Not in the file: preferred surname, registration group, admission number; pupils already on the register keep theirs"),
        "{text}"
    );
    let oliver = show(&reg, &kent(1));
    assert_eq!(oliver["preferred_forename"], Value::Null, "{oliver}");
    assert_eq!(oliver["preferred_surname"], "Reid", "{oliver}");
}

/// One year group's export, or another academy's roll, would take most of the academy off
/// roll: refused unless asked for, and every leaver is named, in a dry run too.
#[test]
fn an_import_that_would_mark_most_of_the_roll_as_left_is_refused_unless_asked_for() {
    let reg = Register::with_academy();
    let everyone: Vec<String> = (1..=40)
        .map(|i| line(&kent(i), &format!("Pupil{i:02}"), "Pat", "15/01/2012", "9"))
        .collect();
    reg.import("OAK", roll(&everyone), &AY);
    let before = reg.fingerprint();
    // Only the first 20 rows: 20 of 40 would leave.
    let half = roll(&everyone[..20]);
    let file = reg.write("half.csv", &half);
    let args = |extra: &[&'static str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "pupils",
            "import",
            file.to_str().unwrap(),
            "--academy",
            "OAK",
            "--academic-year",
            "2025",
            "--on",
            "2025-11-01",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let refused = {
        let a = args(&[]);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        reg.bad_input(&a)
    };
    assert!(
        refused.contains("this file would mark 20 of the 40 pupils on roll at OAK as left")
            && refused.contains("Nothing was changed")
            && refused.contains("--allow-many-leavers"),
        "{refused}"
    );
    assert_eq!(reg.fingerprint(), before, "nothing changed");
    // The dry run says who, and that the import would be refused.
    let dry = {
        let a = args(&["--dry-run"]);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        reg.json(&a)
    };
    assert_eq!(dry["many_leavers"], true, "{dry}");
    let leavers = dry["leavers"].as_array().unwrap();
    assert_eq!(leavers.len(), 20);
    assert_eq!(leavers[0]["upn"], kent(21).as_str());
    assert_eq!(leavers[0]["name"], "Pat Pupil21");
    let text = {
        let a = args(&["--dry-run"]);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        reg.ok(&a)
    };
    assert!(
        text.contains("WARNING: 20 pupils would be marked as left"),
        "{text}"
    );
    assert!(
        text.contains(&format!("Would be marked as left:\n  {}", kent(21))),
        "{text}"
    );
    // Asked for: done, and named.
    let done = {
        let a = args(&["--allow-many-leavers"]);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        reg.json(&a)
    };
    assert_eq!(done["left"], 20, "{done}");
    assert_eq!(done["leavers"].as_array().unwrap().len(), 20);
    // Ten leavers, or a quarter of the roll, is an ordinary term: no question asked.
    let reg = Register::with_academy();
    reg.import("OAK", roll(&everyone), &AY);
    let report = reg.import(
        "OAK",
        roll(&everyone[..30]),
        &["--academic-year", "2025", "--on", "2025-11-01"],
    );
    assert_eq!(report["left"], 10, "{report}");
    assert_eq!(report["many_leavers"], false, "{report}");
}

/// "2026/27" typed as 2027 in November would make every pupil a year younger: a Year 7 would
/// need only a parent's form. Next year's roll is accepted from June.
#[test]
fn next_years_academic_year_is_refused_before_the_summer_term() {
    let reg = Register::with_academy();
    let file = reg.write(
        "roll.csv",
        roll(&[line(&kent(1), "Able", "Ann", "15/01/2012", "")]),
    );
    let err = reg.bad_input(&[
        "pupils",
        "import",
        file.to_str().unwrap(),
        "--academy",
        "OAK",
        "--academic-year",
        "2026",
        "--on",
        "2025-11-27",
    ]);
    assert!(
        err.contains("academic year 2026/27 starts on 1 September 2026, and a roll for it is made from June: on 2025-11-27 the school year is 2025/26 (--academic-year 2025)"),
        "{err}"
    );
    let report = reg.import(
        "OAK",
        roll(&[line(&kent(1), "Able", "Ann", "15/01/2012", "")]),
        &["--academic-year", "2026", "--on", "2026-06-01"],
    );
    assert_eq!(report["imported"], 1, "{report}");
}

/// September's roll imported in June: Year 6 (or 13) is not in it, but is on roll, with forms
/// that count, until the end of August.
#[test]
fn next_years_roll_marks_this_years_leavers_as_leaving_on_1_september() {
    // Sid stays; Gail (Year 6) is not in the next file.
    let two_pupils = || {
        let reg = Register::with_academy();
        reg.import(
            "OAK",
            roll(&[
                line(&kent(1), "Stay", "Sid", "15/01/2015", "5"),
                line(&kent(2), "Going", "Gail", "15/01/2014", "6"),
            ]),
            &AY,
        );
        reg
    };
    let sid_only = |year: &str| roll(&[line(&kent(1), "Stay", "Sid", "15/01/2015", year)]);
    let reg = two_pupils();
    let report = reg.import(
        "OAK",
        sid_only("6"),
        &["--academic-year", "2026", "--on", "2026-06-15"],
    );
    assert_eq!(report["left"], 1, "{report}");
    assert_eq!(report["leavers"][0]["left_on"], "2026-09-01", "{report}");
    let on_roll = |on: &str| {
        reg.json(&["pupils", "list", "--on", on])
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(on_roll("2026-07-20"), 2);
    assert_eq!(on_roll("2026-08-31"), 2);
    assert_eq!(on_roll("2026-09-01"), 1);
    // The summary says when.
    let reg = two_pupils();
    let file = reg.write("again.csv", sid_only("6"));
    let text = reg.ok(&[
        "pupils",
        "import",
        file.to_str().unwrap(),
        "--academy",
        "OAK",
        "--academic-year",
        "2026",
        "--on",
        "2026-06-15",
    ]);
    assert!(
        text.contains("Marked as left from 2026-09-01 (on roll until the day before):"),
        "{text}"
    );
    // A roll for this school year marks them as left on the import's own date.
    let report = two_pupils().import(
        "OAK",
        sid_only("5"),
        &["--academic-year", "2025", "--on", "2026-02-02"],
    );
    assert_eq!(report["leavers"][0]["left_on"], "2026-02-02", "{report}");
}

/// Last July's export, found after September's roll was imported (allowed until 30 September
/// on its own), would take this year's new Reception off roll and bring Year 13 back.
#[test]
fn an_older_school_years_roll_after_a_newer_one_is_refused() {
    let reg = Register::with_academy();
    let july = roll(&[
        line(&kent(1), "Stay", "Sid", "15/01/2015", "5"),
        line(&kent(2), "Going", "Gail", "15/01/2008", "13"),
    ]);
    reg.import("OAK", &july, &AY);
    reg.import(
        "OAK",
        roll(&[
            line(&kent(1), "Stay", "Sid", "15/01/2015", "6"),
            line(&kent(3), "New", "Nia", "15/01/2021", "R"),
        ]),
        &["--academic-year", "2026", "--on", "2026-09-07"],
    );
    let file = reg.write("july.csv", &july);
    let e = reg.bad_input(&[
        "pupils",
        "import",
        file.to_str().unwrap(),
        "--academy",
        "OAK",
        "--academic-year",
        "2025",
        "--on",
        "2026-09-10",
    ]);
    assert!(
        e.contains("this file's year groups are for 2025/26, but the roll imported for OAK on 2026-09-07 was already for 2026/27"),
        "{e}"
    );
    // A dry run says the same, and the same year's roll again is fine.
    let e = reg.bad_input(&[
        "pupils",
        "import",
        file.to_str().unwrap(),
        "--academy",
        "OAK",
        "--academic-year",
        "2025",
        "--on",
        "2026-09-10",
        "--dry-run",
    ]);
    assert!(e.contains("was already for 2026/27"), "{e}");
    let report = reg.import(
        "OAK",
        roll(&[
            line(&kent(1), "Stay", "Sid", "15/01/2015", "6"),
            line(&kent(3), "New", "Nia", "15/01/2021", "R"),
        ]),
        &["--academic-year", "2026", "--on", "2026-09-10"],
    );
    assert_eq!(report["unchanged"], 2, "{report}");
}

/// A pupil who comes back is said to be back (not just "1 updated"), and a pupil who left keeps
/// the year group of their last day in listings years later.
#[test]
fn a_returning_pupil_is_named_and_a_leaver_keeps_their_last_year_group() {
    let reg = Register::with_academy();
    let both = roll(&[
        line(&kent(1), "Stay", "Sid", "15/01/2015", "5"),
        line(&kent(2), "Going", "Gail", "15/01/2015", "5"),
    ]);
    reg.import("OAK", &both, &AY);
    reg.import(
        "OAK",
        roll(&[line(&kent(1), "Stay", "Sid", "15/01/2015", "5")]),
        &["--academic-year", "2025", "--on", "2025-11-01"],
    );
    let all = reg.json(&["pupils", "list", "--include-left", "--on", "2034-01-01"]);
    let gail = all
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["upn"] == kent(2).as_str())
        .unwrap();
    assert_eq!(gail["year_group"], 5, "{gail}");
    let back = reg.import(
        "OAK",
        &both,
        &["--academic-year", "2025", "--on", "2026-01-05"],
    );
    assert_eq!(back["updated"], 1, "{back}");
    assert!(
        back["warnings"]
            .to_string()
            .contains("back on roll: marked as left on 2025-11-01 (at OAK)"),
        "{back}"
    );
}

/// A pupil who joined in February is not in October's class list, chase list or status; the
/// first import's roll was there before the register knew; a pupil imported with next year's
/// roll in June is on roll from 1 September.
#[test]
fn a_joiner_is_on_roll_from_the_day_they_joined() {
    let reg = Register::with_academy();
    reg.import(
        "OAK",
        roll(&[line(&kent(1), "First", "Fay", "15/01/2015", "5")]),
        &AY,
    );
    reg.import(
        "OAK",
        roll(&[
            line(&kent(1), "First", "Fay", "15/01/2015", "5"),
            line(&kent(2), "Joiner", "Jo", "15/01/2015", "5"),
        ]),
        &["--academic-year", "2025", "--on", "2026-02-10"],
    );
    let upns = |args: &[&str]| -> Vec<String> {
        reg.json(args)
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["upn"].as_str().unwrap().to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    assert_eq!(
        upns(&["pupils", "list", "--on", "2025-10-01"]),
        [kent(1)],
        "before joining"
    );
    assert_eq!(upns(&["consent", "chase", "--on", "2025-10-01"]), [kent(1)]);
    assert_eq!(
        upns(&["consent", "status", "--on", "2025-10-01"]),
        [kent(1)]
    );
    assert_eq!(upns(&["pupils", "list", "--on", "2026-02-10"]).len(), 2);
    // Next year's roll in June: the new Reception child is on roll from 1 September.
    reg.import(
        "OAK",
        roll(&[
            line(&kent(1), "First", "Fay", "15/01/2015", "6"),
            line(&kent(2), "Joiner", "Jo", "15/01/2015", "6"),
            line(&kent(3), "New", "Nia", "15/01/2022", "R"),
        ]),
        &["--academic-year", "2026", "--on", "2026-06-15"],
    );
    assert_eq!(upns(&["pupils", "list", "--on", "2026-07-01"]).len(), 2);
    assert_eq!(upns(&["pupils", "list", "--on", "2026-09-01"]).len(), 3);
    let nia = reg.json(&["pupils", "show", &kent(3)]);
    assert_eq!(nia["joined_on"], "2026-09-01", "{nia}");
    let fay = reg.json(&["pupils", "show", &kent(1)]);
    assert_eq!(fay["joined_on"], Value::Null, "{fay}");
}

/// The summer term with next year's roll imported: this year's roll may still be imported (a
/// late joiner) without taking September's Reception off roll or cancelling Year 6's leaving;
/// a feeder primary's Year 6 in the secondary's next-year roll stays on the primary's roll, and
/// next year's registration groups wait for September.
#[test]
fn this_years_and_next_years_rolls_live_together_in_the_summer_term() {
    let reg = Register::with_academy();
    reg.ok(&["academies", "add", "ELM", "--name", "Elm Secondary"]);
    // Reg groups are the line's 7th cell.
    let with_reg = |upn: &str, surname: &str, dob: &str, year: &str, reg_group: &str| {
        format!("{upn},{surname},Kid,,{dob},{year},{reg_group},")
    };
    reg.import(
        "OAK",
        roll(&[
            with_reg(&kent(1), "Stay", "15/01/2018", "3", "3B"),
            with_reg(&kent(2), "Leaver", "15/01/2015", "6", "6A"),
        ]),
        &["--academic-year", "2025", "--on", "2025-09-07"],
    );
    reg.import(
        "ELM",
        roll(&[with_reg(&kent(9), "Older", "15/01/2013", "8", "8E")]),
        &["--academic-year", "2025", "--on", "2025-09-07"],
    );
    // June: OAK's September roll (Year 6 gone, a new Reception child, 4H for 3B).
    let next = reg.import(
        "OAK",
        roll(&[
            with_reg(&kent(1), "Stay", "15/01/2018", "4", "4H"),
            with_reg(&kent(3), "New", "15/01/2022", "R", "RA"),
        ]),
        &["--academic-year", "2026", "--on", "2026-06-15"],
    );
    assert_eq!(next["leavers"][0]["left_on"], "2026-09-01", "{next}");
    let sid = reg.json(&["pupils", "show", &kent(1), "--on", "2026-06-20"]);
    assert_eq!(
        sid["reg_group"], "3B",
        "this term's group until September: {sid}"
    );
    // ELM's September roll takes OAK's Year 6 as Year 7: not moved in June.
    let elm = reg.import(
        "ELM",
        roll(&[
            with_reg(&kent(9), "Older", "15/01/2013", "9", "9E"),
            with_reg(&kent(2), "Leaver", "15/01/2015", "7", "7C"),
        ]),
        &["--academic-year", "2026", "--on", "2026-06-16"],
    );
    assert!(
        elm["warnings"]
            .to_string()
            .contains("on OAK's roll until 31 August: not moved now"),
        "{elm}"
    );
    let oak_list = |on: &str| -> Vec<String> {
        reg.json(&["pupils", "list", "--academy", "OAK", "--on", on])
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["upn"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(oak_list("2026-07-01").contains(&kent(2)));
    // A late joiner in June: this year's roll, allowed; September's Reception child stays,
    // and Year 6 still leaves on 1 September.
    let late = reg.import(
        "OAK",
        roll(&[
            with_reg(&kent(1), "Stay", "15/01/2018", "3", "3B"),
            with_reg(&kent(2), "Leaver", "15/01/2015", "6", "6A"),
            with_reg(&kent(4), "Late", "15/01/2018", "3", "3B"),
        ]),
        &["--academic-year", "2025", "--on", "2026-06-22"],
    );
    assert_eq!(late["left"], 0, "{late}");
    assert_eq!(late["imported"], 1, "{late}");
    let leaver = reg.json(&["pupils", "show", &kent(2), "--on", "2026-06-22"]);
    assert_eq!(leaver["left_on"], "2026-09-01", "{leaver}");
    assert!(oak_list("2026-09-01").contains(&kent(3)));
    assert!(!oak_list("2026-09-01").contains(&kent(2)));
    // A corrected September roll that keeps Year 6's Leaver after all: they stay.
    let kept = reg.import(
        "OAK",
        roll(&[
            with_reg(&kent(1), "Stay", "15/01/2018", "4", "4H"),
            with_reg(&kent(2), "Leaver", "15/01/2015", "7", "7A"),
            with_reg(&kent(3), "New", "15/01/2022", "R", "RA"),
            with_reg(&kent(4), "Late", "15/01/2018", "4", "4H"),
        ]),
        &["--academic-year", "2026", "--on", "2026-06-25"],
    );
    assert!(
        kept["warnings"]
            .to_string()
            .contains("no longer leaving on 2026-09-01"),
        "{kept}"
    );
    assert!(
        !kept["warnings"].to_string().contains("back on roll"),
        "{kept}"
    );
    assert!(oak_list("2026-09-01").contains(&kent(2)));
}

#[test]
fn no_mark_left_keeps_pupils_missing_from_the_file_on_roll() {
    let reg = Register::with_academy();
    let (second, _) = reimport_files(&reg);
    let report = reg.import(
        "OAK",
        second,
        &[
            "--no-mark-left",
            "--academic-year",
            "2025",
            "--on",
            "2025-11-01",
        ],
    );
    assert_eq!(report["left"], 0, "{report}");
    let on_roll = reg.json(&["pupils", "list", "--on", "2025-11-01"]);
    assert_eq!(on_roll.as_array().unwrap().len(), 4);
}

#[test]
fn a_file_with_no_good_row_is_refused_and_marks_nobody_as_left() {
    let reg = Register::with_academy();
    let (_, _) = reimport_files(&reg);
    // The roll with every UPN mangled (the wrong column mapped as the UPN would do the same).
    let mangled = roll(&[
        line(
            &wrong_check_letter(&kent(1)),
            "Stay",
            "Sid",
            "15/01/2012",
            "9",
        ),
        line("12345", "Change", "Cal", "15/01/2012", "9"),
    ]);
    let file = reg.write("mangled.csv", &mangled);
    let e = reg.bad_input(&[
        "pupils",
        "import",
        file.to_str().unwrap(),
        "--academy",
        "OAK",
        "--academic-year",
        "2025",
        "--on",
        "2025-11-01",
    ]);
    assert!(e.contains("none of the file's 2 pupil rows"), "{e}");
    assert!(
        e.contains("row 2 ") && e.contains("check letter"),
        "the first reason: {e}"
    );
    let on_roll = reg.json(&["pupils", "list", "--on", "2025-11-01"]);
    assert_eq!(
        on_roll.as_array().unwrap().len(),
        3,
        "nobody was marked as left"
    );
}

#[test]
fn a_dry_run_reports_what_the_real_import_does_and_changes_nothing() {
    let reg = Register::with_academy();
    let (second, _) = reimport_files(&reg);
    let mut second = second;
    second.push_str(&line(
        &wrong_check_letter(&kent(9)),
        "Bad",
        "Bo",
        "15/01/2012",
        "9",
    ));
    second.push('\n');
    second.push_str(&line(&kent(10), "Held", "Hal", "15/01/2012", "8"));
    second.push('\n');
    let before = reg.fingerprint();
    let opts = ["--academic-year", "2025", "--on", "2025-11-01"];
    let mut dry_opts = vec!["--dry-run"];
    dry_opts.extend_from_slice(&opts);
    let mut dry = reg.import("OAK", &second, &dry_opts);
    assert_eq!(before, reg.fingerprint(), "a dry run changes nothing");
    let mut real = reg.import("OAK", &second, &opts);
    assert_ne!(
        before,
        reg.fingerprint(),
        "the real import does change the register"
    );
    for r in [&mut dry, &mut real] {
        r.as_object_mut().unwrap().remove("dry_run");
    }
    assert_eq!(dry, real, "the dry run reports exactly what the import did");
    assert_eq!(real["imported"], 2);
    assert_eq!(real["left"], 1);
    assert_eq!(real["rejected"].as_array().unwrap().len(), 1);
    assert_eq!(real["warnings"].as_array().unwrap().len(), 1);
}

#[test]
fn the_sample_roll_imports_with_its_deliberately_bad_rows_rejected() {
    let reg = Register::with_academy();
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/sample-roll.csv");
    let report = reg.json(&[
        "pupils",
        "import",
        sample,
        "--academy",
        "OAK",
        "--academic-year",
        "2026",
        "--on",
        "2026-09-05",
    ]);
    assert!(report["imported"].as_u64().unwrap() >= 150, "{report}");
    let rejected = report["rejected"].as_array().unwrap();
    assert!(!rejected.is_empty());
    let lines: Vec<String> = std::fs::read_to_string(sample)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    for r in rejected {
        let row = r["row"].as_u64().unwrap() as usize;
        let upn = r["upn"].as_str().unwrap();
        assert!(
            lines[row - 1].starts_with(upn),
            "row {row} of the sample is {:?}, not {upn}",
            lines[row - 1]
        );
    }
}

#[test]
fn files_that_cannot_be_a_roll_are_refused_with_nothing_imported() {
    let reg = Register::with_academy();
    let u = kent(1);
    let bad = |name: &str, bytes: &[u8], extra: &[&str]| -> String {
        let file = reg.write(name, bytes);
        let mut args = vec![
            "pupils",
            "import",
            file.to_str().unwrap(),
            "--academy",
            "OAK",
        ];
        args.extend_from_slice(extra);
        args.extend_from_slice(&AY);
        reg.bad_input(&args)
    };
    let e = bad("empty.csv", b"", &[]);
    assert!(e.contains("empty.csv"), "names the file: {e}");
    bad("header-only.csv", format!("{HEADER}\n").as_bytes(), &[]);
    let e = bad("no-upn.csv", b"Name,Age\nAnn,9\n", &[]);
    assert!(e.contains("UPN"), "{e}");
    let e = bad("binary.csv", &[0u8, 159, 146, 150, 0, 255, 1, 2, 3], &[]);
    assert!(e.contains("binary content"), "{e}");
    let e = bad(
        "roll.xlsx",
        b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml",
        &[],
    );
    assert!(e.contains("workbook") && e.contains("CSV (UTF-8)"), "{e}");
    // UTF-16 without its byte-order mark: NULs between the letters.
    let utf16: Vec<u8> = HEADER.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let e = bad("utf16.csv", &utf16, &[]);
    assert!(e.contains("byte-order mark"), "{e}");
    bad(
        "unclosed.csv",
        format!("{HEADER}\n{u},\"Unclosed,Ann,,15/01/2012,9,,\n").as_bytes(),
        &[],
    );
    let ok = roll(&[line(&u, "Able", "Ann", "15/01/2012", "9")]);
    bad("map1.csv", ok.as_bytes(), &["--map", "UPN"]);
    bad("map2.csv", ok.as_bytes(), &["--map", "UPN=shoe_size"]);
    bad("map3.csv", ok.as_bytes(), &["--map", "Nothing=upn"]);
    let file = reg.write("ok.csv", &ok);
    let e = reg.bad_input(&[
        "pupils",
        "import",
        file.to_str().unwrap(),
        "--academy",
        "NOPE",
    ]);
    assert!(e.contains("NOPE"), "{e}");
    let missing = reg.path("missing.csv");
    let e = reg.bad_input(&[
        "pupils",
        "import",
        missing.to_str().unwrap(),
        "--academy",
        "OAK",
    ]);
    assert!(e.contains("missing.csv"), "{e}");
    reg.bad_input(&[
        "pupils",
        "import",
        file.to_str().unwrap(),
        "--academy",
        "OAK",
        "--on",
        "05/09/2025",
    ]);
    reg.bad_input(&["pupils", "import", file.to_str().unwrap()]);
    // Year groups for a school year far from the import date would move every pupil.
    for year in ["1900", "2027"] {
        let e = reg.bad_input(&[
            "pupils",
            "import",
            file.to_str().unwrap(),
            "--academy",
            "OAK",
            "--academic-year",
            year,
            "--on",
            "2025-09-05",
        ]);
        assert!(
            e.contains(&format!("academic year {year} is not 2025/26")),
            "{e}"
        );
    }
}

#[test]
fn a_preferred_surname_is_imported_shown_and_compared() {
    let reg = Register::with_academy();
    let (known_as_smith, same) = (kent(1), kent(2));
    let csv = format!(
        "UPN,Legal Surname,Legal Forename,Preferred Surname,DOB,Year\n\
         {known_as_smith},Okafor,Adaeze,Smith,03/10/2016,4\n\
         {same},Price,Ben,Price,04/11/2016,4\n"
    );
    let report = reg.import("OAK", &csv, &AY);
    assert_eq!(report["imported"], 2, "{report}");
    let shown = reg.json(&["pupils", "show", &known_as_smith]);
    assert_eq!(shown["preferred_surname"], "Smith", "{shown}");
    // The legal surname again is no other name.
    let shown = reg.json(&["pupils", "show", &same]);
    assert!(shown["preferred_surname"].is_null(), "{shown}");
    // Found by it, and unchanged when the same file comes again.
    let found = reg.json(&["pupils", "list", "--search", "smith"]);
    assert!(found.to_string().contains(&known_as_smith), "{found}");
    let again = reg.import("OAK", &csv, &AY);
    assert_eq!(again["unchanged"], 2, "{again}");
    // A new preferred surname is a change, recorded like any other.
    let changed = csv.replace(",Smith,", ",Jones,");
    let report = reg.import("OAK", &changed, &AY);
    assert_eq!(report["updated"], 1, "{report}");
    let shown = reg.json(&["pupils", "show", &known_as_smith]);
    assert_eq!(shown["preferred_surname"], "Jones", "{shown}");
}

#[test]
fn a_search_finds_a_name_typed_without_its_apostrophe_hyphen_or_accent() {
    let reg = Register::with_academy();
    let (sean, anna) = (kent(1), kent(2));
    let csv = format!(
        "UPN,Legal Surname,Legal Forename,DOB,Year\n\
         {sean},O'Neill,Seán,03/10/2016,4\n\
         {anna},Smith-Jones,Anna-Marie,04/11/2016,4\n"
    );
    assert_eq!(reg.import("OAK", &csv, &AY)["imported"], 2);
    for (typed, want) in [
        ("Sean ONeill", &sean),
        ("sean o’neill", &sean),
        ("O Neill", &sean),
        ("Anna Marie SmithJones", &anna),
        ("annamarie", &anna),
    ] {
        let found = reg.json(&["pupils", "list", "--search", typed]);
        let found = found.as_array().unwrap();
        assert!(
            found.len() == 1 && found[0]["upn"] == want.as_str(),
            "{typed:?}: {found:?}"
        );
    }
}

/// Header and rows with a preferred surname column, for the cell-count tests.
const FULL_HEADER: &str =
    "UPN,Legal Surname,Legal Forename,Preferred Forename,Preferred Surname,DOB,Year,Reg,Adno";

/// A stray quote that opens a cell and closes rows later would swallow the rows between (and,
/// on a re-import, mark those pupils as left): the file is refused, naming the row.
#[test]
fn a_stray_quote_that_swallows_rows_refuses_the_file() {
    let reg = Register::with_academy();
    let rows = [
        format!("{},Able,Ann,,,15/01/2012,9,9A,001", kent(1)),
        format!("{},Baker,Ben,\"Benji,,15/01/2012,9,9A,002", kent(2)),
        format!("{},Cole,Cat,,,15/01/2012,9,9A,003", kent(3)),
        format!("{},Dunn,Dan,,,15/01/2012,9,9A,004", kent(4)),
        format!("{},Evans,Eve,\"Evie\",,15/01/2012,9,9A,005", kent(5)),
    ];
    let file = reg.write("stray.csv", format!("{FULL_HEADER}\n{}\n", rows.join("\n")));
    let before = reg.fingerprint();
    let err = reg.bad_input(&[
        "pupils",
        "import",
        file.to_str().unwrap(),
        "--academy",
        "OAK",
        "--academic-year",
        "2025",
        "--on",
        "2025-09-05",
    ]);
    assert!(
        err.contains("row 3: a quote opens the \"Preferred Forename\" cell (Benji,,15/01/2012,9,9A,002…) and is not closed until 3 lines further on")
            && err.contains("nothing was imported"),
        "{err}"
    );
    assert_eq!(reg.fingerprint(), before);
    // A line break inside a quoted cell of a column that is not read (an address) is fine.
    let report = reg.import(
        "OAK",
        format!(
            "UPN,Legal Surname,Legal Forename,DOB,Year,Address\n{},Able,Ann,15/01/2012,9,\"1 High St,\nKent\"\n{},Baker,Ben,15/01/2012,9,\n",
            kent(1),
            kent(2)
        ),
        &AY,
    );
    assert_eq!(report["imported"], 2, "{report}");
}

/// A row with more cells than the header (a comma inside a value not in quotes) is rejected
/// with its row, and so is one that stops before a column that must be read; one that stops
/// before optional columns (Excel leaves a row's empty last cells out) keeps what they held. A
/// shift that leaves the extra cell empty shows in a name with no letters. Nobody is marked as
/// left for a rejected row, wherever the shift put the UPN.
#[test]
fn rows_with_more_or_fewer_cells_than_the_header() {
    let reg = Register::with_academy();
    let first = format!(
        "{FULL_HEADER}\n{},Able,Ann,,Reid,15/01/2012,9,9A,001\n{},Baker,Ben,,,15/01/2012,9,9B,002\n{},Cole,Cat,,,15/01/2012,9,9C,003\n{},Dunn,Dan,,,15/01/2012,9,9D,004\n",
        kent(1),
        kent(2),
        kent(3),
        kent(4)
    );
    assert_eq!(reg.import("OAK", &first, &AY)["imported"], 4);
    let second = format!(
        "{FULL_HEADER}\n{},Able,Ann,,Reid,15/01/2012,9\n{},Baker,Ben,,,15/01/2012,9,2A, 9B,002\n{},Cole,Cat,,,15/01/2012,9,9C,003,,\n{},Dunn\n",
        kent(1),
        kent(2),
        kent(3),
        kent(4)
    );
    let report = reg.import(
        "OAK",
        &second,
        &["--academic-year", "2025", "--on", "2025-11-01"],
    );
    let why = reasons(&report);
    assert_eq!(why.len(), 2, "{report}");
    assert_eq!((why[0].0, why[0].1.as_str()), (3, kent(2).as_str()));
    assert!(
        why[0].2.contains(
            "the row has 10 cells and the header 9 (a comma inside a value that is not in quotes?)"
        ) && why[0].2.ends_with("Extra: 002"),
        "{why:?}"
    );
    assert_eq!((why[1].0, why[1].1.as_str()), (5, kent(4).as_str()));
    assert!(
        why[1].2.starts_with("the row has 2 cells and the header 9: it stops before the legal forename, date of birth"),
        "{why:?}"
    );
    // Ann's row stops after the year: her registration group and admission number are kept.
    // Cat's trailing empty cells are only a spreadsheet's habit.
    assert_eq!(report["unchanged"], 2, "{report}");
    assert_eq!(report["left"], 0, "{report}");
    let able = show(&reg, &kent(1));
    assert_eq!(able["preferred_surname"], "Reid", "{able}");
    assert_eq!(able["reg_group"], "9A", "{able}");
    // A shift that leaves the extra cell empty: "9B, 7C" moves the admission number into the
    // preferred surname, the last column here, as an MIS export may have it.
    let header = "UPN,Legal Surname,Legal Forename,DOB,Year,Reg,Adno,Preferred Surname";
    let shifted = format!(
        "{header}\n{},Baker,Ben,15/01/2012,9,9B, 7C,002,\n{},Cole,Cat,15/01/2012,9,9C,003,\n",
        kent(2),
        kent(3)
    );
    let report = reg.import(
        "OAK",
        &shifted,
        &[
            "--academic-year",
            "2025",
            "--on",
            "2025-11-01",
            "--no-mark-left",
        ],
    );
    let why = reasons(&report);
    assert_eq!(why.len(), 1, "{report}");
    assert!(
        why[0].2.starts_with(
            "preferred surname \"002\" has no letters: are the row's values in the wrong columns"
        ),
        "{why:?}"
    );
    assert_eq!(show(&reg, &kent(2))["admission_number"], "002");
    // A row whose shift moved the UPN out of its column still keeps its pupil on roll.
    let by_name = "Legal Surname,Legal Forename,UPN,DOB,Year";
    let report = reg.import(
        "OAK",
        format!(
            "{by_name}\nAble,Ann,{},15/01/2012,9\nBaker, Jr,Ben,{},15/01/2012,9\nCole,Cat,{},15/01/2012,9\nDunn,Dan,{},15/01/2012,9\n",
            kent(1),
            kent(2),
            kent(3),
            kent(4)
        ),
        &["--academic-year", "2025", "--on", "2025-11-01"],
    );
    assert_eq!(reasons(&report).len(), 1, "{report}");
    assert_eq!(report["left"], 0, "{report}");
}

/// Dates of birth that read only month first, and none only day first: the file is in US
/// format, and its other dates are wrong without showing it. Refused, even for new pupils.
#[test]
fn a_file_of_month_first_dates_is_refused_for_new_pupils_too() {
    let reg = Register::with_academy();
    let file = reg.write(
        "us.csv",
        roll(&[
            line(&kent(1), "Able", "Ann", "12/25/2012", ""),
            line(&kent(2), "Baker", "Ben", "05/04/2013", ""),
            line(&kent(3), "Cole", "Cat", "01/02/2013", ""),
        ]),
    );
    let before = reg.fingerprint();
    let err = reg.bad_input(&[
        "pupils",
        "import",
        file.to_str().unwrap(),
        "--academy",
        "OAK",
        "--academic-year",
        "2025",
        "--on",
        "2025-09-05",
    ]);
    assert!(
        err.contains(
            "the dates of birth are month first (US format, mm/dd/yyyy): row 2: 12/25/2012"
        ) && err.contains("nothing was imported"),
        "{err}"
    );
    assert_eq!(reg.fingerprint(), before);
    // One day-first date that reads only one way settles it: the bad row alone is rejected.
    let report = reg.import(
        "OAK",
        roll(&[
            line(&kent(1), "Able", "Ann", "12/25/2012", ""),
            line(&kent(2), "Baker", "Ben", "25/04/2013", ""),
        ]),
        &AY,
    );
    assert_eq!(report["imported"], 1, "{report}");
    assert_eq!(reasons(&report)[0].0, 2, "{report}");
}

/// A year group three or more years from the date of birth's is a typo that would change who
/// must sign: the row is rejected. One or two years out is a pupil taught out of their age
/// group, imported with a warning.
#[test]
fn a_year_group_years_from_the_date_of_birth_is_rejected() {
    let reg = Register::with_academy();
    let report = reg.import(
        "OAK",
        roll(&[
            line(&kent(1), "Able", "Amy", "15/01/2019", "12"),
            line(&kent(2), "Baker", "Ben", "15/01/2019", "3"),
        ]),
        &AY,
    );
    let why = reasons(&report);
    assert_eq!(why.len(), 1, "{report}");
    assert_eq!(
        why[0].2,
        "year group Year 12 is 10 years from Year 2, the year group of a child born on 2019-01-15: a typo in the MIS? The row was not imported"
    );
    assert_eq!(report["imported"], 1);
    assert_eq!(report["warnings"].as_array().unwrap().len(), 1, "{report}");
}

/// A UPN whose legal forename and surname both change names another child more often than the
/// same one renamed, and the forms on record were signed for the first: the row is rejected
/// unless confirmed with --renamed, and the pupil stays on roll either way.
#[test]
fn a_upn_that_now_names_another_child_is_rejected_unless_confirmed() {
    let reg = Register::with_academy();
    reg.import(
        "OAK",
        roll(&[
            line(&kent(1), "Smith", "Amy", "15/01/2012", "9"),
            line(&kent(2), "Baker", "Ben", "15/01/2012", "9"),
        ]),
        &AY,
    );
    let renamed = roll(&[
        line(&kent(1), "Kowalski", "Jakub", "15/01/2012", "9"),
        // A new surname alone (adoption, a parent's marriage) is an ordinary update.
        line(&kent(2), "Baker-Jones", "Ben", "15/01/2012", "9"),
    ]);
    let on = ["--academic-year", "2025", "--on", "2025-11-01"];
    let report = reg.import("OAK", &renamed, &on);
    let why = reasons(&report);
    assert_eq!(why.len(), 1, "{report}");
    assert!(
        why[0].2.starts_with(&format!(
            "{} is Amy Smith (born 2012-01-15) on the register, and this row names Jakub Kowalski (born 2012-01-15)",
            kent(1)
        )) && why[0].2.contains(&format!("--renamed {}", kent(1))),
        "{why:?}"
    );
    assert_eq!(report["renamed"][0]["confirmed"], false, "{report}");
    assert_eq!(report["left"], 0, "{report}");
    assert_eq!(report["updated"], 1, "{report}");
    assert_eq!(show(&reg, &kent(1))["legal_forename"], "Amy");
    let mut confirmed = on.to_vec();
    let amy = kent(1);
    confirmed.extend(["--renamed", amy.as_str()]);
    let report = reg.import("OAK", &renamed, &confirmed);
    assert_eq!(reasons(&report).len(), 0, "{report}");
    assert_eq!(report["renamed"][0]["confirmed"], true, "{report}");
    assert_eq!(show(&reg, &kent(1))["legal_forename"], "Jakub");
}

/// A sibling under a reused UPN (the same surname, another forename, born years apart) is
/// another child too; names corrected for a typo, or a double-barrelled surname cut to one
/// part, are the same child.
#[test]
fn a_sibling_under_a_reused_upn_is_another_child_and_a_typo_fix_is_not() {
    let reg = Register::with_academy();
    reg.import(
        "OAK",
        roll(&[
            line(&kent(1), "Patel", "Harry", "31/10/2019", "1"),
            line(&kent(2), "Pattel", "Hary", "15/01/2019", "1"),
            line(&kent(3), "Ashworth-Hale", "Amelia", "15/01/2019", "1"),
        ]),
        &AY,
    );
    let report = reg.import(
        "OAK",
        roll(&[
            line(&kent(1), "Patel", "Amelia", "15/01/2017", "3"),
            line(&kent(2), "Patel", "Harry", "15/01/2019", "1"),
            line(&kent(3), "Hale", "Amelie", "15/01/2019", "1"),
        ]),
        &["--academic-year", "2025", "--on", "2025-11-01"],
    );
    let why = reasons(&report);
    assert_eq!(why.len(), 1, "{report}");
    assert!(
        why[0].2.starts_with(&format!(
            "{} is Harry Patel (born 2019-10-31) on the register, and this row names Amelia Patel (born 2017-01-15)",
            kent(1)
        )),
        "{why:?}"
    );
    assert_eq!(report["updated"], 2, "{report}");
    assert_eq!(show(&reg, &kent(2))["legal_forename"], "Harry");
}

/// Another academy's roll imported for this one would move its whole roll here: refused,
/// unless asked for.
#[test]
fn moving_most_of_another_academys_roll_is_refused_unless_asked_for() {
    let reg = Register::with_academy();
    reg.ok(&["academies", "add", "ELM", "--name", "Elm Primary"]);
    let rows: Vec<String> = (1..=12)
        .map(|i| line(&kent(i), &format!("Pupil{i}"), "Pat", "15/01/2012", "9"))
        .collect();
    reg.import("ELM", roll(&rows), &AY);
    let file = reg.write("elm.csv", roll(&rows));
    let before = reg.fingerprint();
    let args = [
        "pupils",
        "import",
        file.to_str().unwrap(),
        "--academy",
        "OAK",
        "--academic-year",
        "2025",
        "--on",
        "2025-11-01",
    ];
    let err = reg.bad_input(&args);
    assert!(
        err.contains("this file would move 12 of the 12 pupils on roll at ELM to OAK: is it ELM's roll, imported for the wrong academy?"),
        "{err}"
    );
    assert_eq!(reg.fingerprint(), before);
    let mut allowed = args.to_vec();
    allowed.extend(["--allow-many-moves", "--json"]);
    let report: Value = serde_json::from_str(&reg.ok(&allowed)).unwrap();
    assert_eq!(report["updated"], 12, "{report}");
}

/// A rejected row that is a pupil on roll with a mistyped check letter (or whose name and date
/// of birth are a pupil's) does not get that pupil marked as left.
#[test]
fn a_mistyped_upn_does_not_mark_its_pupil_as_left() {
    let reg = Register::with_academy();
    reg.import(
        "OAK",
        roll(&[
            line(&kent(1), "Able", "Ann", "15/01/2012", "9"),
            line(&kent(2), "Baker", "Ben", "15/01/2012", "9"),
            line(&kent(3), "Cole", "Cat", "15/01/2012", "9"),
        ]),
        &AY,
    );
    let report = reg.import(
        "OAK",
        roll(&[
            line(
                &wrong_check_letter(&kent(1)),
                "Able",
                "Ann",
                "15/01/2012",
                "9",
            ),
            line("A12345", "Baker", "Ben", "15/01/2012", "9"),
            line(&kent(3), "Cole", "Cat", "15/01/2012", "9"),
        ]),
        &["--academic-year", "2025", "--on", "2025-11-01"],
    );
    assert_eq!(reasons(&report).len(), 2, "{report}");
    assert_eq!(report["left"], 0, "{report}");
}

/// Two --map options naming the same field are refused; SIMS's "Chosen Forename" is read.
#[test]
fn two_maps_to_one_field_are_refused_and_chosen_forename_is_read() {
    let reg = Register::with_academy();
    let file = reg.write(
        "maps.csv",
        format!(
            "ID,Pupil UPN,Surname,Forename,Chosen Forename,DOB\n1,{},Able,Annabel,Ann,15/01/2012\n",
            kent(1)
        ),
    );
    let err = reg.bad_input(&[
        "pupils",
        "import",
        file.to_str().unwrap(),
        "--academy",
        "OAK",
        "--map",
        "ID=upn",
        "--map",
        "Pupil UPN=upn",
    ]);
    assert!(
        err.contains("--map ID=upn and --map Pupil UPN=upn: two columns cannot both be the UPN"),
        "{err}"
    );
    let report = reg.import(
        "OAK",
        std::fs::read(&file).unwrap(),
        &["--map", "Pupil UPN=upn"],
    );
    assert_eq!(report["imported"], 1, "{report}");
    assert_eq!(
        reg.json(&["pupils", "show", &kent(1)])["preferred_forename"],
        "Ann"
    );
}

/// Excel's "sep=;" first line names the separator, and a report's title lines above the header
/// are skipped and said; rows keep the numbers the spreadsheet shows.
#[test]
fn a_sep_line_and_title_lines_above_the_header_are_read_past() {
    let reg = Register::with_academy();
    let report = reg.import(
        "OAK",
        format!(
            "sep=;\nUPN;Legal Surname;Legal Forename;DOB;Year\n{};Able;Ann;15/01/2012;9\n{};Baker;Ben;15/01/2012;9\n",
            kent(1),
            kent(2)
        ),
        &AY,
    );
    assert_eq!(report["imported"], 2, "{report}");
    assert_eq!(report["delimiter"], ";", "{report}");
    let report = reg.import(
        "OAK",
        format!(
            "Student List,,,,\nPrinted 05/09/2025,,,,\n,,,,\nUPN,Legal Surname,Legal Forename,DOB,Year\n{},Able,Ann,15/01/2012,9\n{},Cole,Cat,,9\nTotal: 2 pupils,,,,\n",
            kent(1),
            kent(3)
        ),
        &["--academic-year", "2025", "--on", "2025-09-05", "--no-mark-left"],
    );
    assert_eq!(report["unchanged"], 1, "{report}");
    let w = &report["warnings"][0];
    assert_eq!(w["row"], 0, "{report}");
    assert_eq!(
        w["message"],
        "2 lines above the header skipped, as a report's title: Student List / Printed 05/09/2025"
    );
    // The spreadsheet's rows: the header is row 4, Cat row 6, the footer row 7.
    let why = reasons(&report);
    assert_eq!(
        why.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec![6, 7],
        "{why:?}"
    );
}

/// A roll two years old is refused like last year's; a special school's year groups, most a
/// year below the dates of birth's, are taken with --accept-year-groups; a dry run says what a
/// real import would refuse.
#[test]
fn year_groups_mostly_off_the_dates_of_birth_need_confirming() {
    let reg = Register::with_academy();
    // Born 2012/13: Year 8 in 2025/26.
    let rows = |year: &str| -> Vec<String> {
        (1..=8)
            .map(|i| line(&kent(i), &format!("Pupil{i}"), "Pat", "15/03/2013", year))
            .collect()
    };
    let file = reg.write("old.csv", roll(&rows("6")));
    let before = reg.fingerprint();
    let err = reg.bad_input(&[
        "pupils",
        "import",
        file.to_str().unwrap(),
        "--academy",
        "OAK",
        "--academic-year",
        "2025",
        "--on",
        "2025-09-05",
    ]);
    assert!(
        err.contains("8 of the file's 8 year groups are two years below the date of birth's in 2025/26. Is this an old roll?"),
        "{err}"
    );
    assert_eq!(reg.fingerprint(), before);
    let dry = reg.import(
        "OAK",
        roll(&rows("7")),
        &["--academic-year", "2025", "--on", "2025-09-05", "--dry-run"],
    );
    assert!(
        dry["year_groups_shifted"]
            .as_str()
            .unwrap()
            .starts_with("8 of the file's 8 year groups are one year below"),
        "{dry}"
    );
    let taken = reg.import(
        "OAK",
        roll(&rows("7")),
        &[
            "--academic-year",
            "2025",
            "--on",
            "2025-09-05",
            "--accept-year-groups",
        ],
    );
    assert_eq!(taken["imported"], 8, "{taken}");
    assert_eq!(show(&reg, &kent(1))["year_group"], 7);
}

/// A dry run names a move of most of another academy's roll, as the real import refuses it.
#[test]
fn a_dry_run_names_many_moves() {
    let reg = Register::with_academy();
    reg.ok(&["academies", "add", "ELM", "--name", "Elm Primary"]);
    let rows: Vec<String> = (1..=12)
        .map(|i| line(&kent(i), &format!("Pupil{i}"), "Pat", "15/01/2012", "9"))
        .collect();
    reg.import("ELM", roll(&rows), &AY);
    let dry = reg.import(
        "OAK",
        roll(&rows),
        &["--academic-year", "2025", "--on", "2025-11-01", "--dry-run"],
    );
    assert!(
        dry["many_moves"]
            .as_str()
            .unwrap()
            .starts_with("this file would move 12 of the 12 pupils on roll at ELM to OAK"),
        "{dry}"
    );
}

/// A quote that swallows rows is found with a Mac's lone CR line ends too; an address or a
/// note over several lines, with commas, is not taken for one.
#[test]
fn stray_quotes_with_cr_line_ends_are_found_and_multi_line_notes_are_fine() {
    let reg = Register::with_academy();
    let cr = format!(
        "UPN,Legal Surname,Legal Forename,DOB,Year,Reg\r{},Able,Ann,15/01/2012,9,\"9A\r{},Baker,Ben,15/01/2012,9,9B\r{},Cole,Cat,15/01/2012,9,\"9C\"\r",
        kent(1),
        kent(2),
        kent(3)
    );
    let file = reg.write("mac.csv", cr);
    let err = reg.bad_input(&[
        "pupils",
        "import",
        file.to_str().unwrap(),
        "--academy",
        "OAK",
        "--academic-year",
        "2025",
        "--on",
        "2025-09-05",
    ]);
    assert!(
        err.contains("row 2: a quote opens the \"Reg\" cell"),
        "{err}"
    );
    let notes = format!(
        "UPN,Legal Surname,Legal Forename,DOB,Year,Address\n{},Able,Ann,15/01/2012,9,\"12 High Street\nLeeds, West Yorkshire, LS1 2AB\"\n{},Baker,Ben,15/01/2012,9,\"Allergies: nuts, eggs, dairy,\nsesame, kiwi\"\n",
        kent(1),
        kent(2)
    );
    assert_eq!(reg.import("OAK", notes, &AY)["imported"], 2);
}

/// Year-group spellings of nursery and special schools: one "Nursery" label for both nursery
/// years, the Foundation Stage's FS1 and FS2, and the census's X (National Curriculum not
/// followed, taken from the date of birth).
#[test]
fn nursery_foundation_stage_and_x_year_groups_are_read() {
    let reg = Register::with_academy();
    let rows: Vec<String> = (1..=6)
        .map(|i| line(&kent(i), &format!("Tot{i}"), "Ty", "15/01/2023", "Nursery"))
        .chain([
            line(&kent(7), "Fs", "Fay", "15/01/2021", "FS2"),
            line(&kent(8), "Ex", "Xan", "15/01/2012", "X"),
        ])
        .collect();
    let report = reg.import("OAK", roll(&rows), &AY);
    assert_eq!(report["imported"], 8, "{report}");
    assert_eq!(
        show(&reg, &kent(1))["year_group"],
        -2,
        "rising 3s, labelled Nursery"
    );
    assert_eq!(show(&reg, &kent(7))["year_group"], 0);
    assert_eq!(show(&reg, &kent(8))["year_group"], 9);
    assert!(
        report["warnings"]
            .to_string()
            .contains("(National Curriculum not followed): taken from the date of birth, Year 9"),
        "{report}"
    );
}

/// Excel's "sep=" line with a tab, and a semicolon file with a title line above its header.
#[test]
fn a_tab_sep_line_and_a_semicolon_file_with_a_title_are_read() {
    let reg = Register::with_academy();
    let tabbed = format!(
        "sep=\t\nUPN\tLegal Surname\tLegal Forename\tDOB\tYear\n{}\tAble\tAnn\t15/01/2012\t9\n{}\tBaker\t\t15/01/2012\t9\n",
        kent(1),
        kent(2)
    );
    let report = reg.import("OAK", tabbed, &AY);
    assert_eq!(report["imported"], 1, "{report}");
    assert_eq!(reasons(&report)[0].0, 3, "{report}");
    let titled = format!(
        "Printed: 27/11/2025, 09:14\nUPN;Legal Surname;Legal Forename;DOB;Year\n{};Cole;Cat;15/01/2012;9\n",
        kent(3)
    );
    let report = reg.import(
        "OAK",
        titled,
        &[
            "--academic-year",
            "2025",
            "--on",
            "2025-09-05",
            "--no-mark-left",
        ],
    );
    assert_eq!(report["imported"], 1, "{report}");
}

/// The import date is compared with the same "today" as every other command's: a debug build's
/// `CLEARSHOT_TODAY` (the tests' clock) as much as the machine's.
#[test]
fn an_import_date_after_the_tests_today_is_refused() {
    let reg = Register::with_academy();
    let file = reg.write(
        "roll.csv",
        roll(&[line(&kent(1), "Able", "Ann", "15/01/2012", "9")]),
    );
    let out = reg
        .command(&[
            "pupils",
            "import",
            file.to_str().unwrap(),
            "--academy",
            "OAK",
            "--academic-year",
            "2025",
            "--on",
            "2025-11-25",
        ])
        .env("CLEARSHOT_TODAY", "2025-11-20")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the import date 2025-11-25 is after today (2025-11-20)"),
        "{err}"
    );
}

/// An admission number a spreadsheet read as a number ("000101" saved as "101") is the one
/// stored: kept, with a warning, not counted as a change.
#[test]
fn an_admission_number_without_its_leading_zeros_is_kept() {
    let reg = Register::with_academy();
    let header = "UPN,Legal Surname,Legal Forename,DOB,Year,Adno";
    reg.import(
        "OAK",
        format!("{header}\n{},Able,Ann,15/01/2012,9,000101\n", kent(1)),
        &AY,
    );
    let report = reg.import(
        "OAK",
        format!("{header}\n{},Able,Ann,15/01/2012,9,101\n", kent(1)),
        &["--academic-year", "2025", "--on", "2025-11-01"],
    );
    assert_eq!(report["unchanged"], 1, "{report}");
    assert_eq!(
        report["warnings"][0]["message"],
        "admission number 101 is 000101 without its leading zeros (a spreadsheet read it as a number?): 000101 is kept"
    );
    assert_eq!(show(&reg, &kent(1))["admission_number"], "000101");
}
