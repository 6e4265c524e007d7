//! Fixtures the register's unit tests share.

use chrono::NaiveDate;
use rusqlite::Connection;

use crate::Stamp;
use crate::pupils::{Pupil, RollEntry};

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn stamp() -> Stamp {
    Stamp::new("office", "2025-09-01T00:00:00Z")
}

/// A Year 8 pupil (in 2025/26) of academy OAK, added if it is not there yet.
pub fn add_pupil(conn: &mut Connection, upn: &str, forename: &str) -> Pupil {
    let tx = crate::begin(conn).unwrap();
    let academy = match crate::academies::by_code(&tx, "OAK").unwrap() {
        Some(a) => a,
        None => crate::academies::add(&tx, "OAK", "Oak", &stamp()).unwrap(),
    };
    let e = RollEntry {
        upn: upn.into(),
        legal_forename: forename.into(),
        legal_surname: "Example".into(),
        preferred_forename: None,
        preferred_surname: None,
        dob: d("2012-01-01"),
        reg_group: None,
        admission_number: None,
        year_group: 8,
        year_group_academic_year: 2025,
    };
    let id = crate::pupils::insert(&tx, academy.id, "OAK", &e, None, &stamp()).unwrap();
    let p = crate::pupils::by_id(&tx, id).unwrap();
    tx.commit().unwrap();
    p
}
