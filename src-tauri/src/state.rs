//! App state: where the register is, and the cancel switches of running batches.
//!
//! No shared connection: each command opens its own `Store` (SQLite in WAL mode with a busy
//! timeout, see `register::db::apply_pragmas`), so a long batch never holds a lock that the
//! UI's next click waits on.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use clearshot::{Stamp, Store};

use crate::error::{WireError, WireResult};
use crate::wire::BackupStatus;

pub struct AppState {
    pub register_path: PathBuf,
    /// Running batches by job id. The Mutex guards only this small map, never held over work.
    jobs: Mutex<HashMap<u32, Arc<AtomicBool>>>,
    /// Set once the daily backup of this app start has been started.
    backup_started: AtomicBool,
    /// What the daily backup did; a small value, its lock never held over work.
    backup: Mutex<Option<BackupStatus>>,
    /// What the comparison of the register with its audit log found at start (`None` until it
    /// has run; empty when they agree).
    register_problems: Mutex<Option<Vec<String>>>,
}

/// A running batch's cancel switch; removed from the state when dropped.
pub struct Job<'a> {
    state: &'a AppState,
    id: u32,
    pub cancel: Arc<AtomicBool>,
}

impl Job<'_> {
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

impl Drop for Job<'_> {
    fn drop(&mut self) {
        if let Ok(mut jobs) = self.state.jobs.lock() {
            jobs.remove(&self.id);
        }
    }
}

impl AppState {
    /// The register: `$CLEARSHOT_DB`, else the per-user default the CLI uses too.
    pub fn from_env() -> AppState {
        let register_path = std::env::var_os("CLEARSHOT_DB")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(register::db::default_path);
        AppState {
            register_path,
            jobs: Mutex::new(HashMap::new()),
            backup_started: AtomicBool::new(false),
            register_problems: Mutex::new(None),
            backup: Mutex::new(None),
        }
    }

    pub fn open(&self) -> WireResult<Store> {
        Ok(Store::open(&self.register_path)?)
    }

    /// Registers a batch under the id the UI chose, so that `cancel_job` can stop it.
    pub fn start_job(&self, id: u32) -> WireResult<Job<'_>> {
        let cancel = Arc::new(AtomicBool::new(false));
        let mut jobs = self
            .jobs
            .lock()
            .map_err(|_| WireError::internal("job table poisoned"))?;
        if jobs.contains_key(&id) {
            return Err(WireError::invalid(format!("job {id} is already running")));
        }
        jobs.insert(id, cancel.clone());
        Ok(Job {
            state: self,
            id,
            cancel,
        })
    }

    /// True for the first caller only: the daily backup runs once per app start.
    pub fn begin_backup(&self) -> bool {
        let first = !self.backup_started.swap(true, Ordering::SeqCst);
        if first {
            self.set_backup(BackupStatus::Running);
        }
        first
    }

    pub fn set_backup(&self, status: BackupStatus) {
        // A poisoned lock only means a panic elsewhere; the value is still a plain status.
        let mut slot = self.backup.lock().unwrap_or_else(|p| p.into_inner());
        *slot = Some(status);
    }

    pub fn set_register_problems(&self, problems: Vec<String>) {
        let mut slot = self
            .register_problems
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        *slot = Some(problems);
    }

    pub fn register_problems(&self) -> Option<Vec<String>> {
        self.register_problems
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn backup(&self) -> Option<BackupStatus> {
        self.backup
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Asks a batch to stop after the item it is on. False when no such batch runs.
    pub fn cancel_job(&self, id: u32) -> bool {
        match self.jobs.lock() {
            Ok(jobs) => jobs
                .get(&id)
                .map(|c| c.store(true, Ordering::Relaxed))
                .is_some(),
            Err(_) => false,
        }
    }
}

/// Who is acting, for the audit log: `$CLEARSHOT_ACTOR`, else the login name.
pub fn actor() -> String {
    clearshot::login_name()
}

pub fn stamp() -> Stamp {
    Stamp::new(
        actor(),
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    )
}

/// Today in the machine's time zone ([`clearshot::today`]): the shell supplies the date; the
/// rules never read a clock.
pub fn today() -> chrono::NaiveDate {
    clearshot::today()
}
