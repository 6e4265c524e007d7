//! SQLite register.
