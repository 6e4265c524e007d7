//! `photos`: ingest into the provenance ledger, inspect, check (clear) and export.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use chrono::NaiveDate;
use clap::Subcommand;
use clearshot::photos::CheckRequest;
use clearshot::{Channel, Stamp, Store};

use crate::output::{Out, Table};
use crate::{Failure, OnDate, parse_channel, today};

#[derive(Subcommand)]
pub enum PhotosCmd {
    /// Record photos as captured on a trust device (the provenance ledger), e.g. a camera's
    /// card: files, or folders recursively.
    Ingest {
        /// Photo files, or folders to search recursively.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The registered device they came from.
        #[arg(long)]
        device: String,
    },
    /// What a photo says about itself: format, size, camera, serial, time, GPS. Reads the
    /// metadata only; a file that cannot be read is reported and the rest still are (exit 1).
    Inspect {
        /// One or more photo files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Clear a photo for publication: every rule, the verdict, a clearance id when cleared.
    Check {
        /// The photo as it will be posted.
        file: PathBuf,
        /// Where it will be posted: academy_social, trust_social, website, print or press.
        #[arg(long, value_parser = parse_channel)]
        channel: Channel,
        /// The approved member of staff who will post it.
        #[arg(long)]
        staff: String,
        /// The academy it is posted for (its code): its holds and roll apply.
        #[arg(long)]
        academy: String,
        /// UPNs of every identifiable pupil, comma-separated (empty: none identifiable).
        #[arg(long, value_name = "UPN,...", default_value = "")]
        pupils: String,
        /// The text that will go with it (names, @handles, profanity and links are checked).
        #[arg(long)]
        caption: Option<String>,
        #[command(flatten)]
        on: OnDate,
        /// Acknowledge that there are more faces than tagged pupils and none is identifiable.
        #[arg(long)]
        faces_acknowledged: bool,
        /// When cleared, also write the safe copy into this folder, as `photos export` would on
        /// the same date, from the same decode of the photo.
        #[arg(long, value_name = "DIR")]
        export: Option<PathBuf>,
        /// With --export: the copy's long edge in pixels (never upscaled).
        #[arg(long, default_value_t = clearshot::photos::DEFAULT_MAX_EDGE, requires = "export")]
        max_edge: u32,
        /// With --export: blur faces in the copy, `all` or indexes from `photos faces`.
        #[arg(
            long,
            value_name = "all|I,J,...",
            default_value = "",
            requires = "export"
        )]
        blur_faces: String,
    },
    /// Write the safe copy of a cleared photo: `<clearance id>.jpg`, re-encoded, orientation
    /// applied, resized, with no metadata at all.
    Export {
        /// The clearance id given by `photos check`.
        #[arg(long)]
        clearance: String,
        /// The same photo that was checked (its SHA-256 must match).
        file: PathBuf,
        /// The folder to write into.
        #[arg(long)]
        out: PathBuf,
        /// The long edge in pixels (never upscaled).
        #[arg(long, default_value_t = clearshot::photos::DEFAULT_MAX_EDGE)]
        max_edge: u32,
        /// Blur faces in the copy: `all`, or indexes from `photos faces` such as 0,2.
        #[arg(long, value_name = "all|I,J,...", default_value = "")]
        blur_faces: String,
        #[command(flatten)]
        on: OnDate,
    },
    /// Find and count faces (never identify anyone): boxes in the photo's displayed
    /// orientation, in pixels, numbered from 0 for `export --blur-faces`.
    Faces {
        /// One or more photo files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

pub fn photos(cmd: PhotosCmd, store: &mut Store, out: &Out, stamp: &Stamp) -> Result<u8, Failure> {
    match cmd {
        PhotosCmd::Ingest { paths, device } => {
            let show = std::io::stderr().is_terminal();
            let progress = |done: usize, total: usize| {
                if total >= 20 && (done.is_multiple_of(10) || done == total) {
                    if show {
                        eprint!("\ringesting {done}/{total}");
                    } else if done.is_multiple_of(100) || done == total {
                        eprintln!("ingesting {done}/{total}");
                    }
                }
            };
            let cancel = AtomicBool::new(false);
            let r = clearshot::photos::ingest(store, &paths, &device, stamp, &progress, &cancel)?;
            if show {
                eprintln!();
            }
            out.value(&r, || {
                let mut s = format!(
                    "{} photo(s) ingested for {device}, {} already in the ledger, {} rejected",
                    r.ingested,
                    r.already,
                    r.rejected.len()
                );
                for x in &r.rejected {
                    s.push_str(&format!("\n  {}: {}", x.path.display(), x.reason));
                }
                s
            });
            Ok(if r.rejected.is_empty() { 0 } else { 1 })
        }
        PhotosCmd::Inspect { paths } => {
            let mut failed = false;
            let results: Vec<serde_json::Value> = paths
                .iter()
                .map(|p| match clearshot::photos::inspect(p) {
                    Ok(i) => serde_json::to_value(&i).unwrap_or(serde_json::Value::Null),
                    Err(e) => {
                        failed = true;
                        serde_json::json!({"path": p.to_string_lossy(), "error": e.to_string()})
                    }
                })
                .collect();
            out.table(&results, || {
                let mut t =
                    Table::new(["path", "format", "size", "camera", "serial", "taken", "gps"]);
                for r in &results {
                    let s = |k: &str| r.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
                    if let Some(err) = r.get("error").and_then(|e| e.as_str()) {
                        t.row([
                            s("path"),
                            "ERROR".into(),
                            err.to_string(),
                            String::new(),
                            String::new(),
                            String::new(),
                            String::new(),
                        ]);
                        continue;
                    }
                    t.row([
                        s("path"),
                        s("format"),
                        format!("{}x{}", r["width"], r["height"]),
                        format!("{} {}", s("make"), s("model")).trim().to_string(),
                        s("serial"),
                        s("taken_at"),
                        match r.get("gps") {
                            Some(g) if !g.is_null() => format!("{}, {}", g["lat"], g["lon"]),
                            _ => String::new(),
                        },
                    ]);
                }
                t
            });
            if failed {
                for r in &results {
                    if let Some(err) = r.get("error").and_then(|e| e.as_str()) {
                        eprintln!(
                            "clearshot: {}",
                            crate::output::printable(&format!(
                                "{}: {err}",
                                r["path"].as_str().unwrap_or("")
                            ))
                        );
                    }
                }
            }
            Ok(if failed { 1 } else { 0 })
        }
        PhotosCmd::Check {
            file,
            channel,
            staff,
            academy,
            pupils,
            caption,
            on,
            faces_acknowledged,
            export,
            max_edge,
            blur_faces,
        } => {
            let on: NaiveDate = on.on.unwrap_or_else(today);
            // A photo is cleared for the day it is to be posted: a clearance for a day gone by
            // would answer for a day before a flag or a withdrawal recorded since.
            if on < today() {
                return Err(crate::fail(format!(
                    "--on {on} is in the past: a photo is cleared for the day it will be posted, today ({}) or later",
                    today()
                )));
            }
            let blur: clearshot::photos::BlurFaces = blur_faces.parse().map_err(crate::fail)?;
            // What would stop the copy being written is said before anything is cleared.
            if let Some(dir) = &export {
                clearshot::photos::check_export_target(dir, max_edge)?;
            }
            let pupils: Vec<String> = pupils
                .split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect();
            let r = clearshot::photos::check(
                store,
                &CheckRequest {
                    file: file.clone(),
                    channel,
                    staff,
                    academy,
                    pupils,
                    caption,
                    on,
                    faces_acknowledged,
                },
                stamp,
            )
            .map_err(|e| crate::fail(format!("{}: {e}", file.display())))?;
            // The safe copy, when asked for and cleared: same process, so the same decode.
            let exported = match (&export, &r.clearance_id) {
                (Some(dir), Some(id)) => Some(
                    clearshot::photos::export(store, id, &file, dir, max_edge, &blur, on, stamp)
                        .map_err(|e| {
                            crate::fail(format!(
                                "{}: cleared as {id}, but the copy was not written: {e}",
                                file.display()
                            ))
                        })?,
                ),
                _ => None,
            };
            let mut json = serde_json::to_value(&r).map_err(|e| crate::fail(e.to_string()))?;
            if export.is_some()
                && let Some(obj) = json.as_object_mut()
            {
                obj.insert(
                    "export".into(),
                    serde_json::to_value(&exported).map_err(|e| crate::fail(e.to_string()))?,
                );
            }
            out.value(&json, || {
                let mut s = format!(
                    "{}: {}{}\n  provenance: {} ({})",
                    file.display(),
                    r.verdict.as_str().to_uppercase().replace('_', " "),
                    r.clearance_id
                        .as_ref()
                        .map(|id| format!(" — clearance {id}"))
                        .unwrap_or_default(),
                    r.provenance.evidence,
                    serde_json::to_value(r.provenance.level)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                );
                for reason in &r.reasons {
                    let mark = if reason.passed {
                        "ok    "
                    } else if reason.review {
                        "REVIEW"
                    } else {
                        "FAIL  "
                    };
                    s.push_str(&format!(
                        "\n  {mark} {:<10} {}",
                        reason.rule.as_str(),
                        reason.detail
                    ));
                }
                for t in &r.takedowns {
                    s.push_str(&format!("\n  TAKEDOWN {t}"));
                }
                match (&export, &exported) {
                    (_, Some(e)) => s.push_str(&format!(
                        "\n  wrote {} ({}x{}, {} bytes, no metadata{})",
                        e.path.display(),
                        e.width,
                        e.height,
                        e.bytes,
                        blurred_note(e.faces_blurred)
                    )),
                    (Some(_), None) => s.push_str("\n  no copy written: the photo is not cleared"),
                    (None, None) => {}
                }
                s
            });
            // Like every check: 0 when cleared, 1 when a problem was found (blocked or review).
            Ok(if r.verdict == rules::clearance::Verdict::Cleared {
                0
            } else {
                1
            })
        }
        PhotosCmd::Export {
            clearance,
            file,
            out: dir,
            max_edge,
            blur_faces,
            on,
        } => {
            let on = on.on.unwrap_or_else(today);
            // A never-publish flag or a withdrawal recorded today must stop a copy made today,
            // whatever day is named.
            if on < today() {
                return Err(crate::fail(format!(
                    "--on {on} is in the past: the safe copy is made now, for posting from today ({}), so consent and holds are checked for today or a later posting day",
                    today()
                )));
            }
            let blur: clearshot::photos::BlurFaces = blur_faces.parse().map_err(crate::fail)?;
            let r = clearshot::photos::export(
                store, &clearance, &file, &dir, max_edge, &blur, on, stamp,
            )
            .map_err(|e| Failure {
                code: if matches!(e, clearshot::Error::Refused(_)) {
                    1
                } else {
                    2
                },
                message: e.to_string(),
            })?;
            out.value(&r, || {
                format!(
                    "wrote {} ({}x{}, {} bytes, no metadata{})",
                    r.path.display(),
                    r.width,
                    r.height,
                    r.bytes,
                    blurred_note(r.faces_blurred)
                )
            });
            Ok(0)
        }
        PhotosCmd::Faces { paths } => {
            let mut failed = false;
            let results: Vec<serde_json::Value> = paths
                .iter()
                .map(|p| match clearshot::photos::faces(p) {
                    Ok(f) => serde_json::to_value(&f).unwrap_or(serde_json::Value::Null),
                    Err(e) => {
                        failed = true;
                        eprintln!(
                            "clearshot: {}",
                            crate::output::printable(&format!("{}: {e}", p.display()))
                        );
                        serde_json::json!({"path": p.to_string_lossy(), "error": e.to_string()})
                    }
                })
                .collect();
            out.table(&results, || {
                let mut t = Table::new(["path", "face", "x", "y", "w", "h", "score"]);
                let blank = String::new;
                for r in &results {
                    let path = r["path"].as_str().unwrap_or("").to_string();
                    if let Some(err) = r.get("error").and_then(|e| e.as_str()) {
                        t.row([
                            path,
                            "ERROR".into(),
                            err.to_string(),
                            blank(),
                            blank(),
                            blank(),
                            blank(),
                        ]);
                        continue;
                    }
                    let faces = r["faces"].as_array().cloned().unwrap_or_default();
                    if faces.is_empty() {
                        t.row([
                            path.clone(),
                            "none".into(),
                            blank(),
                            blank(),
                            blank(),
                            blank(),
                            blank(),
                        ]);
                    }
                    for (i, f) in faces.iter().enumerate() {
                        t.row([
                            path.clone(),
                            i.to_string(),
                            f["x"].to_string(),
                            f["y"].to_string(),
                            f["w"].to_string(),
                            f["h"].to_string(),
                            format!("{:.2}", f["score"].as_f64().unwrap_or(0.0)),
                        ]);
                    }
                }
                t
            });
            Ok(if failed { 1 } else { 0 })
        }
    }
}

/// ", N face(s) blurred" after an export's summary, or nothing.
fn blurred_note(n: usize) -> String {
    if n > 0 {
        format!(", {n} face(s) blurred")
    } else {
        String::new()
    }
}
