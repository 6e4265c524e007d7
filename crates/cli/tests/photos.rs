//! `clearshot photos …` through the real binary: ingest, faces, check (every rule), export.
//! Photos are generated with chosen EXIF (`photo::testing`, an EXIF writer independent of the
//! reader) or are the labelled face images committed in `crates/faces/tests/data`, so these tests
//! need no corpus.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{Register, kent, line, roll};
use photo::testing::{ExifSpec, jpeg_with_exif};
use serde_json::Value;

const ON: &str = "2026-11-20";
const STAFF: &str = "t.teacher@oak.sch.uk";

/// A register ready to clear photos: academy OAK, two Year 5 pupils (a parent signs), pupil 1
/// with academy_social granted, an approved member of staff and a registered camera.
struct Setup {
    r: Register,
    granted: String,
    missing: String,
}

fn setup() -> Setup {
    let r = Register::with_academy();
    let granted = kent(1);
    let missing = kent(2);
    r.import(
        "OAK",
        roll(&[
            line(&granted, "Okafor", "Ada", "2016-10-03", "5"),
            line(&missing, "Price", "Ben", "2016-11-04", "5"),
        ]),
        &["--academic-year", "2026", "--on", "2026-09-05"],
    );
    r.ok(&[
        "consent",
        "record",
        &granted,
        "--signatory",
        "parent",
        "--signed-on",
        "2026-09-10",
        "--signer-name",
        "Grace Okafor",
        "--relationship",
        "mother",
        "--grant",
        "academy_social",
    ]);
    r.ok(&[
        "staff",
        "add",
        STAFF,
        "--name",
        "Tess Teacher",
        "--approved-on",
        "2026-09-01",
        "--trained-on",
        "2026-09-02",
    ]);
    r.ok(&[
        "devices",
        "add",
        "--label",
        "OAK-CAM-1",
        "--kind",
        "camera",
        "--make",
        "Canon",
        "--model",
        "Canon EOS 250D",
        "--serial",
        "123456789012",
        "--academy",
        "OAK",
        "--on",
        "2026-01-01",
    ]);
    Setup {
        r,
        granted,
        missing,
    }
}

fn face_image(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../faces/tests/data")
        .join(name);
    std::fs::read(p).unwrap()
}

/// `photos check --json …` as run, whatever it prints.
fn check_output(r: &Register, file: &Path, pupils: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "--json",
        "photos",
        "check",
        file.to_str().unwrap(),
        "--channel",
        "academy_social",
        "--staff",
        STAFF,
        "--academy",
        "OAK",
        "--pupils",
        pupils,
        "--on",
        ON,
    ];
    args.extend_from_slice(extra);
    r.run(&args)
}

/// `photos check --json` of `file` for academy social media at OAK by `staff` on `on`, whatever
/// its exit code: the result.
fn check_as(r: &Register, file: &Path, staff: &str, pupils: &str, on: &str) -> Value {
    let out = r.run(&[
        "--json",
        "photos",
        "check",
        file.to_str().unwrap(),
        "--channel",
        "academy_social",
        "--staff",
        staff,
        "--academy",
        "OAK",
        "--pupils",
        pupils,
        "--on",
        on,
    ]);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)))
}

/// `photos check --json …` (whatever its exit code): (exit code, result).
fn check(r: &Register, file: &Path, pupils: &str, extra: &[&str]) -> (i32, Value) {
    let out = check_output(r, file, pupils, extra);
    let code = out.status.code().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check printed no JSON ({e}), exit {code}: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, v)
}

fn reason<'a>(result: &'a Value, rule: &str) -> &'a Value {
    result["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} reason in {result}"))
}

fn export(r: &Register, clearance: &str, file: &Path, out: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "photos",
        "export",
        "--clearance",
        clearance,
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--on",
        ON,
    ];
    args.extend_from_slice(extra);
    r.json(&args)
}

/// Mean absolute difference of two same-sized RGB images inside a box.
fn mean_diff(a: &photo::Decoded, b: &photo::Decoded, x: u32, y: u32, w: u32, h: u32) -> f64 {
    assert_eq!((a.width(), a.height()), (b.width(), b.height()));
    let (mut sum, mut n) = (0u64, 0u64);
    for yy in y..(y + h).min(a.height()) {
        for xx in x..(x + w).min(a.width()) {
            let i = ((yy * a.width() + xx) * 3) as usize;
            for c in 0..3 {
                sum += u64::from(a.rgb()[i + c].abs_diff(b.rgb()[i + c]));
                n += 1;
            }
        }
    }
    sum as f64 / n.max(1) as f64
}

