//! `clearshot init`, `academies`, `settings`, `audit` and the register file itself: creation,
//! refusal of files that are not (or not yet) a register, and tamper detection.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Register, kent, line, roll};

#[test]
fn init_creates_the_register_and_is_idempotent() {
    let reg = Register::new();
    let v = reg.json(&["init"]);
    assert!(v["schema_version"].as_i64().unwrap() >= 1, "{v}");
    assert!(reg.db.exists());
    let again = reg.json(&["init"]);
    assert_eq!(v, again, "a second init changes nothing");
    assert_eq!(reg.json(&["audit", "verify"])["ok"], true);
}

#[test]
fn any_command_creates_the_register_as_needed() {
    let reg = Register::new();
    let list = reg.json(&["academies", "list"]);
    assert_eq!(list, serde_json::json!([]));
    assert!(reg.db.exists());
}

#[test]
fn the_register_path_comes_from_clearshot_db_when_db_is_not_given() {
    let reg = Register::new();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_clearshot"))
        .args(["--json", "academies", "add", "ELM", "--name", "Elm"])
        .env("CLEARSHOT_DB", &reg.db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(reg.json(&["academies", "list"])[0]["code"], "ELM");
}

#[test]
fn academies_are_added_and_listed() {
    let reg = Register::new();
    let a = reg.json(&["academies", "add", "OAK", "--name", "Oak Academy"]);
    assert_eq!(a["code"], "OAK");
    assert_eq!(a["name"], "Oak Academy");
    reg.ok(&["academies", "add", "ASH", "--name", "Ash Primary"]);
    let list = reg.json(&["academies", "list"]);
    let codes: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 2);
    assert!(codes.contains(&"OAK") && codes.contains(&"ASH"));
    let table = reg.ok(&["academies", "list"]);
    assert!(
        table.contains("Oak Academy") && table.contains("Ash Primary"),
        "{table}"
    );
    let e = reg.bad_input(&["academies", "add", "OAK", "--name", "Oak again"]);
    assert!(
        e.contains("OAK"),
        "a duplicate code is refused and named: {e}"
    );
}

#[test]
fn settings_are_set_read_and_listed() {
    let reg = Register::new();
    let set = reg.json(&[
        "settings",
        "set",
        "trust-domains",
        "oaktrust.org,oak.sch.uk",
    ]);
    assert_eq!(set["key"], "trust-domains");
    let got = reg.json(&["settings", "get", "trust-domains"]);
    assert_eq!(got["value"], "oaktrust.org,oak.sch.uk");
    reg.ok(&["settings", "set", "retention-years", "7"]);
    let all = reg.ok(&["settings", "list"]);
    assert!(
        all.contains("retention-years") && all.contains("oaktrust.org"),
        "{all}"
    );
    // Every known setting is listed, set or not, with what it holds.
    assert!(
        all.contains("partner-handles")
            && all.contains("(not set)")
            && all.contains("daily backup"),
        "{all}"
    );
    reg.bad_input(&["settings", "set", "retention-years", "soon"]);
    reg.bad_input(&["settings", "set", "favourite-colour", "blue"]);
    reg.bad_input(&["settings", "get", "favourite-colour"]);

    // The backup folder must exist and take a file now, not fail on the first night; it is
    // kept as an absolute path.
    let e = reg.bad_input(&["settings", "set", "backup-dir", "/nonexistent/backups"]);
    assert!(e.contains("is not a folder that exists"), "{e}");
    assert!(!std::path::Path::new("/nonexistent").exists());
    let e = reg.bad_input(&["settings", "set", "backup-dir", "/proc"]);
    assert!(e.contains("cannot be written to"), "{e}");
    let e = reg.bad_input(&["settings", "set", "backup-dir", "/proc/nope"]);
    assert!(e.contains("cannot be made"), "{e}");
    // A new folder inside one that exists is made.
    let folder = reg.path("backups");
    reg.ok(&["settings", "set", "backup-dir", folder.to_str().unwrap()]);
    assert_eq!(
        reg.json(&["settings", "get", "backup-dir"])["value"],
        folder.to_str().unwrap()
    );
    assert!(
        std::fs::read_dir(&folder).unwrap().next().is_none(),
        "the write test leaves nothing behind"
    );

    // Partner handles: separated by commas, or spaces between @handles; a handle with a space
    // in it is one mistake, not two handles allowed.
    let e = reg.bad_input(&["settings", "set", "partner-handles", "@RSPB, @bad handle"]);
    assert!(e.contains("a handle has no spaces"), "{e}");
    reg.ok(&[
        "settings",
        "set",
        "partner-handles",
        "@RSPB @NationalTrust, Scouts",
    ]);
    assert_eq!(
        reg.json(&["settings", "get", "partner-handles"])["value"],
        "RSPB,NationalTrust,Scouts"
    );
}

