//! Faces in the clearance screen, through the real app, on a corpus photo with three faces
//! (/work/shared/corpus/exiv2/DSC_3079.jpg, a Sony Xperia photo of nappy packs with a baby's
//! face on each; `clearshot photos faces` finds 3; the test skips when /work/shared is absent):
//! the boxes are drawn over the preview, more faces than tagged pupils needs a person to look,
//! two faces are marked "blur" (one by click, one by keyboard), the acknowledgement clears the
//! photo, and the export reports the two faces blurred.

use std::path::PathBuf;
use std::time::Duration;

use e2e::{TestResult, click, find, run, screenshot, type_into, wait_attr, wait_text};
use fantoccini::Client;

const CORPUS_PHOTO: &str = "/work/shared/corpus/exiv2/DSC_3079.jpg";

fn corpus_photo() -> Option<PathBuf> {
    let p = std::env::var_os("CLEARSHOT_CORPUS")
        .map(|c| PathBuf::from(c).join("exiv2/DSC_3079.jpg"))
        .unwrap_or_else(|| PathBuf::from(CORPUS_PHOTO));
    p.exists().then_some(p)
}

async fn faces(c: Client, dir: PathBuf, photo: PathBuf) -> TestResult {
    click(&c, "#open-sample").await?;
    find(&c, "#ready[data-screen='pupils']").await?;

    // Someone to post, the phone registered and its card ingested, and a consent recorded.
    e2e::approve_erin(&c).await?;
    // Policy 7.1.1: trained before posting; the office records the training.
    e2e::record_training(&c).await?;
    click(&c, "#nav-devices").await?;
    type_into(&c, "#device-label", "OAK-PHONE-02").await?;
    type_into(&c, "#device-make", "Sony").await?;
    type_into(&c, "#device-model", "D5803").await?;
    click(&c, "#device-add").await?;
    wait_text(&c, "#notice", |t| t.contains("registered")).await?;
    type_into(&c, "#ingest-path", &photo.display().to_string()).await?;
    click(&c, "#ingest-run").await?;
    wait_text(&c, "#ingest-report", |t| t.starts_with("1 recorded")).await?;
    click(&c, "#nav-pupils").await?;
    type_into(&c, "#pupil-search", "Oliver Okafor").await?;
    click(&c, ".pupil-result").await?;
    click(&c, "#record-form").await?;
    click(&c, "#form-save").await?;
    wait_text(&c, "tr[data-channel='website'] .badge", |t| {
        t.contains("Granted")
    })
    .await?;

    // The photo: its preview first, then a box over each face found.
    click(&c, "#nav-clear").await?;
    type_into(&c, "#photos-path", &photo.display().to_string()).await?;
    click(&c, "#photos-add").await?;
    find(&c, "#photo-preview").await?;
    e2e::wait_count(&c, ".face", 3, Duration::from_secs(60)).await?;
    for i in 0..3 {
        wait_attr(
            &c,
            &format!(".face[data-face='{i}']"),
            "data-mark",
            "tagged",
        )
        .await?;
    }
    // Each box sits inside the preview, on its own face.
    let boxes: Vec<(f64, f64, f64, f64)> = serde_json::from_value(
        c.execute(
            "const img = document.querySelector('#photo-preview').getBoundingClientRect();\
             return [...document.querySelectorAll('.face')].map(f => { const r = f.getBoundingClientRect();\
               return [(r.left - img.left) / img.width, (r.top - img.top) / img.height, r.width / img.width, r.height / img.height]; });",
            vec![],
        )
        .await?,
    )?;
    // DSC_3079.jpg is 720x1280; `clearshot photos faces` puts face 0 at x=322, y=448, 60x60.
    let (x, y, w, h) = boxes[0];
    e2e::ensure!(
        (x - 322.0 / 720.0).abs() < 0.01
            && (y - 448.0 / 1280.0).abs() < 0.01
            && (w - 60.0 / 720.0).abs() < 0.01
            && (h - 60.0 / 1280.0).abs() < 0.01,
        "face 0 is drawn where the detector found it, scaled to the preview: {boxes:?}"
    );

    set_channel_and_tag(&c).await?;
    wait_text(&c, "#faces-summary", |t| {
        t == "3 faces found · 1 pupil tagged"
    })
    .await?;
    click(&c, "#photo-check").await?;
    let verdict = wait_text(&c, "#verdict", |t| !t.is_empty()).await?;
    e2e::ensure!(
        verdict.contains("Needs a person to look"),
        "3 faces, 1 pupil tagged: {verdict}"
    );
    wait_text(&c, "#reasons", |t| t.contains("Faces: needs a look")).await?;
    find(&c, "#faces-acknowledged").await?;
    screenshot(&c, "19-faces-needs-review").await?;

    // Face 1 by mouse, face 2 by keyboard (focus, Enter): both to "blur", in words too.
    click(&c, ".face[data-face='1']").await?;
    wait_attr(&c, ".face[data-face='1']", "data-mark", "blur").await?;
    c.execute(
        "document.querySelector(\".face[data-face='2']\").focus()",
        vec![],
    )
    .await?;
    find(&c, ".face[data-face='2']")
        .await?
        .send_keys("\u{E007}")
        .await?; // Enter
    wait_attr(&c, ".face[data-face='2']", "data-mark", "blur").await?;
    wait_text(&c, "[data-face-row='2']", |t| t.contains("Face 3: Blur")).await?;
    wait_text(&c, "[data-face-row='0']", |t| t.contains("Face 1: Tagged")).await?;

    // "I have looked": the check now clears the photo.
    click(&c, "#faces-acknowledged").await?;
    click(&c, "#photo-check").await?;
    let verdict = wait_text(&c, "#verdict", |t| !t.is_empty()).await?;
    e2e::ensure!(verdict.contains("Cleared"), "acknowledged: {verdict}");
    wait_text(&c, "#reasons", |t| t.contains("Faces: passed")).await?;
    screenshot(&c, "20-faces-blur-cleared").await?;

    // The export blurs the two faces and says so.
    let out = dir.join("to-post");
    type_into(&c, "#export-dir", &out.display().to_string()).await?;
    click(&c, "#export-run").await?;
    let notice = wait_text(&c, "#notice", |t| t.contains("written to")).await?;
    e2e::ensure!(
        notice.contains("2 faces blurred"),
        "the export reports the faces blurred: {notice}"
    );
    let written: Vec<PathBuf> = std::fs::read_dir(&out)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jpg"))
        .collect();
    e2e::ensure!(written.len() == 1, "one safe copy: {written:?}");
    Ok(())
}

async fn set_channel_and_tag(c: &Client) -> TestResult {
    e2e::set_value(c, "#clear-channel", "website").await?;
    type_into(c, "#tag-input", "Oliver Okafor").await?;
    click(c, ".suggestion").await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs a display: run bash scripts/e2e.sh"]
async fn face_boxes_are_drawn_marked_blur_acknowledged_and_blurred_on_export() {
    let Some(photo) = corpus_photo() else {
        eprintln!("SKIPPED: the corpus photo {CORPUS_PHOTO} is absent (no /work/shared here)");
        return;
    };
    run(
        "face_boxes_are_drawn_marked_blur_acknowledged_and_blurred_on_export",
        |c, dir| faces(c, dir, photo),
    )
    .await;
}
