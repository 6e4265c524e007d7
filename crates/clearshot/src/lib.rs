//! ClearShot's use cases: the one API that the CLI and the desktop app both call.
//!
//! Time and the acting person are passed in ([`register::Stamp`], `on` dates); nothing here
//! reads a clock.

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