/// `accounts add` of Oak's Facebook page with these administrators.
fn add_oak_page<'a>(admins: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "accounts",
        "add",
        "--platform",
        "facebook",
        "--handle",
        "@OakAcademy",
        "--academy",
        "OAK",
    ];
    for a in admins {
        args.extend(["--admin", a]);
    }
    args
}

#[test]
fn an_account_cannot_be_administered_from_a_personal_address() {
    let reg = Register::with_academy();
    reg.ok(&["settings", "set", "trust-domains", "oak.sch.uk"]);
    let e = reg.bad_input(&add_oak_page(&["head@gmail.com", "office@oak.sch.uk"]));
    assert!(
        e.contains("head@gmail.com: a personal e-mail address cannot administer"),
        "{e}"
    );
    assert_eq!(reg.json(&["accounts", "list"]), serde_json::json!([]));
    // An address merely off the trust's domains (a partner's) is added and shown as a problem.
    let added = reg.json(&add_oak_page(&["head@oak.sch.uk", "pr@agency.co.uk"]));
    assert!(added.to_string().contains("pr@agency.co.uk"), "{added}");
}

#[test]
fn an_accounts_administrators_are_replaced_and_an_account_removed_as_the_log_says() {
    let reg = Register::with_academy();
    reg.ok(&["settings", "set", "trust-domains", "oak.sch.uk"]);
    let add = |admins: &[&str]| reg.json(&add_oak_page(admins));
    let one = add(&["head@oak.sch.uk"]);
    assert!(
        one["problems"].to_string().contains("administrator"),
        "{one}"
    );
    // The problem is fixed by giving the administrators anew.
    let e = reg.bad_input(&[
        "accounts",
        "admins",
        "--platform",
        "Facebook",
        "--handle",
        "OakAcademy",
        "--admin",
        "head@oak.sch.uk",
        "--admin",
        "me@hotmail.co.uk",
    ]);
    assert!(
        e.contains("a personal e-mail address cannot administer"),
        "{e}"
    );
    let two = reg.json(&[
        "accounts",
        "admins",
        "--platform",
        "Facebook",
        "--handle",
        "OakAcademy",
        "--admin",
        "head@oak.sch.uk",
        "--admin",
        "Office@Oak.sch.uk",
    ]);
    assert_eq!(two["problems"], serde_json::json!([]), "{two}");
    assert_eq!(
        two["admins"],
        serde_json::json!(["head@oak.sch.uk", "office@oak.sch.uk"])
    );
    reg.ok(&["check"]);
    let e = reg.bad_input(&[
        "accounts",
        "admins",
        "--platform",
        "x",
        "--handle",
        "@nobody",
        "--admin",
        "a@oak.sch.uk",
    ]);
    assert!(e.contains("no x account @nobody is registered"), "{e}");
    // Removed with a reason; the log comparison follows the removal.
    let e = reg.bad_input(&[
        "accounts",
        "remove",
        "--platform",
        "facebook",
        "--handle",
        "@OakAcademy",
        "--reason",
        " ",
    ]);
    assert!(e.contains("give the reason"), "{e}");
    reg.ok(&[
        "accounts",
        "remove",
        "--platform",
        "facebook",
        "--handle",
        "@OakAcademy",
        "--reason",
        "page closed",
    ]);
    assert_eq!(reg.json(&["accounts", "list"]), serde_json::json!([]));
    reg.ok(&["check"]);
    // Added again, it starts afresh.
    add(&["head@oak.sch.uk", "office@oak.sch.uk"]);
    reg.ok(&["check"]);
}

#[test]
fn csv_and_json_together_are_refused() {
    let reg = Register::with_academy();
    for cmd in ["status", "chase"] {
        let e = reg.bad_input(&["consent", cmd, "--csv", "--json"]);
        assert!(e.contains("give one of them"), "{e}");
    }
}

