//! Register-wide commands: the audit log, settings, batches and folders.

use std::path::PathBuf;

use clearshot::Store;
use register::audit::{Entry, Verification};
use tauri::State;
use tauri_plugin_opener::OpenerExt;

use crate::error::{WireError, WireResult};
use crate::state::{AppState, stamp};
use crate::wire::SettingView;
use crate::{blocking, with_store};

#[tauri::command(rename_all = "snake_case")]
pub async fn audit_verify(state: State<'_, AppState>) -> WireResult<Verification> {
    let path = state.register_path.clone();
    blocking(move || Ok(register::audit::verify(&Store::open(&path)?.conn)?)).await
}

/// Audit entries, newest first, since a date (YYYY-MM-DD) when given.
#[tauri::command(rename_all = "snake_case")]
pub async fn audit_list(
    state: State<'_, AppState>,
    since: Option<String>,
) -> WireResult<Vec<Entry>> {
    with_store(&state, move |store| {
        let mut entries = register::audit::list_for_display(&store.conn, since.as_deref(), None)?;
        entries.reverse();
        Ok(entries)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn settings_all(state: State<'_, AppState>) -> WireResult<Vec<SettingView>> {
    with_store(&state, move |store| {
        clearshot::settings::KNOWN
            .iter()
            .map(|(key, description)| {
                Ok(SettingView {
                    key: key.to_string(),
                    description: description.to_string(),
                    value: clearshot::settings::get(store, key)?,
                })
            })
            .collect()
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn settings_set(
    state: State<'_, AppState>,
    key: String,
    value: String,
) -> WireResult<Vec<String>> {
    with_store(&state, move |store| {
        clearshot::settings::set(store, &key, &value, &stamp())?;
        // Who the new trust domains leave outside (their checks will be blocked).
        Ok(if key == "trust-domains" {
            clearshot::settings::outside_trust_domains(store)?
        } else {
            Vec::new()
        })
    })
    .await
}

/// Asks a running batch to stop after its current item.
#[tauri::command(rename_all = "snake_case")]
pub fn cancel_job(state: State<'_, AppState>, job: u32) -> bool {
    state.cancel_job(job)
}

/// Opens a folder (an export folder) in the file manager. Folders only: the web view cannot use
/// this to launch a file.
#[tauri::command(rename_all = "snake_case")]
pub fn open_folder(app: tauri::AppHandle, path: PathBuf) -> WireResult<()> {
    if !path.is_dir() {
        return Err(WireError::invalid(format!(
            "{} is not a folder",
            path.display()
        )));
    }
    app.opener()
        .open_path(path.display().to_string(), None::<&str>)
        .map_err(|e| WireError::new(clearshot::ErrorKind::Io, e.to_string()))
}
