//! The `testing` helpers write EXIF with little_exif; `inspect` reads it back with kamadak-exif.

use photo::testing::{ExifSpec, jpeg_with_exif};
use photo::{Format, Gps, inspect};

#[test]
fn inspect_reads_back_every_field_the_test_helper_writes() {
    let spec = ExifSpec {
        owner_name: Some("Oakfield Academy".to_owned()),
        ..ExifSpec::phone()
    };
    let bytes = jpeg_with_exif(&spec);
    let ev = match inspect(&bytes) {
        Ok(ev) => ev,
        Err(e) => panic!("inspect: {e}"),
    };
    assert_eq!(ev.format, Format::Jpeg);
    assert_eq!((ev.width, ev.height), (64, 48));
    assert_eq!(ev.make.as_deref(), Some("Apple"));
    assert_eq!(ev.model.as_deref(), Some("iPhone 12"));
    assert_eq!(ev.serial.as_deref(), Some("F17ABC123XYZ"));
    assert_eq!(ev.serial_tag.as_deref(), Some("BodySerialNumber"));
    assert_eq!(ev.owner_name.as_deref(), Some("Oakfield Academy"));
    assert_eq!(ev.taken_at.as_deref(), Some("2024-06-14T10:30:05+01:00"));
    assert_eq!(ev.orientation, Some(1));
    let Some(Gps { lat, lon }) = ev.gps else {
        panic!("no GPS read back")
    };
    assert!(
        (lat - 51.501_364).abs() < 1e-6 && (lon + 0.141_890).abs() < 1e-6,
        "{lat},{lon}"
    );
    assert_eq!(ev.sha256, photo::sha256_hex(&bytes));
}

/// Terminal escape sequences and line breaks written into a photo's EXIF text (to rewrite
/// what a terminal shows) come out as spaces.
#[test]
fn control_characters_in_exif_text_become_spaces() {
    let bytes = jpeg_with_exif(&ExifSpec {
        make: Some("Canon\u{1b}[1A\u{1b}[2K".to_owned()),
        model: Some("EOS\nok provenance".to_owned()),
        serial: Some("12\r34\u{7}".to_owned()),
        ..ExifSpec::default()
    });
    let ev = match inspect(&bytes) {
        Ok(ev) => ev,
        Err(e) => panic!("inspect: {e}"),
    };
    assert_eq!(ev.make.as_deref(), Some("Canon [1A [2K"));
    assert_eq!(ev.model.as_deref(), Some("EOS ok provenance"));
    assert_eq!(ev.serial.as_deref(), Some("12 34"));
}

#[test]
fn a_photo_without_exif_has_no_evidence_beyond_its_hash_and_size() {
    let bytes = jpeg_with_exif(&ExifSpec::default());
    let ev = match inspect(&bytes) {
        Ok(ev) => ev,
        Err(e) => panic!("inspect: {e}"),
    };
    assert_eq!(
        (ev.make, ev.serial, ev.taken_at, ev.gps),
        (None, None, None, None)
    );
}

#[test]
fn evidence_serializes_with_the_agreed_field_names() {
    let ev = match inspect(&jpeg_with_exif(&ExifSpec::phone())) {
        Ok(ev) => ev,
        Err(e) => panic!("inspect: {e}"),
    };
    let json = serde_json::to_value(&ev).unwrap_or_default();
    for key in [
        "sha256",
        "format",
        "width",
        "height",
        "orientation",
        "make",
        "model",
        "serial",
        "serial_tag",
        "owner_name",
        "taken_at",
        "gps",
    ] {
        assert!(json.get(key).is_some(), "missing {key} in {json}");
    }
    assert_eq!(json["format"], "jpeg");
    assert!(json["gps"]["lat"].is_f64());
}

#[test]
fn oversized_header_is_refused_before_decoding() {
    // A JPEG frame header claiming 30000×30000 pixels, and nothing else.
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08];
    jpeg.extend_from_slice(&30000u16.to_be_bytes());
    jpeg.extend_from_slice(&30000u16.to_be_bytes());
    jpeg.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9]);
    let err = photo::decode(&jpeg).err().map(|e| e.to_string());
    assert!(
        err.as_deref().is_some_and(|e| e.starts_with(
            "image is 30000×30000 pixels, over the 100-megapixel limit: take photos to post at"
        )),
        "{err:?}"
    );
}