#[test]
fn audit_verify_counts_an_intact_chain_and_log_lists_every_change() {
    let reg = Register::with_academy();
    let report = reg.import(
        "OAK",
        roll(&[line(&kent(1), "Able", "Ann", "15/01/2012", "9")]),
        &["--academic-year", "2025", "--on", "2025-09-05"],
    );
    assert_eq!(report["imported"], 1);
    reg.ok(&[
        "consent",
        "record",
        &kent(1),
        "--signatory",
        "parent",
        "--signed-on",
        "2025-09-10",
        "--grant",
        "website",
    ]);
    let v = reg.json(&["audit", "verify"]);
    assert_eq!(v["ok"], true, "{v}");
    let n = v["entries"].as_i64().unwrap();
    assert!(n >= 4, "academy, pupil, import, consent: {v}");
    let log = reg.json(&["audit", "log"]);
    let log = log.as_array().unwrap();
    assert_eq!(log.len() as i64, n);
    assert!(log.iter().all(|e| e["actor"] == "office@test"), "{log:?}");
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(
        actions.contains(&"academy.add") && actions.contains(&"roll.import"),
        "{actions:?}"
    );
    let since = reg.json(&["audit", "log", "--since", "2999-01-01"]);
    assert!(since.as_array().unwrap().is_empty(), "nothing after 2999");
    let table = reg.ok(&["audit", "log"]);
    assert!(table.contains("academy.add"), "{table}");
    let text = reg.ok(&["audit", "verify"]);
    assert!(text.contains("intact"), "{text}");
    reg.bad_input(&["audit", "log", "--since", "last week"]);
}

#[test]
fn audit_verify_exits_1_naming_the_first_altered_entry() {
    let reg = Register::with_academy();
    reg.ok(&["academies", "add", "ASH", "--name", "Ash"]);
    reg.ok(&["academies", "add", "ELM", "--name", "Elm"]);
    reg.ok(&["academies", "add", "FIR", "--name", "Fir"]);
    {
        let conn = register::db::open(&reg.db).unwrap();
        conn.execute_batch(
            "DROP TRIGGER audit_log_redact_only; UPDATE audit_log SET actor = 'x' WHERE seq = 3",
        )
        .unwrap();
    }
    let out = reg.run(&["--json", "audit", "verify"]);
    assert_eq!(out.status.code(), Some(1), "a broken chain exits 1");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["first_bad_seq"], 3, "{v}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("entry 3"), "{stderr}");
    let out = reg.run(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("entry 3"));
}

#[test]
fn audit_verify_notices_a_removed_entry() {
    let reg = Register::with_academy();
    reg.ok(&["academies", "add", "ASH", "--name", "Ash"]);
    reg.ok(&["academies", "add", "ELM", "--name", "Elm"]);
    {
        let conn = register::db::open(&reg.db).unwrap();
        conn.execute_batch("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 2")
            .unwrap();
    }
    let out = reg.run(&["--json", "audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["first_bad_seq"], 2, "{v}");
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_unchanged() {
    let reg = Register::new();
    let text = "Pupil list - DO NOT DELETE\nAnn Able, 9B\n";
    std::fs::write(&reg.db, text).unwrap();
    for args in [
        vec!["init"],
        vec!["academies", "list"],
        vec!["academies", "add", "OAK", "--name", "Oak"],
    ] {
        let e = reg.bad_input(&args);
        assert!(e.contains("register.sqlite3"), "names the file: {e}");
        assert_eq!(std::fs::read_to_string(&reg.db).unwrap(), text);
    }
}

#[test]
fn a_register_from_a_newer_version_is_refused_and_left_unchanged() {
    let reg = Register::with_academy();
    let mut bytes = std::fs::read(&reg.db).unwrap();
    // user_version: a big-endian u32 at offset 60 of the SQLite header.
    bytes[60..64].copy_from_slice(&9999u32.to_be_bytes());
    std::fs::write(&reg.db, &bytes).unwrap();
    for args in [vec!["init"], vec!["academies", "list"]] {
        let out = reg.run(&args);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("9999") || stderr.contains("newer"),
            "{stderr}"
        );
        assert_eq!(
            std::fs::read(&reg.db).unwrap(),
            bytes,
            "the file is not touched"
        );
    }
}

#[test]
fn usage_errors_are_one_line_with_exit_2() {
    let reg = Register::new();
    for args in [
        vec!["academies", "add", "OAK"],
        vec!["frobnicate"],
        vec!["consent", "withdraw"],
        vec!["pupils", "list", "--on", "tomorrow"],
    ] {
        reg.bad_input(&args);
    }
    let help = reg.ok(&["consent", "record", "--help"]);
    assert!(help.contains("--signed-on"), "{help}");
}
