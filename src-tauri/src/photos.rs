//! The teacher's commands: thumbnails (a batch with progress and cancel), the live caption
//! check, clearing a photo, and exporting the safe copies (a batch with progress and cancel).

use std::path::PathBuf;

use base64::Engine;
use clearshot::Store;
use clearshot::photos::{CheckRequest, CheckResult, Exported};
use tauri::State;
use tauri::ipc::Channel;

use crate::blocking;
use crate::error::{WireError, WireResult};
use crate::state::{AppState, stamp, today};
use crate::wire::{
    ExportItem, ExportSummary, FacesView, PhotoCheck, Progress, ThumbEvent, ThumbSummary,
};

/// Long edge of a thumbnail: the photo strip, and the preview the face boxes are drawn over.
const THUMB_EDGE: u32 = 480;

/// Makes a thumbnail of each photo under the paths (folders are walked), sending each one to
/// the UI as soon as it is made. Stops between photos when cancelled.
#[tauri::command(rename_all = "snake_case")]
pub async fn photos_thumbnails(
    app: tauri::AppHandle,
    paths: Vec<PathBuf>,
    job: u32,
    on_event: Channel<ThumbEvent>,
) -> WireResult<ThumbSummary> {
    blocking(move || {
        use tauri::Manager;
        let state = app.state::<AppState>();
        let job = state.start_job(job)?;
        let (files, rejected) = clearshot::photos::collect_files(&paths);
        let total = (files.len() + rejected.len()) as u32;
        let mut index = 0u32;
        let send = |event: ThumbEvent| {
            on_event
                .send(event)
                .map_err(|e| WireError::internal(format!("the window went away: {e}")))
        };
        for r in &rejected {
            send(ThumbEvent::new(
                index,
                total,
                &r.path,
                None,
                Some(r.reason.clone()),
            ))?;
            index += 1;
        }
        for file in &files {
            if job.cancelled() {
                return Ok(ThumbSummary {
                    total,
                    done: index,
                    cancelled: true,
                });
            }
            let (thumb, error) = match clearshot::photos::thumbnail(file, THUMB_EDGE) {
                Ok(jpeg) => (
                    Some(format!(
                        "data:image/jpeg;base64,{}",
                        base64::engine::general_purpose::STANDARD.encode(jpeg)
                    )),
                    None,
                ),
                Err(e) => (None, Some(e.to_string())),
            };
            send(ThumbEvent::new(index, total, file, thumb, error))?;
            index += 1;
        }
        Ok(ThumbSummary {
            total,
            done: index,
            cancelled: false,
        })
    })
    .await
}

/// Detects (never identifies) the faces in one photo, with the frame their boxes are in. About
/// 1-3 s for a 12-megapixel photo, so the UI asks per photo, after its thumbnail.
#[tauri::command(rename_all = "snake_case")]
pub async fn photo_faces(path: PathBuf) -> WireResult<FacesView> {
    blocking(move || Ok(clearshot::photos::faces_in_frame(&path)?.into())).await
}

/// The live caption check: the problems in words (none: the caption is safe).
#[tauri::command(rename_all = "snake_case")]
pub async fn caption_check(state: State<'_, AppState>, caption: String) -> WireResult<Vec<String>> {
    let path = state.register_path.clone();
    blocking(move || {
        Ok(clearshot::photos::check_caption(
            &Store::open(&path)?,
            &caption,
        )?)
    })
    .await
}

/// Clears or refuses one photo for a channel today, with every reason; audited either way.
#[tauri::command(rename_all = "snake_case")]
pub async fn photo_check(
    state: State<'_, AppState>,
    request: PhotoCheck,
) -> WireResult<CheckResult> {
    let path = state.register_path.clone();
    blocking(move || {
        let mut store = Store::open(&path)?;
        let req = CheckRequest {
            file: request.path,
            channel: request.channel,
            staff: request.staff,
            academy: request.academy,
            pupils: request.pupils,
            caption: request.caption.filter(|c| !c.trim().is_empty()),
            on: today(),
            faces_acknowledged: request.faces_acknowledged,
        };
        Ok(clearshot::photos::check(&mut store, &req, &stamp())?)
    })
    .await
}

/// Writes the safe copy of each cleared photo into the folder, reporting progress; stops
/// between photos when cancelled. One refused photo stops the batch with its reason.
#[tauri::command(rename_all = "snake_case")]
pub async fn photos_export(
    app: tauri::AppHandle,
    items: Vec<ExportItem>,
    out_dir: PathBuf,
    job: u32,
    on_progress: Channel<Progress>,
) -> WireResult<ExportSummary> {
    blocking(move || {
        use tauri::Manager;
        let state = app.state::<AppState>();
        let job = state.start_job(job)?;
        if !out_dir.is_absolute() {
            return Err(WireError::invalid(format!(
                "{}: choose a folder (a full path)",
                out_dir.display()
            )));
        }
        let mut store = state.open()?;
        let stamp = stamp();
        let total = items.len() as u32;
        let mut exported: Vec<Exported> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if job.cancelled() {
                return Ok(ExportSummary {
                    exported,
                    out_dir: out_dir.display().to_string(),
                    cancelled: true,
                });
            }
            let e = clearshot::photos::export(
                &mut store,
                &item.clearance_id,
                &item.path,
                &out_dir,
                clearshot::photos::DEFAULT_MAX_EDGE,
                &item.blur(),
                today(),
                &stamp,
            )?;
            let _ = on_progress.send(Progress {
                done: i as u32 + 1,
                total,
                item: e.path.display().to_string(),
            });
            exported.push(e);
        }
        Ok(ExportSummary {
            exported,
            out_dir: out_dir.display().to_string(),
            cancelled: false,
        })
    })
    .await
}
