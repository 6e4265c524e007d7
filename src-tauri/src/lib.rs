//! ClearShot's desktop app: thin `#[tauri::command]`s over the `clearshot` use cases.
//!
//! A command unpacks its arguments, calls one use case on a worker thread
//! (`spawn_blocking`: disk and CPU work never runs on the UI's thread), and converts the error
//! to the one wire error `{ kind, message }`. Nothing here decides anything.

mod admin;
mod backup;
mod error;
mod office;
mod photos;
mod register_admin;
mod state;
pub mod wire;

pub use error::{WireError, WireResult};
pub use state::AppState;

/// Runs `f` on the blocking pool and waits for it without holding the async runtime.
pub(crate) async fn blocking<T, F>(f: F) -> WireResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> WireResult<T> + Send + 'static,
{
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| WireError::internal(format!("worker failed: {e}")))?
}

/// Runs `f` on the register off the UI thread: the shape of most commands. The register is
/// opened for each command (cheap with WAL), so the CLI and the app never hold it between calls.
pub(crate) async fn with_store<T, F>(state: &state::AppState, f: F) -> WireResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut clearshot::Store) -> WireResult<T> + Send + 'static,
{
    let path = state.register_path.clone();
    blocking(move || {
        let mut store = clearshot::Store::open(&path)?;
        f(&mut store)
    })
    .await
}

pub fn run() {
    let started = std::time::Instant::now();
    let state = AppState::from_env();
    // `scripts/app.sh --sample`: open on the sample academy when the register has none.
    if std::env::var_os("CLEARSHOT_OPEN_SAMPLE").is_some()
        && let Err(e) = office::load_sample(&state.register_path)
    {
        eprintln!(
            "clearshot-app: could not load the sample academy: {}",
            e.message
        );
    }
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            office::app_info,
            office::academies,
            office::open_sample_academy,
            office::import_preview,
            office::import_roll,
            office::pupils_list,
            office::pupil_show,
            office::reveal_never_publish_reason,
            office::pupil_export,
            office::flag_set,
            office::flag_clear,
            office::pupil_rekey,
            office::consent_record,
            office::consent_withdraw,
            office::consent_void,
            office::consent_status,
            office::consent_chase,
            office::save_csv,
            photos::photos_thumbnails,
            photos::photo_faces,
            photos::caption_check,
            photos::photo_check,
            photos::photos_export,
            admin::devices_list,
            admin::device_add,
            admin::device_retire,
            admin::ingest,
            admin::staff_list,
            admin::staff_add,
            admin::staff_revoke,
            admin::staff_train,
            admin::accounts_list,
            admin::account_add,
            admin::account_set_admins,
            admin::account_remove,
            admin::holds_list,
            admin::holds_in_force,
            admin::hold_start,
            admin::hold_end,
            admin::takedowns_list,
            admin::takedowns_open_count,
            admin::takedown_done,
            backup::backup_status,
            backup::register_problems,
            backup::backup_now,
            register_admin::audit_verify,
            register_admin::audit_list,
            register_admin::settings_all,
            register_admin::settings_set,
            register_admin::cancel_job,
            register_admin::open_folder,
            ui_ready,
        ])
        .manage(Started(started))
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("clearshot-app: {e}");
        std::process::exit(1);
    }
}

struct Started(std::time::Instant);

/// The UI calls this once its first screen is interactive; the line it prints is how cold
/// start is measured (process start to an interactive window). The daily backup starts here,
/// off the UI's thread (see `backup`).
#[tauri::command(rename_all = "snake_case")]
fn ui_ready(app: tauri::AppHandle, started: tauri::State<'_, Started>) -> u64 {
    let ms = started.0.elapsed().as_millis() as u64;
    println!("clearshot-app: ready in {ms} ms");
    backup::start_once(&app);
    ms
}

#[cfg(test)]
mod bindings;
