//! The daily backup at start (`clearshot::backup::daily_from_settings`), and its outcome for
//! Settings.
//!
//! It starts when the UI reports its first screen interactive (`ui_ready`): by then the UI's
//! first command has opened and migrated the register, so the backup's own connection never
//! races a migration, and cold start never waits for it. It runs once per app start, on the
//! blocking pool; a failure is kept as words for Settings and never stops the app.

use std::path::Path;

use chrono::NaiveDate;
use clearshot::Store;
use tauri::State;

use crate::blocking;
use crate::error::WireResult;
use crate::state::{AppState, today};
use crate::wire::BackupStatus;

/// Makes today's backup as the settings say, and says what happened. Never fails: an error is
/// an outcome to show.
pub fn daily(register: &Path, today: NaiveDate) -> BackupStatus {
    // A register that does not exist yet has no settings, so no backup folder; opening it
    // here would create it behind the UI's back.
    if !register.exists() {
        return BackupStatus::NoFolder;
    }
    match try_daily(register, today) {
        Ok(status) => status,
        Err(e) => BackupStatus::Failed {
            message: e.to_string(),
        },
    }
}

fn try_daily(register: &Path, today: NaiveDate) -> clearshot::Result<BackupStatus> {
    let store = Store::open(register)?;
    // `daily_from_settings` answers None both for "no folder" and "already made today".
    let Some(dir) = clearshot::settings::get(&store, "backup-dir")? else {
        return Ok(BackupStatus::NoFolder);
    };
    Ok(
        match clearshot::backup::daily_from_settings(&store, today)? {
            Some(made) => BackupStatus::Made {
                file: made.file.display().to_string(),
                bytes: made.manifest.bytes,
            },
            None => BackupStatus::AlreadyToday {
                file: Path::new(&dir)
                    .join(clearshot::backup::daily_name(today))
                    .display()
                    .to_string(),
            },
        },
    )
}

/// Starts the daily backup on the blocking pool, once per app start.
pub fn start_once(app: &tauri::AppHandle) {
    use tauri::Manager;
    let state = app.state::<AppState>();
    if !state.begin_backup() {
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        // The register against its audit log, once at start (a photo check does it again):
        // office staff see a register edited behind ClearShot's back without clearing a photo.
        // (A register that cannot be opened is reported by the screens that open it.)
        let problems = if state.register_path.exists()
            && let Ok(store) = Store::open(&state.register_path)
        {
            register::backup::trust_problems(&store.conn)
        } else {
            Vec::new()
        };
        state.set_register_problems(problems);
        let status = daily(&state.register_path, today());
        if let BackupStatus::Failed { message } = &status {
            eprintln!("clearshot-app: the daily backup failed: {message}");
        }
        state.set_backup(status);
    });
}

/// What comparing the register with its audit log at start found: `None` before it has run,
/// empty when they agree, else each problem in words.
#[tauri::command(rename_all = "snake_case")]
pub fn register_problems(state: State<'_, AppState>) -> Option<Vec<String>> {
    state.register_problems()
}

/// What the backup at start did; None when it has not been started.
#[tauri::command(rename_all = "snake_case")]
pub fn backup_status(state: State<'_, AppState>) -> Option<BackupStatus> {
    state.backup()
}

/// Makes today's backup now (after the folder was set in Settings, say), as at start.
#[tauri::command(rename_all = "snake_case")]
pub async fn backup_now(app: tauri::AppHandle) -> WireResult<BackupStatus> {
    blocking(move || {
        use tauri::Manager;
        let state = app.state::<AppState>();
        state.set_backup(BackupStatus::Running);
        let status = daily(&state.register_path, today());
        state.set_backup(status.clone());
        Ok(status)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn register_with(dir: &Path, backup_dir: Option<&Path>) -> std::path::PathBuf {
        let path = dir.join("register.sqlite3");
        let mut store = Store::open(&path).unwrap();
        if let Some(b) = backup_dir {
            clearshot::settings::set(
                &mut store,
                "backup-dir",
                &b.display().to_string(),
                &clearshot::Stamp::new("test", "2025-01-01T00:00:00Z"),
            )
            .unwrap();
        }
        path
    }

    #[test]
    fn no_register_yet_means_no_folder_and_no_file_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("register.sqlite3");
        assert_eq!(daily(&path, d("2025-03-03")), BackupStatus::NoFolder);
        assert!(!path.exists(), "the backup must not create the register");
    }

    #[test]
    fn a_register_without_a_backup_folder_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = register_with(dir.path(), None);
        assert_eq!(daily(&path, d("2025-03-03")), BackupStatus::NoFolder);
    }

    #[test]
    fn the_first_start_of_a_day_makes_the_backup_and_the_next_finds_it() {
        let dir = tempfile::tempdir().unwrap();
        let backups = dir.path().join("backups");
        let path = register_with(dir.path(), Some(&backups));
        let file = backups.join("clearshot-2025-03-03.sqlite3");
        match daily(&path, d("2025-03-03")) {
            BackupStatus::Made { file: f, bytes } => {
                assert_eq!(f, file.display().to_string());
                assert!(bytes > 0);
            }
            other => panic!("expected a backup made, got {other:?}"),
        }
        assert!(file.is_file(), "the backup is on disk");
        assert_eq!(
            daily(&path, d("2025-03-03")),
            BackupStatus::AlreadyToday {
                file: file.display().to_string()
            },
            "a second start on the same day makes no second backup"
        );
    }

    #[test]
    fn a_backup_folder_that_cannot_be_made_is_a_failure_in_words_not_a_crash() {
        // The folder was fine when it was set; since then a file has taken its place (as a
        // drive unplugged leaves nothing to write to).
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("backups-gone");
        let path = register_with(dir.path(), Some(&folder));
        std::fs::remove_dir(&folder).unwrap();
        std::fs::write(&folder, b"not a folder").unwrap();
        match daily(&path, d("2025-03-03")) {
            BackupStatus::Failed { message } => {
                assert!(
                    message.contains("backups-gone"),
                    "names the path: {message}"
                )
            }
            other => panic!("expected a failure, got {other:?}"),
        }
    }
}
