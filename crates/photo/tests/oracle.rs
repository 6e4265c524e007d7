//! `inspect` against ExifTool's verdict on every real photo in the corpus.

mod common;

use photo::{Format, PhotoError, inspect};
use serde_json::Value;

fn s(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Whether the oracle found this field in a place an EXIF reader reads (IFD0, ExifIFD, GPS, or
/// the image header). Values found only in XMP, maker notes or vendor blocks are not expected.
fn in_exif(entry: &Value, field: &str) -> bool {
    let field = if field == "GPS" { "GPSLatitude" } else { field };
    entry["from"][field].as_str().is_some_and(|from| {
        from.split(',')
            .any(|g| matches!(g, "IFD0" | "ExifIFD" | "GPS" | "File" | "PNG" | "RIFF"))
    })
}

/// Files where we deliberately differ from ExifTool. Keep this short, and say why.
const ALLOWED: &[(&str, &str, &str)] = &[
    // ExifTool's own test file carries two EXIF APP1 segments (FUJIFILM first, then Canon) and
    // CIFF in APP0; ExifTool reports the later camera. We read the first EXIF segment, as
    // exiv2 and most readers do.
    ("exiftool/ExifTool.jpg", "Make", "two EXIF segments"),
    ("exiftool/ExifTool.jpg", "Model", "two EXIF segments"),
    (
        "exiftool/ExifTool.jpg",
        "DateTimeOriginal",
        "two EXIF segments",
    ),
    // The GPS IFD pointer is written as SLONG instead of LONG; kamadak-exif rejects the
    // pointer and so sees no GPS. The export strips GPS regardless.
    (
        "exiv2/FurnaceCreekInn.jpg",
        "GPS",
        "GPS pointer of type SLONG",
    ),
    // The bytes are a JFIF JPEG (it decodes); ExifTool types it DNG from DNGVersion in its EXIF.
    // We detect from the bytes, so it is a JPEG to us.
    ("exiv2/exiv2-bug855.jpg", "format", "JPEG bytes, DNG tags"),
];

/// The maker-note serial tags ClearShot reads, by ExifTool's names.
const MAKERNOTE_SERIALS: &[&str] = &[
    "Canon:SerialNumber",
    "Nikon:SerialNumber",
    "FujiFilm:InternalSerialNumber",
    "Olympus:SerialNumber",
    "Panasonic:InternalSerialNumber",
    "Pentax:SerialNumber",
];

#[test]
fn inspect_agrees_with_exiftool_on_the_corpus() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let oracle = common::oracle(&corpus);
    let Some(files) = oracle["files"].as_object() else {
        panic!("oracle has no files")
    };
    let mut checked = std::collections::BTreeMap::<&str, (u32, u32)>::new();
    let mut skipped = std::collections::BTreeMap::<&str, u32>::new();
    let mut failures = Vec::new();
    let mut supported = 0;
    let mut unsupported = 0;
    let mut no_image = 0;
    let mut makernote_found = 0;
    for (name, entry) in files {
        let bytes = common::read(&corpus.join(name));
        let mime = entry["MIMEType"].as_str().unwrap_or_default();
        let expect_supported = matches!(
            mime,
            "image/jpeg" | "image/png" | "image/tiff" | "image/webp"
        );
        let result = inspect(&bytes);
        let allowed = |field: &str| {
            ALLOWED
                .iter()
                .any(|(f, fld, _)| *f == name && *fld == field)
        };
        let ev = match (expect_supported, result) {
            (false, Err(PhotoError::UnsupportedFormat(_))) => {
                unsupported += 1;
                continue;
            }
            (_, r) if allowed("format") => {
                eprintln!("allowed format difference {name}: {r:?}");
                continue;
            }
            (false, r) => {
                failures.push(format!(
                    "{name}: {mime} should be UnsupportedFormat, got {r:?}"
                ));
                continue;
            }
            (true, Err(PhotoError::Malformed(m)))
                if entry["ImageWidth"].is_null()
                    && entry["pixels_decode"] == Value::Bool(false) =>
            {
                // No frame header at all: ExifTool finds no image size either, and ImageMagick
                // cannot decode it. A photo with no pixels is rightly refused.
                eprintln!("refused, no image data: {name}: {m}");
                no_image += 1;
                continue;
            }
            (true, Err(e)) => {
                failures.push(format!("{name}: {mime} failed: {e}"));
                continue;
            }
            (true, Ok(ev)) => ev,
        };
        supported += 1;
        let want_format = match mime {
            "image/jpeg" => Format::Jpeg,
            "image/png" => Format::Png,
            "image/tiff" => Format::Tiff,
            _ => Format::Webp,
        };
        let mut check = |field: &'static str, ours: Option<String>, theirs: Option<String>| {
            if theirs.is_some()
                && !in_exif(entry, field)
                && !field.starts_with("Image")
                && field != "format"
            {
                // ExifTool took this value from XMP, maker notes or a vendor block (see `from`);
                // an EXIF reader is not expected to see it.
                *skipped.entry(field).or_default() += 1;
                return;
            }
            let counter = checked.entry(field).or_default();
            if ours == theirs || allowed(field) {
                counter.0 += 1;
            } else {
                counter.1 += 1;
                failures.push(format!(
                    "{name}: {field}: ours {ours:?}, exiftool {theirs:?}"
                ));
            }
        };
        check(
            "format",
            Some(format!("{:?}", ev.format)),
            Some(format!("{want_format:?}")),
        );
        let trimmed = |v: &Value| {
            s(v).map(|t| t.trim_end().to_owned())
                .filter(|t| !t.is_empty())
        };
        check("Make", ev.make.clone(), trimmed(&entry["Make"]));
        check("Model", ev.model.clone(), trimmed(&entry["Model"]));
        check(
            "Orientation",
            ev.orientation.map(|o| o.to_string()),
            s(&entry["Orientation"]),
        );
        let taken = s(&entry["DateTimeOriginal"]).map(|d| {
            let iso = d.replacen(':', "-", 2).replacen(' ', "T", 1);
            iso + &s(&entry["OffsetTimeOriginal"]).unwrap_or_default()
        });
        check("DateTimeOriginal", ev.taken_at.clone(), taken);
        let gps_theirs = match (&entry["GPSLatitude"], &entry["GPSLongitude"]) {
            (Value::Number(a), Value::Number(b)) => Some((a.as_f64(), b.as_f64())),
            _ => None,
        };
        let gps_ours = ev.gps.map(|g| (Some(g.lat), Some(g.lon)));
        let gps_same = match (gps_ours, gps_theirs) {
            (Some((Some(a), Some(b))), Some((Some(c), Some(d)))) => {
                (a - c).abs() < 1e-6 && (b - d).abs() < 1e-6
            }
            (None, None) => true,
            _ => false,
        };
        let shown = |present: bool, v: String| {
            present.then(|| if gps_same { "same".to_owned() } else { v })
        };
        check(
            "GPS",
            shown(gps_ours.is_some(), format!("{gps_ours:?}")),
            shown(gps_theirs.is_some(), format!("{gps_theirs:?}")),
        );
        let serial_theirs = s(&entry["serials"]["ExifIFD:SerialNumber"]);
        let body_serial = serial_theirs.is_some();
        let serial_ours = (ev.serial_tag.as_deref() == Some("BodySerialNumber"))
            .then(|| ev.serial.clone())
            .flatten();
        check(
            "ExifIFD:SerialNumber",
            serial_ours,
            serial_theirs.map(|t| t.trim_end().to_owned()),
        );
        check(
            "ImageWidth",
            Some(ev.width.to_string()),
            s(&entry["ImageWidth"]),
        );
        check(
            "ImageHeight",
            Some(ev.height.to_string()),
            s(&entry["ImageHeight"]),
        );
        // The maker-note serial, where there is no EXIF BodySerialNumber (which is preferred):
        // the tag it came from and its value must be ExifTool's, and none may be invented.
        if !body_serial {
            let theirs = MAKERNOTE_SERIALS.iter().find_map(|tag| {
                s(&entry["serials"][*tag])
                    .map(|v| v.trim_end().to_owned())
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("{tag}={v}"))
            });
            let ours = ev
                .serial_tag
                .as_ref()
                .zip(ev.serial.as_ref())
                .map(|(t, v)| format!("{t}={v}"));
            let counter = checked.entry("maker-note serial").or_default();
            if ours == theirs {
                counter.0 += 1;
                if ours.is_some() {
                    makernote_found += 1;
                }
            } else {
                counter.1 += 1;
                failures.push(format!(
                    "{name}: maker-note serial: ours {ours:?}, exiftool {theirs:?}"
                ));
            }
        }
    }
    eprintln!(
        "oracle: {supported} supported files inspected, {unsupported} unsupported files refused, \
         {no_image} JPEGs without a frame header refused"
    );
    for (field, (ok, bad)) in &checked {
        let skip = skipped.get(field).copied().unwrap_or(0);
        eprintln!(
            "  {field:22} {ok:4} agree, {bad:3} differ, {skip:3} only outside EXIF (not compared)"
        );
    }
    eprintln!("  {makernote_found} maker-note serials read, each as ExifTool reads it");
    // Canon, Nikon, Olympus and Panasonic JPEGs, PNG and WebP of the corpus carry them.
    assert!(
        makernote_found >= 15,
        "only {makernote_found} maker-note serials read"
    );
    assert!(
        failures.is_empty(),
        "{} disagreements with ExifTool:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_fujifilm_maker_note_serial_is_read_as_exiftool_reads_it() {
    // The corpus's only Fujifilm file is a raw (.raf), which ClearShot refuses; its JPEG
    // preview (offset and length at bytes 84 and 88 of the RAF header) carries the same
    // EXIF and maker note, so the camera's JPEGs are read through it.
    let Some(corpus) = common::corpus() else {
        return;
    };
    let raf = common::read(&corpus.join("exiftool/FujiFilm.raf"));
    let be = |at: usize| u32::from_be_bytes([raf[at], raf[at + 1], raf[at + 2], raf[at + 3]]);
    let (start, len) = (be(84) as usize, be(88) as usize);
    let jpeg = &raf[start..start + len];
    let ev = match inspect(jpeg) {
        Ok(ev) => ev,
        Err(e) => panic!("the RAF's JPEG preview: {e}"),
    };
    let oracle = common::oracle(&corpus);
    let theirs =
        s(&oracle["files"]["exiftool/FujiFilm.raf"]["serials"]["FujiFilm:InternalSerialNumber"]);
    assert_eq!(
        ev.serial_tag.as_deref(),
        Some("FujiFilm:InternalSerialNumber")
    );
    assert_eq!(ev.serial, theirs.map(|t| t.trim_end().to_owned()));
}