#[test]
fn a_group_photo_with_more_faces_than_tagged_pupils_needs_review_until_acknowledged() {
    let s = setup();
    let photo = s.r.write("group.jpg", face_image("group4.jpg"));
    let found = s.r.json(&["photos", "faces", photo.to_str().unwrap()]);
    let faces = found[0]["faces"].as_array().unwrap();
    assert_eq!(faces.len(), 4, "{found}");
    s.r.ok(&[
        "photos",
        "ingest",
        photo.to_str().unwrap(),
        "--device",
        "OAK-CAM-1",
    ]);

    let (code, first) = check(&s.r, &photo, &s.granted, &[]);
    assert_eq!(first["verdict"], "needs_review", "{first}");
    assert_eq!(code, 1);
    assert!(first["clearance_id"].is_null());
    let faces_reason = reason(&first, "faces");
    assert_eq!(faces_reason["passed"], false);
    assert_eq!(faces_reason["review"], true);
    assert_eq!(faces_reason["detail"], "4 faces found, 1 pupil tagged");
    // Every other rule passed: the faces are the only reason a person must look.
    for r in first["reasons"].as_array().unwrap() {
        if r["rule"] != "faces" {
            assert_eq!(r["passed"], true, "{r}");
        }
    }

    let (code, second) = check(&s.r, &photo, &s.granted, &["--faces-acknowledged"]);
    assert_eq!(second["verdict"], "cleared", "{second}");
    assert_eq!(code, 0);
    assert!(
        reason(&second, "faces")["detail"]
            .as_str()
            .unwrap()
            .contains("acknowledged")
    );
    // The acknowledgement is in the audit entry of the check.
    let log = s.r.json(&["audit", "log"]);
    let checks: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "photo.check")
        .map(|e| e.to_string())
        .collect();
    assert_eq!(checks.len(), 2);
    assert!(checks[0].contains("faces_acknowledged") && checks[0].contains("false"));
    assert!(
        checks[1].contains(r#"\"faces_acknowledged\":true"#)
            || checks[1].contains(r#""faces_acknowledged":true"#),
        "{}",
        checks[1]
    );

    // Tagging every face's pupil (here: as many pupils as faces is impossible with two pupils)
    // — with no pupils tagged and four faces, it still needs review.
    let (_, none_tagged) = check(&s.r, &photo, "", &[]);
    assert_eq!(
        reason(&none_tagged, "faces")["detail"],
        "4 faces found, 0 pupils tagged"
    );
}

#[test]
fn export_blurs_the_chosen_faces_in_the_copy_only() {
    let s = setup();
    let bytes = face_image("group4.jpg");
    let photo = s.r.write("group.jpg", &bytes);
    s.r.ok(&[
        "photos",
        "ingest",
        photo.to_str().unwrap(),
        "--device",
        "OAK-CAM-1",
    ]);
    let (_, cleared) = check(&s.r, &photo, &s.granted, &["--faces-acknowledged"]);
    let id = cleared["clearance_id"].as_str().unwrap().to_string();
    let faces = s.r.json(&["photos", "faces", photo.to_str().unwrap()])[0]["faces"]
        .as_array()
        .unwrap()
        .clone();
    let boxes: Vec<[u32; 4]> = faces
        .iter()
        .map(|f| ["x", "y", "w", "h"].map(|k| u32::try_from(f[k].as_u64().unwrap()).unwrap()))
        .collect();

    let plain_dir = s.r.path("plain");
    let all_dir = s.r.path("all");
    let one_dir = s.r.path("one");
    let plain = export(&s.r, &id, &photo, &plain_dir, &[]);
    assert_eq!(plain["faces_blurred"], 0);
    let all = export(&s.r, &id, &photo, &all_dir, &["--blur-faces", "all"]);
    assert_eq!(all["faces_blurred"], 4);
    let one = export(&s.r, &id, &photo, &one_dir, &["--blur-faces", "1"]);
    assert_eq!(one["faces_blurred"], 1);

    let read =
        |v: &Value| photo::decode(&std::fs::read(v["path"].as_str().unwrap()).unwrap()).unwrap();
    let (plain, all, one) = (read(&plain), read(&all), read(&one));
    // group4.jpg is smaller than the default long edge: the copies keep its size, so the
    // boxes apply directly.
    let source = photo::decode(&bytes).unwrap();
    assert_eq!(
        (plain.width(), plain.height()),
        (source.width(), source.height())
    );
    for (i, [x, y, w, h]) in boxes.iter().copied().enumerate() {
        let d = mean_diff(&plain, &all, x, y, w, h);
        assert!(
            d > 12.0,
            "face {i} barely changed by blurring: mean difference {d:.1}"
        );
        let d_one = mean_diff(&plain, &one, x, y, w, h);
        if i == 1 {
            assert!(d_one > 12.0, "face 1 not blurred: {d_one:.1}");
        } else {
            assert!(
                d_one < 3.0,
                "face {i} changed though only face 1 was chosen: {d_one:.1}"
            );
        }
    }
    // Far from every face, the picture is untouched (only re-encoding noise).
    let (w, h) = (plain.width(), plain.height());
    let corner = mean_diff(&plain, &all, 0, h - h / 8, w / 8, h / 8);
    assert!(corner < 3.0, "background changed: {corner:.1}");
    // The source file is never modified.
    assert_eq!(std::fs::read(&photo).unwrap(), bytes);

    // A face number that does not exist is bad input, and nothing is written.
    let e = s.r.bad_input(&[
        "photos",
        "export",
        "--clearance",
        &id,
        photo.to_str().unwrap(),
        "--out",
        s.r.path("bad").to_str().unwrap(),
        "--on",
        ON,
        "--blur-faces",
        "0,9",
    ]);
    assert!(e.contains("no face 9"), "{e}");
    assert!(!s.r.path("bad").join(format!("{id}.jpg")).exists());
}

fn camera_photo(seed: u64, serial: Option<&str>, make: Option<&str>) -> Vec<u8> {
    jpeg_with_exif(&ExifSpec {
        width: 640,
        height: 480,
        seed,
        make: make.map(str::to_owned),
        model: make.map(|_| "Canon EOS 250D".to_owned()),
        serial: serial.map(str::to_owned),
        date_time_original: Some("2026:10:01 10:30:00".to_owned()),
        offset_time_original: Some("+01:00".to_owned()),
        gps: Some((51.5, -0.14)),
        ..ExifSpec::default()
    })
}

#[test]
fn provenance_is_the_strongest_evidence_of_a_trust_device() {
    let s = setup();
    // The body serial of a registered device: cleared.
    let serial = s.r.write(
        "serial.jpg",
        camera_photo(1, Some("123456789012"), Some("Canon")),
    );
    let (code, v) = check(&s.r, &serial, &s.granted, &[]);
    assert_eq!(
        (code, v["verdict"].as_str().unwrap()),
        (0, "cleared"),
        "{v}"
    );
    assert_eq!(v["provenance"]["level"], "serial");
    assert_eq!(v["provenance"]["device"], "OAK-CAM-1");

    // Same make and model, no serial: a person must look.
    let model_only = s.r.write("model.jpg", camera_photo(2, None, Some("Canon")));
    let (code, v) = check(&s.r, &model_only, &s.granted, &[]);
    assert_eq!(
        (code, v["verdict"].as_str().unwrap()),
        (1, "needs_review"),
        "{v}"
    );
    assert_eq!(v["provenance"]["level"], "make_model");

    // The reason says what to do about it.
    assert!(
        reason(&v, "provenance")["detail"]
            .as_str()
            .unwrap()
            .contains("Ingest the device's photos into the provenance ledger"),
        "{v}"
    );

    // Another camera of the registered model (its own serial): blocked, and the reason says
    // whose serial is whose.
    let other_body = s.r.write(
        "other-body.jpg",
        camera_photo(4, Some("999000111"), Some("Canon")),
    );
    let (code, v) = check(&s.r, &other_body, &s.granted, &[]);
    assert_eq!(
        (code, v["provenance"]["level"].as_str()),
        (1, Some("none")),
        "{v}"
    );
    assert!(
        reason(&v, "provenance")["detail"].as_str().unwrap().contains(
            "the make and model match OAK-CAM-1, but its serial number is 123456789012 and the photo's is 999000111"
        ),
        "{v}"
    );

    // Nothing ties it to a trust device: blocked.
    let unknown = s.r.write("unknown.jpg", camera_photo(3, None, None));
    let (code, v) = check(&s.r, &unknown, &s.granted, &[]);
    assert_eq!(
        (code, v["verdict"].as_str().unwrap()),
        (1, "blocked"),
        "{v}"
    );
    assert_eq!(v["provenance"]["level"], "none");

    // A registered serial written into a photo that names no camera (as anyone can with an
    // EXIF editor; no camera writes a serial without its make and model) proves nothing, and
    // the reason says why.
    let bare_serial = s.r.write(
        "bare-serial.jpg",
        camera_photo(9, Some("123456789012"), None),
    );
    let (code, v) = check(&s.r, &bare_serial, &s.granted, &[]);
    assert_eq!(
        (code, v["verdict"].as_str().unwrap()),
        (1, "blocked"),
        "{v}"
    );
    assert!(
        reason(&v, "provenance")["detail"]
            .as_str()
            .unwrap()
            .contains("the serial number matches OAK-CAM-1, but the photo names no make or model"),
        "{v}"
    );

    // The serial and the make of a registered device, but a model that does not read as its
    // badge (an office typed the model differently): a person looks, rather than a block.
    let other_model = s.r.write(
        "other-model.jpg",
        jpeg_with_exif(&ExifSpec {
            width: 640,
            height: 480,
            seed: 10,
            make: Some("Canon".into()),
            model: Some("Canon EOS 2000D".into()),
            serial: Some("123456789012".into()),
            date_time_original: Some("2026:10:01 10:30:00".to_owned()),
            ..ExifSpec::default()
        }),
    );
    let (code, v) = check(&s.r, &other_model, &s.granted, &[]);
    assert_eq!(
        (code, v["verdict"].as_str().unwrap()),
        (1, "needs_review"),
        "{v}"
    );
    assert_eq!(v["provenance"]["level"], "make_model", "{v}");
    assert!(
        reason(&v, "provenance")["detail"]
            .as_str()
            .unwrap()
            .contains("is not the one registered (Canon EOS 250D)"),
        "{v}"
    );

    // Ingested from the device's card: the exact bytes, then a resized, recompressed copy.
    let ingest = s.r.json(&[
        "photos",
        "ingest",
        unknown.to_str().unwrap(),
        "--device",
        "OAK-CAM-1",
    ]);
    assert_eq!(ingest["ingested"], 1, "{ingest}");
    let (_, v) = check(&s.r, &unknown, &s.granted, &[]);
    assert_eq!(v["provenance"]["level"], "ledger", "{v}");
    assert_eq!(v["verdict"], "cleared");
    let decoded = photo::decode(&std::fs::read(&unknown).unwrap()).unwrap();
    let small = photo::testing::jpeg_from_rgb(
        &resize_half(&decoded),
        decoded.width() / 2,
        decoded.height() / 2,
        70,
    )
    .unwrap();
    let copy = s.r.write("copy.jpg", small.clone());
    let (_, v) = check(&s.r, &copy, &s.granted, &[]);
    assert_eq!(v["provenance"]["level"], "ledger_similar", "{v}");
    // The same look and the same second, but it names another camera (a teacher's phone shot
    // beside the school's camera): not a copy of the ledger photo.
    let phone = s.r.write(
        "phone.jpg",
        photo::testing::add_exif(
            small,
            &ExifSpec {
                make: Some("Apple".into()),
                model: Some("iPhone 13".into()),
                date_time_original: Some("2026:10:01 10:30:00".into()),
                ..ExifSpec::default()
            },
        )
        .unwrap(),
    );
    let (_, v) = check(&s.r, &phone, &s.granted, &[]);
    assert_eq!(v["provenance"]["level"], "none", "{v}");

    // A photo taken after the device was retired does not count for it.
    s.r.ok(&["devices", "retire", "OAK-CAM-1", "--on", "2026-09-30"]);
    let late = s.r.write(
        "late.jpg",
        camera_photo(4, Some("123456789012"), Some("Canon")),
    );
    let (code, v) = check(&s.r, &late, &s.granted, &[]);
    assert_eq!(code, 1);
    assert_ne!(v["provenance"]["level"], "serial", "{v}");
    // Nor does the ledger take it: the card copied after the retirement names it, and an
    // undated photo too (it would count only on a day before the retirement); a photo from
    // before the retirement is still ingested.
    let undated = s.r.write(
        "undated.jpg",
        jpeg_with_exif(&ExifSpec {
            width: 640,
            height: 480,
            seed: 5,
            make: Some("Canon".into()),
            model: Some("Canon EOS 250D".into()),
            ..ExifSpec::default()
        }),
    );
    let before = s.r.write(
        "before.jpg",
        jpeg_with_exif(&ExifSpec {
            width: 640,
            height: 480,
            seed: 6,
            make: Some("Canon".into()),
            model: Some("Canon EOS 250D".into()),
            date_time_original: Some("2026:09:29 10:30:00".to_owned()),
            ..ExifSpec::default()
        }),
    );
    let out = s.r.run(&[
        "--json",
        "photos",
        "ingest",
        late.to_str().unwrap(),
        undated.to_str().unwrap(),
        before.to_str().unwrap(),
        "--device",
        "OAK-CAM-1",
    ]);
    let ingest: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ingest["ingested"], 1, "{ingest}");
    let reasons: Vec<&str> = ingest["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "it was taken on 2026-10-01, after OAK-CAM-1 was retired on 2026-09-30; not ingested",
            "it does not say when it was taken, and OAK-CAM-1 was retired on 2026-09-30; not ingested"
        ],
        "{ingest}"
    );
}

