//! The trust IT lead's commands: devices (with ingest from a card), staff approved to post,
//! affiliated accounts, posting holds, takedown tasks.

use std::path::PathBuf;

use clearshot::Store;
use clearshot::admin::{AccountView, DeviceInput};
use clearshot::photos::IngestReport;
use register::devices::Device;
use register::holds::Hold;
use register::staff::Staff;
use register::takedowns::Takedown;
use tauri::State;
use tauri::ipc::Channel;

use crate::error::WireResult;
use crate::state::{AppState, stamp, today};
use crate::wire::{DeviceRequest, Progress};
use crate::{blocking, with_store};

#[tauri::command(rename_all = "snake_case")]
pub async fn devices_list(state: State<'_, AppState>) -> WireResult<Vec<Device>> {
    let path = state.register_path.clone();
    blocking(move || Ok(clearshot::admin::devices(&Store::open(&path)?)?)).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn device_add(state: State<'_, AppState>, device: DeviceRequest) -> WireResult<Device> {
    with_store(&state, move |store| {
        let input = DeviceInput {
            label: device.label,
            kind: device.kind,
            make: device.make,
            model: device.model,
            serial: device.serial.filter(|s| !s.trim().is_empty()),
            academy: device.academy,
            added_on: today(),
        };
        Ok(clearshot::admin::add_device(store, &input, &stamp())?)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn device_retire(state: State<'_, AppState>, label: String) -> WireResult<()> {
    with_store(&state, move |store| {
        Ok(clearshot::admin::retire_device(
            store,
            &label,
            today(),
            &stamp(),
        )?)
    })
    .await
}

/// Ingest from a card: records every photo under the paths as taken on the device, with
/// progress; cancelling stops between files and reports what was done.
#[tauri::command(rename_all = "snake_case")]
pub async fn ingest(
    app: tauri::AppHandle,
    paths: Vec<PathBuf>,
    device: String,
    job: u32,
    on_progress: Channel<Progress>,
) -> WireResult<IngestReport> {
    blocking(move || {
        use tauri::Manager;
        let state = app.state::<AppState>();
        let job = state.start_job(job)?;
        let mut store = state.open()?;
        let progress = |done: usize, total: usize| {
            let _ = on_progress.send(Progress {
                done: done as u32,
                total: total as u32,
                item: String::new(),
            });
        };
        Ok(clearshot::photos::ingest(
            &mut store,
            &paths,
            &device,
            &stamp(),
            &progress,
            &job.cancel,
        )?)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn staff_list(state: State<'_, AppState>) -> WireResult<Vec<Staff>> {
    let path = state.register_path.clone();
    blocking(move || Ok(clearshot::admin::staff(&Store::open(&path)?)?)).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn staff_add(
    state: State<'_, AppState>,
    email: String,
    name: String,
    academy: Option<String>,
    trained_on: Option<chrono::NaiveDate>,
) -> WireResult<Staff> {
    with_store(&state, move |store| {
        Ok(clearshot::admin::add_staff(
            store,
            &email,
            &name,
            academy.as_deref(),
            today(),
            trained_on,
            &stamp(),
        )?)
    })
    .await
}

/// Records that the member of staff completed their social media training today.
#[tauri::command(rename_all = "snake_case")]
pub async fn staff_train(state: State<'_, AppState>, email: String) -> WireResult<Staff> {
    with_store(&state, move |store| {
        Ok(clearshot::admin::train_staff(
            store,
            &email,
            today(),
            &stamp(),
        )?)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn staff_revoke(state: State<'_, AppState>, email: String) -> WireResult<()> {
    with_store(&state, move |store| {
        Ok(clearshot::admin::revoke_staff(
            store,
            &email,
            today(),
            &stamp(),
        )?)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn accounts_list(state: State<'_, AppState>) -> WireResult<Vec<AccountView>> {
    let path = state.register_path.clone();
    blocking(move || Ok(clearshot::admin::accounts(&Store::open(&path)?)?)).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn account_add(
    state: State<'_, AppState>,
    platform: String,
    handle: String,
    academy: String,
    admins: Vec<String>,
) -> WireResult<AccountView> {
    with_store(&state, move |store| {
        Ok(clearshot::admin::add_account(
            store,
            &platform,
            &handle,
            &academy,
            &admins,
            &stamp(),
        )?)
    })
    .await
}

/// Replaces an account's administrators (`clearshot accounts admins`).
#[tauri::command(rename_all = "snake_case")]
pub async fn account_set_admins(
    state: State<'_, AppState>,
    platform: String,
    handle: String,
    admins: Vec<String>,
) -> WireResult<AccountView> {
    with_store(&state, move |store| {
        Ok(clearshot::admin::set_account_admins(
            store,
            &platform,
            &handle,
            &admins,
            &stamp(),
        )?)
    })
    .await
}

/// Takes an account off the register (`clearshot accounts remove`).
#[tauri::command(rename_all = "snake_case")]
pub async fn account_remove(
    state: State<'_, AppState>,
    platform: String,
    handle: String,
    reason: String,
) -> WireResult<()> {
    with_store(&state, move |store| {
        Ok(clearshot::admin::remove_account(
            store,
            &platform,
            &handle,
            &reason,
            &stamp(),
        )?)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn holds_list(state: State<'_, AppState>) -> WireResult<Vec<Hold>> {
    let path = state.register_path.clone();
    blocking(move || {
        let mut holds = clearshot::admin::holds(&Store::open(&path)?)?;
        holds.reverse();
        Ok(holds)
    })
    .await
}

/// The holds in force today: the banner on every screen.
#[tauri::command(rename_all = "snake_case")]
pub async fn holds_in_force(state: State<'_, AppState>) -> WireResult<Vec<Hold>> {
    let path = state.register_path.clone();
    blocking(move || {
        Ok(clearshot::admin::holds_in_force(
            &Store::open(&path)?,
            today(),
        )?)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn hold_start(
    state: State<'_, AppState>,
    academy: Option<String>,
    reason: String,
) -> WireResult<()> {
    with_store(&state, move |store| {
        Ok(clearshot::admin::start_hold(
            store,
            academy.as_deref(),
            &reason,
            today(),
            &stamp(),
        )?)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn hold_end(
    state: State<'_, AppState>,
    academy: Option<String>,
    id: Option<i64>,
) -> WireResult<Vec<Hold>> {
    with_store(&state, move |store| {
        Ok(clearshot::admin::end_hold_id(
            store,
            academy.as_deref(),
            id,
            today(),
            &stamp(),
        )?)
    })
    .await
}

/// Takedown tasks, oldest first: every one, or only those still open.
#[tauri::command(rename_all = "snake_case")]
pub async fn takedowns_list(
    state: State<'_, AppState>,
    open_only: bool,
) -> WireResult<Vec<Takedown>> {
    let path = state.register_path.clone();
    blocking(move || {
        Ok(clearshot::admin::takedowns(
            &Store::open(&path)?,
            open_only,
        )?)
    })
    .await
}

/// How many takedown tasks are open: the count on the home screen and in the navigation.
#[tauri::command(rename_all = "snake_case")]
pub async fn takedowns_open_count(state: State<'_, AppState>) -> WireResult<u32> {
    let path = state.register_path.clone();
    blocking(move || Ok(clearshot::admin::takedowns(&Store::open(&path)?, true)?.len() as u32))
        .await
}

/// Ticks a takedown task off, saying what was done (the note is required).
#[tauri::command(rename_all = "snake_case")]
pub async fn takedown_done(state: State<'_, AppState>, id: i64, note: String) -> WireResult<()> {
    with_store(&state, move |store| {
        Ok(clearshot::admin::takedown_done(store, id, &note, &stamp())?)
    })
    .await
}
