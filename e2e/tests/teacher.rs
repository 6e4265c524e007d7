//! The teacher's and the administrator's flows through the real app, on a corpus photo
//! (/work/shared/corpus/exiv2/exiv2-bug2565.jpg, a Samsung phone photo; the test says so and
//! skips when /work/shared is absent): blocked for an unregistered device; cleared after the
//! device is registered, the card ingested and consent recorded; exported to a folder where the
//! file is found; then a posting hold shows its banner and blocks the same check; then the
//! parent withdraws consent, the cleared photo becomes a takedown task counted on the home
//! screen and in the navigation, and the task is ticked off with a note.

use std::path::{Path, PathBuf};

use e2e::{TestResult, click, find, run, screenshot, set_value, type_into, wait_text};
use fantoccini::Client;

const CORPUS_PHOTO: &str = "/work/shared/corpus/exiv2/exiv2-bug2565.jpg";

fn corpus_photo() -> Option<PathBuf> {
    let p = std::env::var_os("CLEARSHOT_CORPUS")
        .map(|c| PathBuf::from(c).join("exiv2/exiv2-bug2565.jpg"))
        .unwrap_or_else(|| PathBuf::from(CORPUS_PHOTO));
    p.exists().then_some(p)
}

async fn check_photo(c: &Client) -> TestResult<String> {
    click(c, "#nav-clear").await?;
    find(c, "#photo-detail").await?;
    click(c, "#photo-check").await?;
    wait_text(c, "#verdict", |t| !t.is_empty()).await
}

