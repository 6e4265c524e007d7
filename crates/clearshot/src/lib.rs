//! ClearShot's use cases: the one API that the CLI and the desktop app both call.
//!
//! Time and the acting person are passed in ([`register::Stamp`], `on` dates); what reads a
//! clock (an import date is not after today, a check's posting day) reads it through [`today`].

pub mod admin;
pub mod backup;
pub mod consent;
mod error;
pub mod evidence;
pub mod photos;
pub mod pupils;
pub mod retention;
pub mod settings;
pub mod store;
pub mod subject_access;

pub use error::{Error, ErrorKind, Result};
pub use register::{Stamp, audit, import::ImportOptions, import::ImportReport};
pub use rules::consent::{Channel, ConsentStatus, Signatory};
pub use store::Store;

/// Today, by the machine's clock. A debug build (the tests') takes `CLEARSHOT_TODAY`
/// (YYYY-MM-DD) instead when it is set, so that a test can stand on the day it names; a release
/// build, the one people use, always reads the clock.
pub fn today() -> chrono::NaiveDate {
    #[cfg(debug_assertions)]
    if let Some(day) = std::env::var("CLEARSHOT_TODAY")
        .ok()
        .and_then(|d| d.parse::<chrono::NaiveDate>().ok())
    {
        return day;
    }
    chrono::Local::now().date_naive()
}

/// Parses a comma-separated list of channels ("academy_social,website").
pub fn parse_channels(list: &str) -> Result<Vec<Channel>> {
    let mut out = Vec::new();
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let channel: Channel = part.parse().map_err(|_| {
            Error::Invalid(format!(
                "unknown channel {part:?}; channels are {}",
                Channel::ALL.map(|c| c.as_str()).join(", ")
            ))
        })?;
        if !out.contains(&channel) {
            out.push(channel);
        }
    }
    Ok(out)
}

/// Who is acting, for the audit log when nobody said (`--as`): `$CLEARSHOT_ACTOR`, else the
/// login name (`$USER`, `$LOGNAME`, `$USERNAME`, else the account of the process's user in
/// `/etc/passwd`, as a scheduled job without a login environment has it), else "unknown".
pub fn login_name() -> String {
    let from_env = ["CLEARSHOT_ACTOR", "USER", "LOGNAME", "USERNAME"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        // A value that could not be printed as it is would be refused in the audit log.
        .find(|a| !a.trim().is_empty() && !a.chars().any(register::is_unprintable));
    from_env
        .or_else(account_of_this_process)
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(unix)]
fn account_of_this_process() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id: u32 = fields.nth(1)?.parse().ok()?;
        (id == uid && !name.is_empty()).then(|| name.to_owned())
    })
}

#[cfg(not(unix))]
fn account_of_this_process() -> Option<String> {
    None
}