/// An undated photo ingested before its camera was retired was taken before then, whenever it
/// is checked: the ledger's date of ingest says so (before, the day of the check counted, and
/// every undated ledger photo of a retired camera was blocked).
#[test]
fn an_undated_ledger_photo_counts_for_a_camera_retired_after_its_ingest() {
    let s = setup();
    let undated = s.r.write(
        "undated.jpg",
        jpeg_with_exif(&ExifSpec {
            width: 640,
            height: 480,
            seed: 42,
            ..ExifSpec::default()
        }),
    );
    let ingest = s.r.json(&[
        "photos",
        "ingest",
        undated.to_str().unwrap(),
        "--device",
        "OAK-CAM-1",
    ]);
    assert_eq!(ingest["ingested"], 1, "{ingest}");
    // Retired long after this ingest; the photo checked later still.
    s.r.ok(&["devices", "retire", "OAK-CAM-1", "--on", "2099-01-01"]);
    let v = check_as(&s.r, &undated, STAFF, "", "2099-06-01");
    assert_eq!(v["provenance"]["level"], "ledger", "{v}");
}

/// A photo cut off part way (a card pulled out mid-copy) is not cleared with its missing part
/// painted grey: the check is refused, as the ingest is, and nothing is recorded as checked.
#[test]
fn a_truncated_photo_is_refused_not_cleared() {
    let s = setup();
    let whole = camera_photo(41, Some("123456789012"), Some("Canon"));
    let cut = s.r.write("cut.jpg", &whole[..whole.len() * 3 / 5]);
    let before = s.r.json(&["audit", "verify"])["entries"].clone();
    for extra in [&[][..], &["--faces-acknowledged"]] {
        let out = check_output(&s.r, &cut, &s.granted, extra);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(
            e.contains("truncated or malformed JPEG: the image data stops before its end"),
            "{e}"
        );
    }
    assert_eq!(s.r.json(&["audit", "verify"])["entries"], before);
}

/// Halves an image by averaging 2×2 blocks.
fn resize_half(d: &photo::Decoded) -> Vec<u8> {
    let (w, h) = (d.width() / 2, d.height() / 2);
    let src = d.rgb();
    let mut out = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let at =
                    |xx: u32, yy: u32| u32::from(src[((yy * d.width() + xx) * 3 + c) as usize]);
                let sum = at(2 * x, 2 * y)
                    + at(2 * x + 1, 2 * y)
                    + at(2 * x, 2 * y + 1)
                    + at(2 * x + 1, 2 * y + 1);
                out.push((sum / 4) as u8);
            }
        }
    }
    out
}

#[test]
fn consent_staff_caption_and_holds_each_block_with_their_reason() {
    let s = setup();
    let photo = s.r.write(
        "p.jpg",
        camera_photo(5, Some("123456789012"), Some("Canon")),
    );

    // A pupil without consent, named with their status.
    let both = format!("{},{}", s.granted, s.missing);
    let (code, v) = check(&s.r, &photo, &both, &[]);
    assert_eq!(
        (code, v["verdict"].as_str().unwrap()),
        (1, "blocked"),
        "{v}"
    );
    let consent = reason(&v, "consent");
    assert_eq!(consent["passed"], false);
    let detail = consent["detail"].as_str().unwrap();
    assert!(
        detail.contains(&s.missing) && detail.contains("missing"),
        "{detail}"
    );

    // Someone not approved to post.
    let out = s.r.run(&[
        "--json",
        "photos",
        "check",
        photo.to_str().unwrap(),
        "--channel",
        "academy_social",
        "--staff",
        "someone@else.org",
        "--academy",
        "OAK",
        "--pupils",
        &s.granted,
        "--on",
        ON,
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "blocked");
    assert_eq!(reason(&v, "staff")["passed"], false);

    // A caption naming the pupil in full.
    let (_, v) = check(
        &s.r,
        &photo,
        &s.granted,
        &["--caption", "Well done Ada Okafor!"],
    );
    assert_eq!(v["verdict"], "blocked");
    assert_eq!(reason(&v, "caption")["passed"], false);
    let (_, v) = check(
        &s.r,
        &photo,
        &s.granted,
        &["--caption", "Sports day at Oak!"],
    );
    assert_eq!(v["verdict"], "cleared", "{v}");

    // A posting hold on the academy blocks everything while it lasts.
    s.r.ok(&[
        "hold",
        "start",
        "--academy",
        "OAK",
        "--reason",
        "Ofsted week",
        "--on",
        "2026-11-19",
    ]);
    let (_, v) = check(&s.r, &photo, &s.granted, &[]);
    assert_eq!(v["verdict"], "blocked");
    let hold = reason(&v, "hold");
    assert_eq!(hold["passed"], false);
    assert!(
        hold["detail"].as_str().unwrap().contains("Ofsted week"),
        "{hold}"
    );
    s.r.ok(&["hold", "end", "--academy", "OAK", "--on", "2026-11-20"]);
    let (_, v) = check(&s.r, &photo, &s.granted, &[]);
    assert_eq!(v["verdict"], "cleared", "{v}");

    // Every check is an audit entry, and the chain verifies.
    let verify = s.r.json(&["audit", "verify"]);
    assert_eq!(verify["ok"], true);
}

#[test]
fn the_safe_copy_carries_no_metadata_and_is_refused_for_other_bytes_or_after_a_withdrawal() {
    let s = setup();
    let bytes = camera_photo(6, Some("123456789012"), Some("Canon"));
    let photo = s.r.write("p.jpg", &bytes);
    let (_, v) = check(&s.r, &photo, &s.granted, &[]);
    let id = v["clearance_id"].as_str().unwrap().to_string();

    let out_dir = s.r.path("out");
    let e = export(&s.r, &id, &photo, &out_dir, &["--max-edge", "320"]);
    let written = std::fs::read(e["path"].as_str().unwrap()).unwrap();
    assert_eq!(e["width"], 320);
    let seen =
        s.r.json(&["photos", "inspect", e["path"].as_str().unwrap()]);
    let seen = &seen[0];
    for field in ["make", "model", "serial", "gps", "taken_at"] {
        assert!(seen[field].is_null(), "{field} survived the export: {seen}");
    }
    assert!(
        !written.windows(4).any(|w| w == b"Exif"),
        "an Exif block survived"
    );

    // Other bytes under the same name: refused (exit 1), nothing written.
    let mut changed = bytes.clone();
    let n = changed.len();
    changed[n - 10] ^= 0x55;
    let other = s.r.write("changed.jpg", changed);
    let out = s.r.run(&[
        "photos",
        "export",
        "--clearance",
        &id,
        other.to_str().unwrap(),
        "--out",
        s.r.path("out2").to_str().unwrap(),
        "--on",
        ON,
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The parent withdraws before the post goes out: the export re-checks and refuses.
    s.r.ok(&[
        "consent",
        "withdraw",
        &s.granted,
        "--signatory",
        "parent",
        "--on",
        "2026-11-21",
        "--channels",
        "academy_social",
    ]);
    let out = s.r.run(&[
        "photos",
        "export",
        "--clearance",
        &id,
        photo.to_str().unwrap(),
        "--out",
        s.r.path("out3").to_str().unwrap(),
        "--on",
        "2026-11-22",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("withdrawn"), "{err}");
    // And the clearance became a takedown task.
    let tasks = s.r.json(&["takedowns", "list", "--open"]);
    assert_eq!(tasks.as_array().unwrap().len(), 1, "{tasks}");
    // Both refusals are in the audit log, each with the rule that refused it (by name: the
    // sentences name pupils): the other file first, then the withdrawal.
    let log = s.r.json(&["audit", "log"]);
    let refused: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "photo.export_refused")
        .collect();
    assert_eq!(refused.len(), 2, "{log}");
    assert_eq!(refused[0]["payload"]["rules"], serde_json::json!(["photo"]));
    assert!(refused[0]["payload"]["offered_sha256"].is_string());
    assert_eq!(
        refused[1]["payload"]["rules"],
        serde_json::json!(["consent"])
    );
    assert!(!refused[1]["payload"].to_string().contains("Okafor"));
}

/// A sixth former cleared on her own "yes" while her parent's "no" was only a warning: when the
/// DSL records that a parent must also consent, that "no" binds, and the photo already cleared
/// becomes a takedown task, as a new "no" would make it.
#[test]
fn a_parent_also_required_flag_makes_a_clearance_without_the_parents_yes_a_takedown() {
    let s = setup();
    let sixth = kent(7);
    s.r.import(
        "OAK",
        roll(&[
            line(&s.granted, "Okafor", "Ada", "2016-10-03", "5"),
            line(&s.missing, "Price", "Ben", "2016-11-04", "5"),
            line(&sixth, "Green", "Ruby", "2009-10-03", "12"),
        ]),
        &["--academic-year", "2026", "--on", "2026-11-01"],
    );
    for (who, answer, name) in [
        ("pupil", "--grant", "Ruby Green"),
        ("parent", "--refuse", "Rose Green"),
    ] {
        s.r.ok(&[
            "consent",
            "record",
            &sixth,
            "--signatory",
            who,
            "--signed-on",
            "2026-11-02",
            "--signer-name",
            name,
            answer,
            "academy_social",
        ]);
    }
    let photo = s.r.write(
        "p.jpg",
        camera_photo(40, Some("123456789012"), Some("Canon")),
    );
    let (_, v) = check(&s.r, &photo, &sixth, &[]);
    assert_eq!(v["verdict"], "cleared", "{v}");
    let flagged = s.r.json(&[
        "pupils",
        "flag",
        &sixth,
        "--parent-also-required",
        "--reason",
        "parent has decision-making rights",
        "--on",
        "2026-11-21",
    ]);
    assert_eq!(flagged["takedowns_raised"], 1, "{flagged}");
    let tasks = s.r.json(&["takedowns", "list", "--open"]);
    assert_eq!(tasks.as_array().unwrap().len(), 1, "{tasks}");
    assert!(
        tasks[0]["cause"].as_str().unwrap().contains(
            "a parent's consent is now also required, and is not given for academy_social"
        ),
        "{tasks}"
    );
    // A pupil whose parent has said yes too keeps the clearance.
    let (_, v) = check(&s.r, &photo, &s.granted, &[]);
    assert_eq!(v["verdict"], "cleared", "{v}");
    let flagged = s.r.json(&[
        "pupils",
        "flag",
        &s.granted,
        "--parent-also-required",
        "--reason",
        "x",
        "--on",
        "2026-11-21",
    ]);
    assert_eq!(flagged["takedowns_raised"], 0, "{flagged}");
}

/// The copy is for the member of staff who cleared the photo to post: a revocation between
/// clearing and exporting stops it, as a withdrawal does.
#[test]
fn an_export_after_the_member_of_staff_is_revoked_is_refused() {
    let s = setup();
    let photo = s.r.write(
        "p.jpg",
        camera_photo(1, Some("123456789012"), Some("Canon")),
    );
    let (_, v) = check(&s.r, &photo, &s.granted, &[]);
    let id = v["clearance_id"].as_str().unwrap().to_string();
    s.r.ok(&["staff", "revoke", STAFF, "--on", "2026-11-21"]);
    let args = |out: &str, on: &'static str| {
        vec![
            "photos".to_string(),
            "export".into(),
            "--clearance".into(),
            id.clone(),
            photo.to_str().unwrap().into(),
            "--out".into(),
            s.r.path(out).to_str().unwrap().into(),
            "--on".into(),
            on.into(),
        ]
    };
    // The day it was cleared for, before the revocation: the copy is made.
    let before = args("out1", ON);
    s.r.ok(&before.iter().map(String::as_str).collect::<Vec<_>>());
    let after = args("out2", "2026-11-22");
    let out =
        s.r.run(&after.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{STAFF}'s approval to post was revoked on 2026-11-21"
        )),
        "{err}"
    );
}

