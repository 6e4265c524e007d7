use thiserror::Error;

/// Why a photo could not be read. Each message is one line a member of staff can act on.
#[derive(Debug, Error)]
pub enum PhotoError {
    /// A file type we recognise but do not handle (HEIC, camera raw, GIF, …), or no image at all.
    #[error("unsupported format: {0}")]
    UnsupportedFormat(String),
    /// The file or the image is over a size limit.
    #[error("{0}")]
    TooLarge(String),
    /// A supported format whose bytes are truncated or corrupt ("truncated or malformed JPEG: …").
    #[error("{0}")]
    Malformed(String),
    #[error("could not read the photo file: {0}")]
    Io(#[from] std::io::Error),
}

impl PhotoError {
    /// "truncated or malformed JPEG: {detail}"
    pub(crate) fn malformed(what: impl std::fmt::Display, detail: impl std::fmt::Display) -> Self {
        PhotoError::Malformed(format!("truncated or malformed {what}: {detail}"))
    }
}