async fn teacher(c: Client, dir: PathBuf, photo: PathBuf) -> TestResult {
    find(&c, "#open-sample").await?.click().await?;
    find(&c, "#ready[data-screen='pupils']").await?;

    // An approved member of staff to post.
    e2e::approve_erin(&c).await?;
    // Policy 7.1.1: trained before posting; the office records the training.
    wait_text(&c, "#staff-list", |t| t.contains("No training recorded")).await?;
    screenshot(&c, "12-staff").await?;
    e2e::no_sideways_scrolling(&c, "the staff list").await?;
    e2e::record_training(&c).await?;
    wait_text(&c, "#staff-list", |t| t.contains("Approved")).await?;

    // The academy's page, added with one administrator: a problem, fixed by giving two.
    click(&c, "#nav-accounts").await?;
    type_into(&c, "#account-handle", "@OakHillAcademy").await?;
    type_into(&c, "#account-admin1", "head@oak.sch.uk").await?;
    click(&c, "#account-add").await?;
    wait_text(&c, "#notice", |t| t.contains("problems to fix")).await?;
    click(&c, "tr[data-account='oakhillacademy'] .change-admins").await?;
    type_into(&c, ".edit-admin2", "office@oak.sch.uk").await?;
    click(&c, ".save-admins").await?;
    // Two administrators now; the domains are not set in this register, which it still says.
    wait_text(&c, "tr[data-account='oakhillacademy']", |t| {
        t.contains("office@oak.sch.uk")
            && !t.contains("only 1 administrator")
            && t.contains("Settings → Trust domains")
    })
    .await?;
    screenshot(&c, "35-accounts").await?;

    // The teacher adds the photo (typed path: native dialogs are out of WebDriver's reach).
    click(&c, "#nav-clear").await?;
    type_into(&c, "#photos-path", &photo.display().to_string()).await?;
    click(&c, "#photos-add").await?;
    find(&c, "#photo-detail").await?;
    find(&c, ".thumb img").await?;
    set_value(&c, "#clear-channel", "website").await?;
    type_into(&c, "#tag-input", "Oliver Okafor").await?;
    click(&c, ".suggestion").await?;
    type_into(&c, "#caption", "Sports day fun!").await?;
    wait_text(&c, "#caption-check", |t| t.contains("looks safe")).await?;
    click(&c, "#photo-check").await?;
    let verdict = wait_text(&c, "#verdict", |t| !t.is_empty()).await?;
    e2e::ensure!(
        verdict.contains("Blocked"),
        "unregistered device: {verdict}"
    );
    wait_text(&c, "#provenance", |t| t.contains("none")).await?;
    screenshot(&c, "10-clear-photo-blocked").await?;

    // The administrator registers the phone and ingests its card (here: the photo itself).
    click(&c, "#nav-devices").await?;
    type_into(&c, "#device-label", "OAK-PHONE-01").await?;
    type_into(&c, "#device-make", "samsung").await?;
    type_into(&c, "#device-model", "SM-G930V").await?;
    click(&c, "#device-add").await?;
    wait_text(&c, "#notice", |t| t.contains("registered")).await?;
    type_into(&c, "#ingest-path", &photo.display().to_string()).await?;
    click(&c, "#ingest-run").await?;
    wait_text(&c, "#ingest-report", |t| t.starts_with("1 recorded")).await?;
    screenshot(&c, "11-devices").await?;

    // The office records Oliver Okafor's form.
    click(&c, "#nav-pupils").await?;
    type_into(&c, "#pupil-search", "Oliver Okafor").await?;
    click(&c, ".pupil-result").await?;
    click(&c, "#record-form").await?;
    click(&c, "#form-save").await?;
    wait_text(&c, "tr[data-channel='website'] .badge", |t| {
        t.contains("Granted")
    })
    .await?;

    // Checked again: cleared, with the ledger as provenance.
    let verdict = check_photo(&c).await?;
    e2e::ensure!(
        verdict.contains("Cleared"),
        "registered, ingested, consented: {verdict}"
    );
    wait_text(&c, "#provenance", |t| t.contains("ledger")).await?;
    wait_text(&c, "#reasons", |t| t.contains("Consent: passed")).await?;
    screenshot(&c, "13-clear-photo-cleared").await?;

    // Export the safe copy and find the file.
    let out = dir.join("to-post");
    type_into(&c, "#export-dir", &out.display().to_string()).await?;
    click(&c, "#export-run").await?;
    wait_text(&c, "#notice", |t| t.contains("written to")).await?;
    let written = jpgs(&out);
    e2e::ensure!(
        written.len() == 1,
        "one safe copy in {}: {written:?}",
        out.display()
    );
    let bytes = std::fs::read(&written[0])?;
    e2e::ensure!(bytes.starts_with(&[0xFF, 0xD8]), "the export is a JPEG");
    e2e::ensure!(
        !bytes.windows(4).any(|w| w == b"Exif"),
        "the safe copy carries no EXIF (GPS included)"
    );
    find(&c, "#export-open").await?;

    // A posting hold: the banner on every screen, and the same check now blocked.
    click(&c, "#nav-hold").await?;
    type_into(&c, "#hold-reason", "Incident under review").await?;
    click(&c, "#hold-start").await?;
    wait_text(&c, "#hold-banner", |t| t.contains("Posting is on hold")).await?;
    screenshot(&c, "14-posting-hold").await?;
    let verdict = check_photo(&c).await?;
    e2e::ensure!(verdict.contains("Blocked"), "on hold: {verdict}");
    wait_text(&c, "#reasons", |t| t.contains("Posting hold: blocked")).await?;
    find(&c, "#hold-banner").await?;
    screenshot(&c, "15-clear-photo-on-hold").await?;

    // No takedown yet: the home screen and the navigation show no count.
    click(&c, "#nav-pupils").await?;
    find(&c, "#pupil-search").await?;
    e2e::ensure!(
        e2e::count(&c, "#home-takedowns").await? == 0
            && e2e::count(&c, "#nav-takedowns-count").await? == 0,
        "no takedown task before the withdrawal"
    );

    // The parent withdraws consent: the photo cleared for the website must come down.
    type_into(&c, "#pupil-search", "Oliver Okafor").await?;
    click(&c, ".pupil-result").await?;
    click(&c, "#withdraw summary").await?;
    type_into(&c, "#withdraw-name", "Grace Okafor").await?;
    type_into(&c, "#withdraw-relationship", "mother").await?;
    type_into(&c, "#withdraw-note", "email to the office").await?;
    // The keys typed have reached the field before the picture is taken.
    let note = find(&c, "#withdraw-note").await?;
    for _ in 0..100 {
        if note.prop("value").await?.as_deref() == Some("email to the office") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    screenshot(&c, "31-withdraw-consent").await?;
    click(&c, "#withdraw-save").await?;
    wait_text(&c, "#notice", |t| t.contains("1 takedown task raised")).await?;
    // The history says who asked and how.
    wait_text(&c, "tr[data-withdrawal]", |t| {
        t.contains("Grace Okafor (parent, mother)") && t.contains("email to the office")
    })
    .await?;
    wait_text(&c, "tr[data-channel='website'] .badge", |t| {
        t.contains("Withdrawn")
    })
    .await?;
    wait_text(&c, "#nav-takedowns-count", |t| t == "1 open").await?;
    click(&c, "#back-to-search").await?;
    wait_text(&c, "#home-takedowns", |t| {
        t.contains("1 takedown task open")
    })
    .await?;
    screenshot(&c, "16-home-takedown-count").await?;

    // The list: the photo's hash, channel, academy, who cleared it and why it was raised.
    click(&c, "#home-takedowns-open").await?;
    let row = wait_text(&c, "#takedowns tbody tr[data-takedown]", |t| {
        t.contains("Website")
    })
    .await?;
    for expected in [
        "SAMPLE",
        "erin.tester@oak.sch.uk",
        "withdrew consent",
        "Open",
    ] {
        e2e::ensure!(row.contains(expected), "the task shows {expected:?}: {row}");
    }
    click(&c, ".mark-done").await?;
    find(&c, "#takedown-note").await?;
    screenshot(&c, "17-takedowns").await?;
    // The note is required: an empty one is not accepted.
    click(&c, "#takedown-save").await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    wait_text(&c, "#takedown-count", |t| t.contains("1 task open")).await?;
    type_into(&c, "#takedown-note", "Deleted the website post").await?;
    click(&c, "#takedown-save").await?;
    wait_text(&c, "#notice", |t| t.contains("marked done")).await?;
    wait_text(&c, "#takedown-count", |t| {
        t.contains("No takedown tasks open")
    })
    .await?;
    e2e::ensure!(
        e2e::count(&c, "#nav-takedowns-count").await? == 0,
        "the navigation count goes once the task is done"
    );
    click(&c, "#takedowns-all").await?;
    let done = wait_text(&c, "#takedowns tbody tr[data-takedown]", |t| {
        t.contains("Done")
    })
    .await?;
    e2e::ensure!(
        done.contains("Deleted the website post") && done.contains("e2e.tester"),
        "a done task says what was done and by whom: {done}"
    );
    screenshot(&c, "18-takedown-done").await?;

    // A small laptop's window: the takedown list still fits its width.
    c.set_window_size(1024, 700).await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    e2e::no_sideways_scrolling(&c, "the takedown list").await?;
    screenshot(&c, "33-small-window-takedowns").await?;
    // …and the photo check, its photo above its form.
    check_photo(&c).await?;
    e2e::no_sideways_scrolling(&c, "the photo check").await?;
    screenshot(&c, "34-small-window-clear-photo").await?;

    // The incident is over: ending the hold asks once more, then the banner goes.
    click(&c, "#nav-hold").await?;
    click(&c, ".hold-end").await?;
    e2e::ensure!(
        e2e::count(&c, "#hold-banner").await? == 1,
        "one click does not end a hold"
    );
    click(&c, ".hold-end-confirm").await?;
    wait_text(&c, "#notice", |t| t.contains("ended")).await?;
    for _ in 0..50 {
        if e2e::count(&c, "#hold-banner").await? == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    e2e::ensure!(
        e2e::count(&c, "#hold-banner").await? == 0,
        "the banner goes with the hold"
    );
    Ok(())
}

fn jpgs(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "jpg"))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
#[ignore = "needs a display: run bash scripts/e2e.sh"]
async fn a_corpus_photo_is_blocked_then_cleared_exported_and_held() {
    let Some(photo) = corpus_photo() else {
        eprintln!("SKIPPED: the corpus photo {CORPUS_PHOTO} is absent (no /work/shared here)");
        return;
    };
    run(
        "a_corpus_photo_is_blocked_then_cleared_exported_and_held",
        |c, dir| teacher(c, dir, photo),
    )
    .await;
}