#[test]
fn check_with_export_writes_the_same_safe_copy_as_a_later_export_and_only_when_cleared() {
    let s = setup();
    // Stored 640×480 with orientation 6: displayed 480×640. GPS and a serial to strip.
    let bytes = jpeg_with_exif(&ExifSpec {
        width: 640,
        height: 480,
        seed: 31,
        make: Some("Canon".to_owned()),
        model: Some("Canon EOS 250D".to_owned()),
        serial: Some("123456789012".to_owned()),
        gps: Some((51.5, -0.14)),
        orientation: Some(6),
        ..ExifSpec::default()
    });
    let photo = s.r.write("rotated.jpg", &bytes);
    let out_dir = s.r.path("check-out");
    let out_arg = out_dir.to_str().unwrap();
    let (code, v) = check(
        &s.r,
        &photo,
        &s.granted,
        &["--export", out_arg, "--max-edge", "320"],
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["verdict"], "cleared");
    let id = v["clearance_id"].as_str().unwrap();
    let e = &v["export"];
    assert_eq!(e["clearance_id"], id);
    assert_eq!(
        PathBuf::from(e["path"].as_str().unwrap()),
        out_dir.join(format!("{id}.jpg"))
    );
    assert_eq!(
        (e["width"].as_u64(), e["height"].as_u64()),
        (Some(240), Some(320))
    );
    let seen =
        s.r.json(&["photos", "inspect", e["path"].as_str().unwrap()]);
    for field in ["make", "model", "serial", "gps", "taken_at", "orientation"] {
        assert!(seen[0][field].is_null(), "{field} survived: {}", seen[0]);
    }
    // Exactly what `photos export` writes for the same clearance later.
    let later = export(&s.r, id, &photo, &s.r.path("later"), &["--max-edge", "320"]);
    let a = std::fs::read(e["path"].as_str().unwrap()).unwrap();
    let b = std::fs::read(later["path"].as_str().unwrap()).unwrap();
    assert!(a == b, "check --export and export wrote different copies");

    // Not cleared (a pupil without consent): exit 1, `export` null, nothing written.
    let blocked_dir = s.r.path("blocked-out");
    let (code, v) = check(
        &s.r,
        &photo,
        &s.missing,
        &["--export", blocked_dir.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["verdict"], "blocked");
    assert!(v["export"].is_null(), "{v}");
    assert!(
        !blocked_dir.exists(),
        "a folder was made for a blocked photo"
    );

    // Without --export the contract is unchanged, and --max-edge alone is a usage error.
    let (_, v) = check(&s.r, &photo, &s.granted, &[]);
    assert!(v.get("export").is_none(), "{v}");
    let out = check_output(&s.r, &photo, &s.granted, &["--max-edge", "320"]);
    assert_eq!(out.status.code(), Some(2));
}

/// The shared corpus of real camera photos, or `None` (the test then skips) in a user's clone.
fn corpus_photo(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(name);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!("SKIP: corpus photo {} not found", path.display());
        None
    }
}

#[test]
fn a_serial_kept_only_in_the_maker_note_proves_the_device() {
    // Real photos whose only serial is in the maker note: a Canon EOS 20D (Canon 0x000C, a
    // number) and a Nikon D70 (Nikon 0x00A0, "NO= 20025585"). The office registers each camera
    // with the serial on its body label.
    let (Some(canon), Some(nikon)) = (
        corpus_photo("exiv2/exiv2-canon-eos-20d.jpg"),
        corpus_photo("exiftool/NikonD70.jpg"),
    ) else {
        return;
    };
    let s = setup();
    let add = |label: &str, make: &str, model: &str, serial: &str| {
        s.r.ok(&[
            "devices",
            "add",
            "--label",
            label,
            "--kind",
            "camera",
            "--make",
            make,
            "--model",
            model,
            "--serial",
            serial,
            "--academy",
            "OAK",
            "--on",
            "2026-01-01",
        ]);
    };
    // First only another body of the same Nikon model (another serial): that proves nothing,
    // not even make and model, as the photo's own serial says it is not that camera.
    add("OAK-D70-B", "NIKON CORPORATION", "NIKON D70", "20025586");
    let (_, v) = check(&s.r, &nikon, &s.granted, &[]);
    assert_eq!(v["provenance"]["level"], "none", "{v}");

    add("OAK-20D", "Canon", "Canon EOS 20D", "1731000068");
    add("OAK-D70", "NIKON CORPORATION", "NIKON D70", "20025585");
    for (photo, device, tag) in [
        (&canon, "OAK-20D", "Canon:SerialNumber"),
        (&nikon, "OAK-D70", "Nikon:SerialNumber"),
    ] {
        let seen = s.r.json(&["photos", "inspect", photo.to_str().unwrap()]);
        assert_eq!(seen[0]["serial_tag"], tag, "{seen}");
        let (_, v) = check(&s.r, photo, &s.granted, &[]);
        assert_eq!(v["provenance"]["level"], "serial", "{v}");
        assert_eq!(v["provenance"]["device"], device, "{v}");
        assert!(
            reason(&v, "provenance")["detail"]
                .as_str()
                .unwrap()
                .contains(tag),
            "{v}"
        );
    }
}

