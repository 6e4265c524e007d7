//! Pure domain rules of ClearShot: no I/O and no clock. Every date is passed in.
//!
//! Everything public in the modules below is re-exported at the crate root.

pub mod caption;
pub mod clearance;
pub mod consent;
mod la_codes;
pub mod upn;
pub mod year;

pub use caption::*;
pub use clearance::*;
pub use consent::*;
pub use upn::*;
pub use year::*;
