//! The one error the UI sees: `{ kind, message }`. The UI branches on `kind`, never on the text.

use serde::Serialize;
use ts_rs::TS;

/// An error crossing to the UI.
#[derive(Debug, Clone, Serialize, TS)]
pub struct WireError {
    pub kind: WireErrorKind,
    pub message: String,
}

/// One of the use cases' kinds, or one that only the app has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(untagged)]
pub enum WireErrorKind {
    UseCase(clearshot::ErrorKind),
    App(AppErrorKind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AppErrorKind {
    /// A batch stopped because the user asked it to.
    Cancelled,
    /// A bug: a worker thread panicked.
    Internal,
}

impl WireError {
    pub fn new(kind: clearshot::ErrorKind, message: impl Into<String>) -> WireError {
        WireError {
            kind: WireErrorKind::UseCase(kind),
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> WireError {
        WireError {
            kind: WireErrorKind::App(AppErrorKind::Internal),
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> WireError {
        WireError::new(clearshot::ErrorKind::Invalid, message)
    }

    pub fn cancelled() -> WireError {
        WireError {
            kind: WireErrorKind::App(AppErrorKind::Cancelled),
            message: "stopped at your request".into(),
        }
    }

    pub fn io(path: &std::path::Path, e: std::io::Error) -> WireError {
        WireError::new(clearshot::ErrorKind::Io, format!("{}: {e}", path.display()))
    }
}

impl From<clearshot::Error> for WireError {
    fn from(e: clearshot::Error) -> Self {
        WireError::new(e.kind(), e.to_string())
    }
}

impl From<register::Error> for WireError {
    fn from(e: register::Error) -> Self {
        clearshot::Error::from(e).into()
    }
}

pub type WireResult<T> = Result<T, WireError>;
