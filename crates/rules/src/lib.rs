//! Pure domain rules of ClearShot: no I/O and no clock. Every date is passed in.

pub mod upn;
