use serde::Serialize;

/// Errors of the use cases: one enum, composed from the crates below with `#[from]`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Register(#[from] register::Error),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    /// A rule refused the action (an export whose consent lapsed, a file that is not the one cleared).
    #[error("{0}")]
    Refused(String),
    /// A photo could not be read: unsupported, too large or malformed.
    #[error("{0}")]
    Photo(String),
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// What kind of error, for the UI to branch on (never on the message text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ErrorKind {
    Invalid,
    NotFound,
    Refused,
    Photo,
    NotARegister,
    NewerVersion,
    Io,
    Corrupt,
    Database,
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Invalid(_) => ErrorKind::Invalid,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::Refused(_) => ErrorKind::Refused,
            Error::Photo(_) => ErrorKind::Photo,
            Error::Io { .. } => ErrorKind::Io,
            Error::Register(e) => match e {
                register::Error::Invalid(_) => ErrorKind::Invalid,
                register::Error::NotFound(_) => ErrorKind::NotFound,
                register::Error::NotARegister { .. } => ErrorKind::NotARegister,
                register::Error::NewerVersion { .. } => ErrorKind::NewerVersion,
                register::Error::Io { .. } => ErrorKind::Io,
                register::Error::Corrupt(_) => ErrorKind::Corrupt,
                register::Error::Sqlite(_) | register::Error::Unavailable { .. } => {
                    ErrorKind::Database
                }
            },
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<register::SqlError> for Error {
    fn from(e: register::SqlError) -> Self {
        Error::Register(register::Error::Sqlite(e))
    }
}
