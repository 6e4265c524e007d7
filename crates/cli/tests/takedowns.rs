//! Takedown tasks through the binary: one per post that has to come down, not one per change of
//! mind — a post already taken down is not asked down again, unless it was exported (and so
//! could be posted) again since.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod data_common;

use data_common::{Register, kent, line, photo_path, roll};

fn parent(reg: &Register, args: &[&str]) {
    let mut all = vec!["consent", "record", "", "--signatory", "parent"];
    all[2] = args[0];
    all.extend_from_slice(&args[1..]);
    reg.ok(&all);
}

/// A register with one Year 6 pupil, Nia, whose parent said yes to the website.
fn nia_with_a_yes_for_the_website() -> (Register, String) {
    let reg = Register::with_academy();
    let nia = kent(1);
    reg.import(
        "OAK",
        roll(&[line(&nia, "Newkid", "Nia", "24/02/2015", "6")]),
        &["--academic-year", "2025", "--on", "2025-09-05"],
    );
    parent(
        &reg,
        &[&nia, "--signed-on", "2025-09-05", "--grant", "website"],
    );
    (reg, nia)
}

/// The parent withdraws consent for every channel from `on`.
fn parent_withdraws(reg: &Register, upn: &str, on: &str) {
    reg.ok(&[
        "consent",
        "withdraw",
        upn,
        "--signatory",
        "parent",
        "--on",
        on,
    ]);
}

fn open_tasks(reg: &Register) -> Vec<serde_json::Value> {
    reg.json(&["takedowns", "list", "--open"])
        .as_array()
        .unwrap()
        .clone()
}

fn export(reg: &Register, clearance: &str, on: &str) -> std::process::Output {
    reg.run(&[
        "photos",
        "export",
        "--clearance",
        clearance,
        photo_path().to_str().unwrap(),
        "--out",
        reg.path(&format!("out-{on}")).to_str().unwrap(),
        "--on",
        on,
    ])
}

#[test]
fn a_post_taken_down_is_asked_down_again_only_if_exported_again() {
    let (reg, nia) = nia_with_a_yes_for_the_website();
    let clearance = reg.clear_photo_naming(&nia);
    assert!(export(&reg, &clearance, "2025-10-01").status.success());

    // Withdrawn: one task; done once the post is down.
    parent_withdraws(&reg, &nia, "2025-10-05");
    let tasks = open_tasks(&reg);
    assert_eq!(tasks.len(), 1);
    let id = tasks[0]["id"].as_i64().unwrap().to_string();
    reg.ok(&["takedowns", "done", &id, "--note", "post deleted"]);
    // A "no" after that asks nothing more: the post is already down.
    parent(
        &reg,
        &[&nia, "--signed-on", "2025-10-06", "--refuse", "website"],
    );
    assert!(open_tasks(&reg).is_empty());

    // Consent given again, and the photo exported again under the same clearance: it may be
    // up again, so the next withdrawal is a task again.
    parent(
        &reg,
        &[&nia, "--signed-on", "2025-10-10", "--grant", "website"],
    );
    let out = export(&reg, &clearance, "2025-10-11");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    parent_withdraws(&reg, &nia, "2025-10-20");
    let tasks = open_tasks(&reg);
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0]["clearance_id"], clearance.as_str());
    reg.audit_ok();
}

#[test]
fn each_task_names_the_pupil_and_says_whether_the_safe_copy_was_exported() {
    let (reg, nia) = nia_with_a_yes_for_the_website();
    // Two clearances of the photo (the caption was changed and checked again); one exported.
    let exported = reg.clear_photo_naming(&nia);
    let not_exported = reg.clear_photo_naming(&nia);
    assert_ne!(exported, not_exported);
    assert!(export(&reg, &exported, "2025-10-01").status.success());
    parent_withdraws(&reg, &nia, "2025-10-05");
    let tasks = open_tasks(&reg);
    assert_eq!(tasks.len(), 2, "{tasks:?}");
    for t in &tasks {
        assert_eq!(t["pupil_name"], "Nia Newkid", "{t}");
        let was_exported = t["clearance_id"] == exported.as_str();
        assert_eq!(t["exported_at"].is_string(), was_exported, "{t}");
    }
    let table = reg.ok(&["takedowns", "list", "--open"]);
    assert!(
        table.contains(&format!("Nia Newkid ({nia})")) && table.contains("never"),
        "{table}"
    );
}
