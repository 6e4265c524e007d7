//! faces (in progress)
