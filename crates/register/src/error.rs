use std::path::PathBuf;

/// Everything that can go wrong in the register. Messages are one line, for a person.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{path}: not a ClearShot register ({reason})")]
    NotARegister { path: PathBuf, reason: String },
    #[error(
        "{path}: written by a newer version of ClearShot (schema {found}, this version knows up to {supported}); upgrade ClearShot"
    )]
    NewerVersion {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("{path}: the register cannot be used just now: {reason}")]
    Unavailable { path: PathBuf, reason: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