/// `photos ingest --json DIR --device OAK-CAM-1` on a folder holding unreadable files: exit 1
/// (a file in the batch was rejected), and the report.
fn ingest_with_rejects(r: &Register, dir: &Path) -> Value {
    let out = r.run(&[
        "--json",
        "photos",
        "ingest",
        dir.to_str().unwrap(),
        "--device",
        "OAK-CAM-1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn ingest_counts_new_and_known_photos_and_names_each_rejected_file() {
    let s = setup();
    let card = s.r.path("DCIM");
    std::fs::create_dir_all(card.join("100CANON")).unwrap();
    std::fs::write(
        card.join("100CANON/IMG_0001.JPG"),
        camera_photo(7, None, None),
    )
    .unwrap();
    std::fs::write(
        card.join("100CANON/IMG_0002.JPG"),
        camera_photo(8, None, None),
    )
    .unwrap();
    std::fs::write(
        card.join("100CANON/broken.JPG"),
        b"\xFF\xD8\xFF\xE0 not really",
    )
    .unwrap();
    std::fs::write(card.join("notes.txt"), b"hello").unwrap();
    // A batch with unreadable files exits 1 and still ingests the others.
    let first = ingest_with_rejects(&s.r, &card);
    assert_eq!(first["ingested"], 2, "{first}");
    assert_eq!(first["already"], 0);
    let rejected = first["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2, "{first}");
    for r in rejected {
        assert!(!r["reason"].as_str().unwrap().is_empty());
    }
    let again = ingest_with_rejects(&s.r, &card);
    assert_eq!(again["ingested"], 0, "{again}");
    assert_eq!(again["already"], 2);

    // An unknown device is bad input and records nothing.
    let e = s.r.bad_input(&[
        "photos",
        "ingest",
        card.to_str().unwrap(),
        "--device",
        "NOPE",
    ]);
    assert!(e.contains("NOPE"), "{e}");
}

#[test]
fn another_cameras_photo_is_not_ingested_and_a_serial_counts_only_for_its_model() {
    let s = setup();
    let exif = |seed: u64, make: &str, model: &str, serial: Option<&str>| {
        jpeg_with_exif(&ExifSpec {
            width: 640,
            height: 480,
            seed,
            make: Some(make.to_owned()),
            model: Some(model.to_owned()),
            serial: serial.map(str::to_owned),
            date_time_original: Some("2026:10:01 10:30:00".to_owned()),
            ..ExifSpec::default()
        })
    };
    // A teacher's own phone's photo copied with the card, and another body's: named, not
    // ingested (the ledger is the strongest evidence there is).
    let card = s.r.path("card");
    std::fs::create_dir_all(&card).unwrap();
    std::fs::write(
        card.join("phone.jpg"),
        exif(31, "samsung", "SM-G930V", None),
    )
    .unwrap();
    std::fs::write(
        card.join("other-body.jpg"),
        exif(32, "Canon", "Canon EOS 250D", Some("999999999999")),
    )
    .unwrap();
    std::fs::write(
        card.join("ours.jpg"),
        exif(33, "Canon", "Canon EOS 250D", Some("123456789012")),
    )
    .unwrap();
    let report = ingest_with_rejects(&s.r, &card);
    assert_eq!(report["ingested"], 1, "{report}");
    let reasons: Vec<String> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(reasons.len(), 2, "{report}");
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("samsung SM-G930V, not on OAK-CAM-1")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("999999999999")),
        "{reasons:?}"
    );
    let (code, v) = check(&s.r, &card.join("phone.jpg"), &s.granted, &[]);
    assert_eq!((code, v["provenance"]["level"].as_str()), (1, Some("none")));

    // The registered serial on another model's photo: not that device.
    let other_model = s.r.write(
        "6d.jpg",
        exif(34, "Canon", "Canon EOS 6D", Some("123456789012")),
    );
    let (code, v) = check(&s.r, &other_model, &s.granted, &[]);
    assert_eq!(code, 1, "{v}");
    assert_ne!(v["provenance"]["level"], "serial", "{v}");
}

#[test]
fn a_backdated_export_or_clearance_does_not_get_round_a_withdrawal() {
    let s = setup();
    let photo = s.r.write(
        "p.jpg",
        camera_photo(35, Some("123456789012"), Some("Canon")),
    );
    let (_, v) = check(&s.r, &photo, &s.granted, &[]);
    let id = v["clearance_id"].as_str().unwrap().to_string();
    s.r.ok(&[
        "consent",
        "withdraw",
        &s.granted,
        "--signatory",
        "parent",
        "--on",
        "2026-11-21",
        "--channels",
        "academy_social",
    ]);
    // An export dated before the clearance would re-check a day before the withdrawal.
    let e = s.r.bad_input(&[
        "photos",
        "export",
        "--clearance",
        &id,
        photo.to_str().unwrap(),
        "--out",
        s.r.path("early").to_str().unwrap(),
        "--on",
        "2026-11-19",
    ]);
    assert!(
        e.contains("before the day the photo was cleared for (2026-11-20)"),
        "{e}"
    );
    // A new clearance for the day before the withdrawal (recorded after it) is a takedown
    // task at once: consent is withdrawn today.
    let before = s.r.json(&["takedowns", "list", "--open"]);
    let (code, v) = check(&s.r, &photo, &s.granted, &[]);
    assert_eq!((code, v["verdict"].as_str()), (0, Some("cleared")), "{v}");
    let tasks = s.r.json(&["takedowns", "list", "--open"]);
    let new_id = v["clearance_id"].as_str().unwrap();
    assert!(
        tasks
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["clearance_id"] == new_id),
        "before: {before}, after: {tasks}"
    );
    assert!(
        v["takedowns"][0]
            .as_str()
            .unwrap()
            .contains("a takedown task was raised"),
        "the check says so: {v}"
    );
}

/// A hold on one academy (a crisis there) also stops its pupils being posted from another
/// academy's account.
#[test]
fn a_hold_on_a_tagged_pupils_academy_blocks_posting_them_from_another_academy() {
    let s = setup();
    s.r.ok(&["academies", "add", "ELM", "--name", "Elm Academy"]);
    let elm = kent(3);
    s.r.import(
        "ELM",
        roll(&[line(&elm, "Tree", "Ash", "2016-05-05", "5")]),
        &["--academic-year", "2026", "--on", "2026-09-05"],
    );
    s.r.ok(&[
        "consent",
        "record",
        &elm,
        "--signatory",
        "parent",
        "--signed-on",
        "2026-09-10",
        "--grant",
        "academy_social",
    ]);
    let photo = s.r.write(
        "p.jpg",
        camera_photo(43, Some("123456789012"), Some("Canon")),
    );
    let (code, v) = check(&s.r, &photo, &elm, &[]);
    assert_eq!(code, 0, "no hold yet: {v}");
    s.r.ok(&[
        "hold",
        "start",
        "--academy",
        "ELM",
        "--reason",
        "a crisis at Elm",
        "--on",
        "2026-11-19",
    ]);
    let (code, v) = check(&s.r, &photo, &elm, &[]);
    assert_eq!((code, v["verdict"].as_str()), (1, Some("blocked")), "{v}");
    let hold = reason(&v, "hold");
    assert_eq!(hold["passed"], false);
    assert!(
        hold["detail"]
            .as_str()
            .unwrap()
            .contains("posting is on hold for ELM since 2026-11-19: a crisis at Elm (the photo shows pupils of ELM)"),
        "{hold}"
    );
    // OAK's own pupils are not held up by Elm's crisis.
    let (_, v) = check(&s.r, &photo, &s.granted, &[]);
    assert_eq!(reason(&v, "hold")["passed"], true, "{v}");
}

