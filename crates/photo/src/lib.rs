//! photo (in progress)