/// What decides whether a photo may be published (staff, devices, holds, settings, accounts,
/// clearances and their pupils, takedown tasks) has no trigger to stop `sqlite3`; `check`
/// replays the audit log and names each record that no longer says what was recorded.
#[test]
fn check_names_registers_edited_behind_clearshots_back() {
    let s = setup();
    let photo = s.r.write(
        "p.jpg",
        camera_photo(42, Some("123456789012"), Some("Canon")),
    );
    let (code, v) = check(&s.r, &photo, &s.granted, &[]);
    assert_eq!(code, 0, "{v}");
    let clearance = v["clearance_id"].as_str().unwrap().to_string();
    for args in [
        &[
            "hold",
            "start",
            "--academy",
            "OAK",
            "--reason",
            "Ofsted week",
            "--on",
            "2026-11-21",
        ][..],
        &["settings", "set", "trust-domains", "oak.sch.uk"],
        &[
            "accounts",
            "add",
            "--platform",
            "facebook",
            "--handle",
            "@OakAcademy",
            "--academy",
            "OAK",
            "--admin",
            "a@oak.sch.uk",
            "--admin",
            "b@oak.sch.uk",
        ],
        &[
            "consent",
            "withdraw",
            &s.granted,
            "--signatory",
            "parent",
            "--on",
            "2026-11-22",
            "--channels",
            "academy_social",
        ],
        &["staff", "revoke", STAFF, "--on", "2026-11-23"],
        &["devices", "retire", "OAK-CAM-1", "--on", "2026-11-24"],
    ] {
        s.r.ok(args);
    }
    s.r.ok(&["check"]);
    {
        let c = register::Connection::open(&s.r.db).unwrap();
        c.execute_batch(&format!(
            "UPDATE staff SET revoked_on = NULL;
             UPDATE devices SET retired_on = NULL;
             UPDATE holds SET ended_on = '2026-11-21';
             UPDATE settings SET value = 'oak.sch.uk,gmail.com' WHERE key = 'trust-domains';
             UPDATE account_admins SET email = 'me@gmail.com' WHERE email = 'b@oak.sch.uk';
             UPDATE takedowns SET done_at = '2026-11-22T10:00:00Z', done_by = 'x';
             DELETE FROM clearance_pupils;
             DROP TRIGGER clearances_no_update;
             UPDATE clearances SET photo_sha256 = 'ffff' || substr(photo_sha256, 5) WHERE id = '{clearance}';"
        ))
        .unwrap();
    }
    let run = s.r.run(&["--json", "check"]);
    assert_eq!(run.status.code(), Some(1));
    let out: Value = serde_json::from_slice(&run.stdout).unwrap();
    let problems: Vec<String> = out["report"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    for (what, says) in [
        (
            "member of staff t.teacher@oak.sch.uk",
            "the audit log recorded approved on 2026-09-01, trained on 2026-09-02, revoked on 2026-11-23",
        ),
        ("device OAK-CAM-1", "retired on 2026-11-24"),
        (
            "posting hold #1",
            "says OAK hold \"Ofsted week\" from 2026-11-21, ended on 2026-11-21",
        ),
        (
            "setting trust-domains",
            "says \"oak.sch.uk,gmail.com\", but the audit log recorded \"oak.sch.uk\"",
        ),
        (
            "account facebook @oakacademy",
            "administrators a@oak.sch.uk, me@gmail.com",
        ),
        ("takedown task #1", "says for clearance"),
        (&format!("clearance {clearance}"), "no pupils"),
        (&format!("clearance {clearance}"), "photo ffff"),
    ] {
        assert!(
            problems
                .iter()
                .any(|p| p.contains(what) && p.contains(says)),
            "{what} / {says}: {problems:#?}"
        );
    }
}

/// A register edited with `sqlite3` clears nothing: a withdrawal deleted behind ClearShot's back
/// makes every other rule pass, but the check compares the register with its audit log first,
/// blocks, and says what differs; an export of an earlier clearance is refused the same way.
#[test]
fn a_register_edited_behind_clearshots_back_clears_and_exports_nothing() {
    let s = setup();
    let photo = s.r.write(
        "p.jpg",
        camera_photo(7, Some("123456789012"), Some("Canon")),
    );
    let (code, v) = check(&s.r, &photo, &s.granted, &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(reason(&v, "register")["passed"], true, "{v}");
    assert_eq!(
        reason(&v, "register")["detail"],
        "the register agrees with its audit log"
    );
    let clearance = v["clearance_id"].as_str().unwrap().to_string();
    s.r.ok(&[
        "consent",
        "withdraw",
        &s.granted,
        "--signatory",
        "parent",
        "--on",
        ON,
        "--channels",
        "academy_social",
    ]);
    let (_, v) = check(&s.r, &photo, &s.granted, &[]);
    assert_eq!(v["verdict"], "blocked");
    assert_eq!(reason(&v, "consent")["passed"], false, "{v}");

    s.r.edit_behind_the_back("DELETE FROM consent_withdrawals");
    let (code, v) = check(&s.r, &photo, &s.granted, &[]);
    assert_eq!((code, &v["verdict"]), (1, &Value::from("blocked")), "{v}");
    assert_eq!(v["clearance_id"], Value::Null);
    // Read as it now stands, the consent would pass: only the comparison with the log stops it.
    assert_eq!(reason(&v, "consent")["passed"], true, "{v}");
    let register = reason(&v, "register");
    assert_eq!(register["passed"], false);
    let detail = register["detail"].as_str().unwrap();
    for says in [
        "the register does not agree with its audit log",
        "withdrawal",
        "clearshot check",
    ] {
        assert!(detail.contains(says), "{says}: {detail}");
    }
    // The check is logged with the rule that decided it.
    let log = s.r.json(&["audit", "log"]);
    let last = log
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["action"] == "photo.check")
        .unwrap()
        .to_string()
        .replace('\\', "");
    assert!(
        last.contains(r#"{"passed":false,"review":false,"rule":"register"}"#),
        "{last}"
    );

    let out = s.r.run(&[
        "photos",
        "export",
        "--clearance",
        &clearance,
        photo.to_str().unwrap(),
        "--out",
        s.r.path("out").to_str().unwrap(),
        "--on",
        ON,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("export refused") && err.contains("does not agree with its audit log"),
        "{err}"
    );
    assert!(!s.r.path("out").join(format!("{clearance}.jpg")).exists());
}

/// The pupil's record (the year group decides who must consent, the UPN which child a tag is)
/// and the provenance ledger are compared with the log too: a Year 5 made Year 4, two UPNs
/// swapped, an academy renamed or a personal phone's photo put in the ledger with `sqlite3` is
/// named by `clearshot check`, field by field, and a photo check on such a register clears
/// nothing.
#[test]
fn a_pupil_record_or_the_ledger_edited_behind_clearshots_back_is_found() {
    let s = setup();
    let card = s.r.write("card.jpg", camera_photo(11, None, None));
    s.r.ok(&[
        "photos",
        "ingest",
        card.to_str().unwrap(),
        "--device",
        "OAK-CAM-1",
    ]);
    let personal = s.r.write("phone.jpg", camera_photo(12, None, None));
    let (_, v) = check(&s.r, &personal, &s.granted, &[]);
    assert_eq!(reason(&v, "provenance")["passed"], false, "{v}");
    s.r.ok(&["check"]);

    let edit = |sql: &str| s.r.edit_behind_the_back(sql);
    let problems = || s.r.check_problems();
    edit(&format!(
        "UPDATE pupils SET year_group = 4 WHERE upn = '{}'",
        s.granted
    ));
    let found = problems();
    assert!(
        found.contains(&format!(
            "the record of pupil {} says Year 4 (the log: Year 5)",
            s.granted
        )),
        "{found}"
    );
    let (_, v) = check(&s.r, &card, &s.granted, &[]);
    assert_eq!(v["verdict"], "blocked", "{v}");
    assert_eq!(reason(&v, "register")["passed"], false, "{v}");
    edit(&format!(
        "UPDATE pupils SET year_group = 5 WHERE upn = '{}'",
        s.granted
    ));
    s.r.ok(&["check"]);

    edit(&format!(
        "UPDATE pupils SET upn = 'SWAP' WHERE upn = '{g}';
         UPDATE pupils SET upn = '{g}' WHERE upn = '{m}';
         UPDATE pupils SET upn = '{m}' WHERE upn = 'SWAP';",
        g = s.granted,
        m = s.missing
    ));
    let found = problems();
    assert!(
        found.contains(&format!("UPN {} (the log: {})", s.missing, s.granted)),
        "{found}"
    );
    edit(&format!(
        "UPDATE pupils SET upn = 'SWAP' WHERE upn = '{g}';
         UPDATE pupils SET upn = '{g}' WHERE upn = '{m}';
         UPDATE pupils SET upn = '{m}' WHERE upn = 'SWAP';
         UPDATE pupils SET left_on = '2026-10-01' WHERE upn = '{m}';",
        g = s.granted,
        m = s.missing
    ));
    let found = problems();
    assert!(
        found.contains("left on 2026-10-01 (the log: none)"),
        "{found}"
    );
    edit("UPDATE pupils SET left_on = NULL; UPDATE academies SET code = 'ASH'");
    let found = problems();
    assert!(
        found.contains("academy ASH") && found.contains("academy OAK"),
        "{found}"
    );
    edit("UPDATE academies SET code = 'OAK'");
    s.r.ok(&["check"]);

    // The personal phone's photo put in the ledger as the camera's.
    let sha = v["sha256"].as_str().unwrap().to_string();
    let (_, personal_check) = check(&s.r, &personal, &s.granted, &[]);
    let personal_sha = personal_check["sha256"].as_str().unwrap().to_string();
    assert_ne!(sha, personal_sha);
    edit(&format!(
        "INSERT INTO photo_ledger (sha256, phash, device_id, taken_at, ingested_at, ingested_by)
         SELECT '{personal_sha}', phash, device_id, taken_at, ingested_at, ingested_by FROM photo_ledger"
    ));
    let found = problems();
    assert!(
        found.contains(&format!("ledger photo {personal_sha}"))
            && found.contains("is not in the audit log"),
        "{found}"
    );
    let (_, v) = check(&s.r, &personal, &s.granted, &[]);
    assert_eq!(v["provenance"]["level"], "ledger", "{v}");
    assert_eq!(v["verdict"], "blocked", "{v}");
    assert_eq!(reason(&v, "register")["passed"], false, "{v}");
}

/// A copy is made to be posted from the day it is made: a never-publish flag set after the
/// check stops it, and neither an export nor a check may name an earlier day.
#[test]
fn a_copy_made_today_is_checked_for_today_whatever_day_is_named() {
    let s = setup();
    let photo = s.r.write(
        "p.jpg",
        camera_photo(41, Some("123456789012"), Some("Canon")),
    );
    let (code, v) = check(&s.r, &photo, &s.granted, &[]);
    assert_eq!(code, 0, "cleared for {ON}: {v}");
    let id = v["clearance_id"].as_str().unwrap().to_string();
    // On the 25th the safeguarding lead flags the child; it is now the 26th.
    s.r.ok(&[
        "pupils",
        "flag",
        &s.granted,
        "--never-publish",
        "--reason",
        "court order",
        "--on",
        "2026-11-25",
    ]);
    let today = "2026-11-26";
    let dir = s.r.path("out");
    let run = |args: &[&str]| {
        s.r.command(args)
            .env("CLEARSHOT_TODAY", today)
            .output()
            .unwrap()
    };
    let (file, out) = (photo.to_str().unwrap(), dir.to_str().unwrap());
    let early = run(&[
        "photos",
        "export",
        "--clearance",
        &id,
        file,
        "--out",
        out,
        "--on",
        ON,
    ]);
    assert_eq!(early.status.code(), Some(2));
    let err = String::from_utf8_lossy(&early.stderr);
    assert!(
        err.contains("--on 2026-11-20 is in the past: the safe copy is made now, for posting from today (2026-11-26)"),
        "{err}"
    );
    let now = run(&["photos", "export", "--clearance", &id, file, "--out", out]);
    assert_eq!(now.status.code(), Some(1));
    let err = String::from_utf8_lossy(&now.stderr);
    assert!(err.contains("export refused on 2026-11-26"), "{err}");
    // A check for the 20th is refused on the 26th; a check for today blocks.
    let check_on = |day: &str| {
        run(&[
            "--json",
            "photos",
            "check",
            file,
            "--channel",
            "academy_social",
            "--staff",
            STAFF,
            "--academy",
            "OAK",
            "--pupils",
            &s.granted,
            "--on",
            day,
            "--export",
            out,
        ])
    };
    let late = check_on(ON);
    assert_eq!(late.status.code(), Some(2));
    let err = String::from_utf8_lossy(&late.stderr);
    assert!(
        err.contains("--on 2026-11-20 is in the past: a photo is cleared for the day it will be posted, today (2026-11-26) or later"),
        "{err}"
    );
    let now = check_on(today);
    assert_eq!(now.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&now.stdout).unwrap();
    assert_eq!(v["verdict"], "blocked", "{v}");
    assert!(
        std::fs::read_dir(&dir).map_or(true, |d| d.count() == 0),
        "no copy written"
    );
}

#[test]
fn a_withdrawal_recorded_in_advance_makes_a_later_clearance_a_takedown_task() {
    let s = setup();
    // The parent writes in: no more photos from 1 December.
    s.r.ok(&[
        "consent",
        "withdraw",
        &s.granted,
        "--signatory",
        "parent",
        "--on",
        "2026-12-01",
        "--channels",
        "academy_social",
    ]);
    let photo = s.r.write(
        "p.jpg",
        camera_photo(39, Some("123456789012"), Some("Canon")),
    );
    // Cleared for the 20th (consent holds then), and at once a task to take it down by the 1st.
    let (code, v) = check(&s.r, &photo, &s.granted, &[]);
    assert_eq!((code, v["verdict"].as_str()), (0, Some("cleared")), "{v}");
    let said = v["takedowns"][0].as_str().unwrap();
    assert!(said.contains("withdrawn from 2026-12-01"), "{said}");
    let tasks = s.r.json(&["takedowns", "list", "--open"]);
    assert_eq!(tasks.as_array().unwrap().len(), 1, "{tasks}");
    assert_eq!(tasks[0]["clearance_id"], v["clearance_id"]);
    // A photo of nobody identifiable: no task.
    let other = s.r.write(
        "q.jpg",
        camera_photo(40, Some("123456789012"), Some("Canon")),
    );
    let (_, v) = check(&s.r, &other, "", &[]);
    assert_eq!(v["takedowns"], serde_json::json!([]), "{v}");
}

#[test]
fn a_planned_hold_does_not_stop_a_hold_from_today() {
    let s = setup();
    s.r.ok(&[
        "hold",
        "start",
        "--academy",
        "OAK",
        "--reason",
        "Ofsted week",
        "--on",
        "2026-12-07",
    ]);
    s.r.ok(&[
        "hold",
        "start",
        "--academy",
        "OAK",
        "--reason",
        "critical incident",
        "--on",
        ON,
    ]);
    let photo = s.r.write(
        "p.jpg",
        camera_photo(36, Some("123456789012"), Some("Canon")),
    );
    let (code, v) = check(&s.r, &photo, &s.granted, &[]);
    assert_eq!(code, 1, "{v}");
    assert!(!reason(&v, "hold")["passed"].as_bool().unwrap(), "{v}");
    let e = s.r.bad_input(&[
        "hold",
        "start",
        "--academy",
        "OAK",
        "--reason",
        "again",
        "--on",
        ON,
    ]);
    assert!(
        e.contains("already on hold (since 2026-11-20: critical incident)"),
        "{e}"
    );
    // Ending it ends today's hold; the planned one still starts on its day.
    s.r.ok(&["hold", "end", "--academy", "OAK", "--on", "2026-11-22"]);
    let holds = s.r.json(&["hold", "list"]);
    let open: Vec<&Value> = holds
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["ended_on"].is_null())
        .collect();
    assert_eq!(open.len(), 1, "{holds}");
    assert_eq!(open[0]["started_on"], "2026-12-07");
    let e =
        s.r.bad_input(&["hold", "end", "--academy", "OAK", "--on", "2026-11-23"]);
    assert!(e.contains("the hold starts on 2026-12-07"), "{e}");
    // From its day both are in force (a new hold then, on top of the planned one), and
    // ending one says that the other still stops posting; so does a trust-wide hold.
    s.r.ok(&[
        "hold",
        "start",
        "--academy",
        "OAK",
        "--reason",
        "critical incident",
        "--on",
        "2026-12-01",
    ]);
    s.r.ok(&[
        "hold",
        "start",
        "--trust",
        "--reason",
        "trust review",
        "--on",
        "2026-12-02",
    ]);
    let ended =
        s.r.json(&["hold", "end", "--academy", "OAK", "--on", "2026-12-08"]);
    let still: Vec<&str> = ended["still_in_force"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["reason"].as_str().unwrap())
        .collect();
    assert_eq!(still.len(), 2, "{ended}");
    assert!(
        still.contains(&"trust review")
            && (still.contains(&"critical incident") ^ still.contains(&"Ofsted week")),
        "{ended}"
    );
    let text =
        s.r.ok(&["hold", "end", "--academy", "OAK", "--on", "2026-12-08"]);
    assert!(
        text.contains("Still on hold: the whole trust since 2026-12-02 (trust review)"),
        "{text}"
    );
    assert!(!text.contains("Still on hold: OAK"), "{text}");
    // Ending the trust's hold names the academy's own still in force.
    s.r.ok(&[
        "hold",
        "start",
        "--academy",
        "OAK",
        "--reason",
        "local incident",
        "--on",
        "2026-12-09",
    ]);
    let text = s.r.ok(&["hold", "end", "--trust", "--on", "2026-12-10"]);
    assert!(
        text.contains("Still on hold: OAK since 2026-12-09 (local incident)"),
        "{text}"
    );
}

#[test]
fn staff_and_device_dates_must_make_sense() {
    let s = setup();
    let photo = s.r.write(
        "p.jpg",
        camera_photo(37, Some("123456789012"), Some("Canon")),
    );
    // Training still to come is not training done (policy 7.1.1).
    s.r.ok(&[
        "staff",
        "add",
        "f.t@oak.sch.uk",
        "--name",
        "Fran Trainee",
        "--approved-on",
        "2026-09-01",
        "--trained-on",
        "2026-12-15",
    ]);
    let trainee = |on: &str| check_as(&s.r, &photo, "f.t@oak.sch.uk", &s.granted, on);
    let v = trainee(ON);
    assert_eq!(v["verdict"], "blocked", "{v}");
    assert!(
        reason(&v, "staff")["detail"]
            .as_str()
            .unwrap()
            .contains("training is recorded for 2026-12-15"),
        "{v}"
    );
    assert_eq!(trainee("2026-12-15")["verdict"], "cleared");
    // A revocation before the approval is refused; after one, the person can be approved
    // again from a later day.
    let e =
        s.r.bad_input(&["staff", "revoke", "f.t@oak.sch.uk", "--on", "2026-08-01"]);
    assert!(e.contains("cannot be revoked before it began"), "{e}");
    s.r.ok(&["staff", "revoke", "f.t@oak.sch.uk", "--on", "2026-10-01"]);
    let e = s.r.bad_input(&[
        "staff",
        "add",
        "f.t@oak.sch.uk",
        "--name",
        "Fran Trainee",
        "--approved-on",
        "2026-09-15",
    ]);
    assert!(
        e.contains("approve them again from that day or later"),
        "{e}"
    );
    s.r.ok(&[
        "staff",
        "add",
        "f.t@oak.sch.uk",
        "--name",
        "Fran Trainee",
        "--approved-on",
        "2027-01-04",
    ]);
    assert_eq!(trainee("2027-01-05")["verdict"], "cleared");
    assert_eq!(trainee("2026-11-01")["verdict"], "blocked");
    // A device cannot be retired before it was added.
    let e =
        s.r.bad_input(&["devices", "retire", "OAK-CAM-1", "--on", "2025-12-31"]);
    assert!(e.contains("added on 2026-01-01"), "{e}");
}

/// Policy 7.1.1: the manager "will require you to undergo training before you do so". A member
/// of staff with no training recorded is refused until it is (`staff train`), unless the trust
/// follows policy 4.2.1's "may require" (`staff-training-required no`). The training is logged
/// and checked against the log like the approval.
#[test]
fn staff_post_once_their_training_is_recorded() {
    let s = setup();
    let photo = s.r.write(
        "p.jpg",
        camera_photo(41, Some("123456789012"), Some("Canon")),
    );
    let new = "new.teacher@oak.sch.uk";
    let said = s.r.ok(&[
        "staff",
        "add",
        new,
        "--name",
        "New Teacher",
        "--approved-on",
        "2026-09-01",
    ]);
    assert!(
        said.contains("no training recorded: photo checks are refused until it is"),
        "{said}"
    );
    let v = check_as(&s.r, &photo, new, &s.granted, ON);
    assert_eq!(v["verdict"], "blocked", "{v}");
    assert_eq!(
        reason(&v, "staff")["detail"],
        format!(
            "{new} has no social media training recorded: policy 7.1.1 requires it before posting (record it with `clearshot staff train {new} --on DATE`)"
        )
    );
    // A booking for next week, then the day it was really done.
    let booked = s.r.json(&["staff", "train", new, "--on", "2026-11-27"]);
    assert_eq!(booked["trained_on"], "2026-11-27");
    let e =
        s.r.bad_input(&["staff", "train", new, "--on", "2026-11-27"]);
    assert!(e.contains("already recorded"), "{e}");
    assert_eq!(
        check_as(&s.r, &photo, new, &s.granted, ON)["verdict"],
        "blocked"
    );
    s.r.ok(&["staff", "train", new, "--on", "2026-11-18"]);
    assert_eq!(
        check_as(&s.r, &photo, new, &s.granted, ON)["verdict"],
        "cleared"
    );
    // Training done stays done.
    let e =
        s.r.bad_input(&["staff", "train", new, "--on", "2026-11-19"]);
    assert!(
        e.contains("already recorded as trained on 2026-11-18"),
        "{e}"
    );
    let e =
        s.r.bad_input(&["staff", "train", "nobody@oak.sch.uk", "--on", ON]);
    assert!(
        e.contains("nobody@oak.sch.uk is not on the staff list"),
        "{e}"
    );
    // Logged, and compared with the log.
    s.r.ok(&["check"]);
    s.r.edit_behind_the_back(
        "UPDATE staff SET trained_on = '2026-09-01' WHERE email = 'new.teacher@oak.sch.uk'",
    );
    assert!(
        s.r.check_problems()
            .contains("member of staff new.teacher@oak.sch.uk")
    );
    s.r.edit_behind_the_back(
        "UPDATE staff SET trained_on = '2026-11-18' WHERE email = 'new.teacher@oak.sch.uk'",
    );
    s.r.ok(&["check"]);

    // A trust that leaves training to the manager (policy 4.2.1).
    let other = "other.teacher@oak.sch.uk";
    s.r.ok(&[
        "staff",
        "add",
        other,
        "--name",
        "Other Teacher",
        "--approved-on",
        "2026-09-01",
    ]);
    assert_eq!(
        check_as(&s.r, &photo, other, &s.granted, ON)["verdict"],
        "blocked"
    );
    let e =
        s.r.bad_input(&["settings", "set", "staff-training-required", "maybe"]);
    assert!(e.contains("must be yes or no"), "{e}");
    s.r.ok(&["settings", "set", "staff-training-required", "No"]);
    assert_eq!(
        check_as(&s.r, &photo, other, &s.granted, ON)["verdict"],
        "cleared"
    );
    // A training date still to come is refused whatever the setting.
    let said = s.r.ok(&["staff", "train", other, "--on", "2099-09-01"]);
    assert!(
        said.contains(
            "training is recorded for 2099-09-01, and photo checks are refused until then"
        ),
        "{said}"
    );
    assert_eq!(
        check_as(&s.r, &photo, other, &s.granted, ON)["verdict"],
        "blocked"
    );
}

#[test]
fn staff_post_with_a_trust_address_once_the_trust_domains_are_set() {
    let s = setup();
    let photo = s.r.write(
        "p.jpg",
        camera_photo(39, Some("123456789012"), Some("Canon")),
    );
    // Approved before the trust's domains were set: nothing to compare with, so it is taken.
    s.r.ok(&[
        "staff",
        "add",
        "fran.teacher@gmail.com",
        "--name",
        "Fran Teacher",
        "--approved-on",
        "2026-09-01",
        "--trained-on",
        "2026-09-01",
    ]);
    let by = |email: &str| check_as(&s.r, &photo, email, &s.granted, ON);
    assert_eq!(by("fran.teacher@gmail.com")["verdict"], "cleared");
    s.r.ok(&["settings", "set", "trust-domains", "oak.sch.uk"]);
    // Policy 4.4.2: a personal address is refused, naming the domains…
    let e = s.r.bad_input(&[
        "staff",
        "add",
        "sam.head@hotmail.co.uk",
        "--name",
        "Sam Head",
        "--approved-on",
        "2026-09-01",
    ]);
    assert!(
        e.contains(
            "sam.head@hotmail.co.uk is not a trust address (the trust's domains are oak.sch.uk)"
        ),
        "{e}"
    );
    // …and the one approved before no longer clears a photo, while a work address does.
    let v = by("fran.teacher@gmail.com");
    assert_eq!(v["verdict"], "blocked", "{v}");
    assert!(
        reason(&v, "staff")["detail"]
            .as_str()
            .unwrap()
            .contains("fran.teacher@gmail.com is not a trust address"),
        "{v}"
    );
    assert_eq!(by(STAFF)["verdict"], "cleared");
    // An address written with a trailing dot, or in capitals, is the same member of staff.
    assert_eq!(by("T.Teacher@oak.sch.uk.")["verdict"], "cleared");
    // Setting the domains anew without one names who is then outside them.
    let set =
        s.r.json(&["settings", "set", "trust-domains", "elm.sch.uk"]);
    let warnings = set["warnings"].to_string();
    assert!(
        warnings.contains("t.teacher@oak.sch.uk (Tess Teacher) is approved to post but is not on the trust's domains now"),
        "{set}"
    );
}

#[test]
fn an_export_that_cannot_be_written_is_refused_before_anything_is_cleared() {
    let s = setup();
    let photo = s.r.write(
        "p.jpg",
        camera_photo(38, Some("123456789012"), Some("Canon")),
    );
    let before = s.r.json(&["audit", "verify"])["entries"].clone();
    let not_a_folder = s.r.write("a-file", b"x");
    let out = check_output(
        &s.r,
        &photo,
        &s.granted,
        &["--export", not_a_folder.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a file, not a folder"));
    let out = check_output(
        &s.r,
        &photo,
        &s.granted,
        &[
            "--export",
            s.r.path("out").to_str().unwrap(),
            "--max-edge",
            "1",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    // A folder that cannot be made (its parent is a file).
    let under_a_file = not_a_folder.join("sub");
    let out = check_output(
        &s.r,
        &photo,
        &s.granted,
        &["--export", under_a_file.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be written into"));
    // A system folder that takes no new files: the system says "No such file or directory" of a
    // folder that is there, so the reason is put in words.
    if Path::new("/proc/self").exists() {
        let out = check_output(&s.r, &photo, &s.granted, &["--export", "/proc"]);
        assert_eq!(out.status.code(), Some(2));
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(
            e.contains("the copy cannot be written into /proc: /proc takes no new files"),
            "{e}"
        );
    }
    assert_eq!(
        s.r.json(&["audit", "verify"])["entries"],
        before,
        "nothing was cleared or recorded"
    );
    // Exporting the same clearance again: the same copy is fine, another size is refused
    // rather than replacing a copy that may already be posted.
    let (_, v) = check(&s.r, &photo, &s.granted, &["--caption", "Sports day"]);
    let id = v["clearance_id"].as_str().unwrap().to_string();
    let out_dir = s.r.path("to-post");
    export(&s.r, &id, &photo, &out_dir, &["--max-edge", "320"]);
    export(&s.r, &id, &photo, &out_dir, &["--max-edge", "320"]);
    let e = s.r.bad_input(&[
        "photos",
        "export",
        "--clearance",
        &id,
        photo.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--on",
        ON,
        "--max-edge",
        "200",
    ]);
    assert!(e.contains("already exists"), "{e}");
    // A takedown task shows the caption, to find the post by.
    s.r.ok(&[
        "consent",
        "withdraw",
        &s.granted,
        "--signatory",
        "parent",
        "--on",
        "2026-11-22",
    ]);
    let tasks = s.r.json(&["takedowns", "list", "--open"]);
    assert!(
        tasks
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["clearance_id"] == id.as_str() && t["caption"] == "Sports day"),
        "{tasks}"
    );
}

#[test]
fn a_caption_with_the_surname_a_pupil_is_known_by_is_blocked() {
    let s = setup();
    // A looked-after child, known by her carers' surname.
    let zara = kent(3);
    s.r.import(
        "OAK",
        format!(
            "UPN,Legal Surname,Legal Forename,Preferred Surname,DOB,Year\n\
             {zara},Mensah,Zara,Whitfield,05/12/2016,5\n"
        ),
        &[
            "--academic-year",
            "2026",
            "--on",
            "2026-09-05",
            "--no-mark-left",
        ],
    );
    let photo = s.r.write(
        "p.jpg",
        camera_photo(5, Some("123456789012"), Some("Canon")),
    );
    for caption in ["Well done Zara Whitfield!", "Well done Zara Mensah!"] {
        let (_, v) = check(&s.r, &photo, &s.granted, &["--caption", caption]);
        let caption_reason = reason(&v, "caption");
        assert_eq!(caption_reason["passed"], false, "{caption}: {v}");
        assert!(
            caption_reason["detail"].as_str().unwrap().contains(&zara),
            "{v}"
        );
    }
}

#[test]
fn a_partner_organisations_handle_is_allowed_once_it_is_in_the_settings() {
    let s = setup();
    let photo = s.r.write(
        "p.jpg",
        camera_photo(5, Some("123456789012"), Some("Canon")),
    );
    let caption = "Big Schools' Birdwatch with @RSPB!";
    let (_, v) = check(&s.r, &photo, &s.granted, &["--caption", caption]);
    let detail = reason(&v, "caption")["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("@RSPB") && detail.contains("partner-handles"),
        "{v}"
    );
    s.r.ok(&[
        "settings",
        "set",
        "partner-handles",
        "@rspb, @NationalTrust",
    ]);
    let (_, v) = check(&s.r, &photo, &s.granted, &["--caption", caption]);
    assert_eq!(reason(&v, "caption")["passed"], true, "{v}");
    // A pupil's account is still refused.
    let (_, v) = check(&s.r, &photo, &s.granted, &["--caption", "Thanks @ada_2016"]);
    assert_eq!(reason(&v, "caption")["passed"], false, "{v}");
}
