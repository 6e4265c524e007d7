//! The `pupils` table.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::{Error, Result, Stamp};

/// A pupil as the register holds them.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Pupil {
    #[serde(skip)]
    pub id: i64,
    /// Pseudonymous id used by the audit log.
    pub subject_id: String,
    pub upn: String,
    pub legal_forename: String,
    pub legal_surname: String,
    pub preferred_forename: Option<String>,
    /// The surname the pupil is known by, when the MIS gives one other than the legal surname.
    pub preferred_surname: Option<String>,
    pub dob: NaiveDate,
    pub academy: String,
    #[serde(skip)]
    pub academy_id: i64,
    pub reg_group: Option<String>,
    pub admission_number: Option<String>,
    /// The year group as recorded, for `year_group_academic_year`.
    pub year_group: i32,
    pub year_group_academic_year: i32,
    pub left_on: Option<NaiveDate>,
    /// The day the pupil joined the roll (`None`: before the register knew).
    pub joined_on: Option<NaiveDate>,
}

impl Pupil {
    /// "Preferred (Legal) Surname" style display name.
    pub fn display_name(&self) -> String {
        display_name(
            &self.legal_forename,
            &self.legal_surname,
            self.preferred_forename.as_deref(),
        )
    }

    /// On roll on `on`: joined by then, and not yet left (a pupil who leaves on a date is off
    /// roll from it).
    pub fn on_roll(&self, on: NaiveDate) -> bool {
        self.joined_on.is_none_or(|joined| joined <= on)
            && self.left_on.is_none_or(|left| left > on)
    }

    pub fn subject(&self) -> String {
        subject_of(&self.subject_id)
    }
}

/// A name as compared when deciding whether two records may be one child: accents, case,
/// look-alike letters (Cyrillic а for Latin a), spaces, hyphens and apostrophes do not count
/// ("José O'Neil-Smith" and "jose oneil smith" are the same name). Used by the import's
/// "same name and date of birth" warning and by `pupils rekey`, so the two agree.
pub fn name_key(name: &str) -> String {
    rules::caption::name_key(name)
}

pub fn subject_of(subject_id: &str) -> String {
    format!("pupil:{subject_id}")
}

/// The audit subjects of a pupil: their own, then those of the records merged into theirs
/// (`pupils rekey`), oldest merge first.
pub fn subjects(conn: &Connection, pupil: &Pupil) -> Result<Vec<String>> {
    let mut out = vec![pupil.subject()];
    let mut stmt = conn.prepare_cached(
        "SELECT subject_id FROM pupil_subject_aliases WHERE pupil_id = ?1 ORDER BY merged_at, subject_id",
    )?;
    for alias in stmt.query_map([pupil.id], |r| r.get::<_, String>(0))? {
        out.push(subject_of(&alias?));
    }
    Ok(out)
}

/// The fields an MIS roll supplies: what an import compares and writes.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RollEntry {
    pub upn: String,
    pub legal_forename: String,
    pub legal_surname: String,
    pub preferred_forename: Option<String>,
    pub preferred_surname: Option<String>,
    pub dob: NaiveDate,
    pub reg_group: Option<String>,
    pub admission_number: Option<String>,
    pub year_group: i32,
    pub year_group_academic_year: i32,
}

const COLUMNS: &str = "p.id, p.subject_id, p.upn, p.legal_forename, p.legal_surname, p.preferred_forename, p.dob, a.code, p.academy_id, p.reg_group, p.admission_number, p.year_group, p.year_group_academic_year, p.left_on, p.preferred_surname, p.joined_on";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Pupil> {
    Ok(Pupil {
        id: r.get(0)?,
        subject_id: r.get(1)?,
        upn: r.get(2)?,
        legal_forename: r.get(3)?,
        legal_surname: r.get(4)?,
        preferred_forename: r.get(5)?,
        dob: stored_date(r.get_ref(6)?)?,
        academy: r.get(7)?,
        academy_id: r.get(8)?,
        reg_group: r.get(9)?,
        admission_number: r.get(10)?,
        year_group: r.get(11)?,
        year_group_academic_year: r.get(12)?,
        left_on: match r.get_ref(13)? {
            rusqlite::types::ValueRef::Null => None,
            v => Some(stored_date(v)?),
        },
        preferred_surname: r.get(14)?,
        joined_on: optional_date(r.get_ref(15)?)?,
    })
}

fn optional_date(v: rusqlite::types::ValueRef<'_>) -> rusqlite::Result<Option<NaiveDate>> {
    match v {
        rusqlite::types::ValueRef::Null => Ok(None),
        v => Ok(Some(stored_date(v)?)),
    }
}

/// What a status report needs of a pupil, read lean: no subject id or admission number, the
/// display name built once, the academy as its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PupilHead {
    pub id: i64,
    pub upn: String,
    /// As [`Pupil::display_name`].
    pub name: String,
    pub academy_id: i64,
    pub reg_group: Option<String>,
    pub year_group: i32,
    pub year_group_academic_year: i32,
    pub left_on: Option<NaiveDate>,
    pub joined_on: Option<NaiveDate>,
}

impl PupilHead {
    /// As [`Pupil::on_roll`].
    pub fn on_roll(&self, on: NaiveDate) -> bool {
        self.joined_on.is_none_or(|joined| joined <= on)
            && self.left_on.is_none_or(|left| left > on)
    }
}

pub(crate) fn display_name(
    legal_forename: &str,
    legal_surname: &str,
    preferred: Option<&str>,
) -> String {
    // Built by hand: a status report builds 20,000 of these and `format!` showed in its profile.
    let preferred = preferred.filter(|p| *p != legal_forename);
    let mut name = String::with_capacity(
        legal_forename.len() + legal_surname.len() + preferred.map_or(1, |p| p.len() + 4),
    );
    if let Some(p) = preferred {
        name.push_str(p);
        name.push_str(" (");
        name.push_str(legal_forename);
        name.push_str(") ");
    } else {
        name.push_str(legal_forename);
        name.push(' ');
    }
    name.push_str(legal_surname);
    name
}

/// A stored `YYYY-MM-DD` date, read without chrono's general format parser (the register has
/// tens of thousands of them to read for one report).
pub(crate) fn stored_date(v: rusqlite::types::ValueRef<'_>) -> rusqlite::Result<NaiveDate> {
    let text = v.as_str()?;
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let parsed = (b.len() == 10 && b[4] == b'-' && b[7] == b'-')
        .then(|| {
            let y = i32::try_from(digits(0..4)?).ok()?;
            NaiveDate::from_ymd_opt(y, digits(5..7)?, digits(8..10)?)
        })
        .flatten();
    parsed.ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("not a date: {text:?}").into(),
        )
    })
}

const HEAD_COLUMNS: &str = "p.id, p.upn, p.legal_forename, p.legal_surname, p.preferred_forename, \
    p.academy_id, p.reg_group, p.year_group, p.year_group_academic_year, p.left_on, p.joined_on";

/// The query for [`heads`] of every pupil (`one_academy` false) or one academy's (`?1`): the
/// academies in code order, each one's pupils read in order from the covering
/// `pupils_roll_order` index, so SQLite neither sorts nor visits the table.
fn heads_sql(one_academy: bool) -> String {
    format!(
        "SELECT {HEAD_COLUMNS} FROM pupils p JOIN academies a ON a.id = p.academy_id {}
         ORDER BY a.code, p.sort_key, p.upn",
        if one_academy {
            "WHERE p.academy_id = ?1"
        } else {
            ""
        }
    )
}

/// The pupils a status report covers, in the report's order (academy code, surname, forename,
/// UPN): every pupil, one academy's, or the one with `upn`. One query.
pub fn heads(
    conn: &Connection,
    academy_id: Option<i64>,
    upn: Option<&str>,
) -> Result<Vec<PupilHead>> {
    let head = |r: &rusqlite::Row<'_>| -> rusqlite::Result<PupilHead> {
        let left = r.get_ref(9)?;
        Ok(PupilHead {
            id: r.get(0)?,
            upn: r.get(1)?,
            name: display_name(
                r.get_ref(2)?.as_str()?,
                r.get_ref(3)?.as_str()?,
                r.get_ref(4)?.as_str_or_null()?,
            ),
            academy_id: r.get(5)?,
            reg_group: r.get(6)?,
            year_group: r.get(7)?,
            year_group_academic_year: r.get(8)?,
            left_on: match left {
                rusqlite::types::ValueRef::Null => None,
                v => Some(stored_date(v)?),
            },
            joined_on: optional_date(r.get_ref(10)?)?,
        })
    };
    let rows = match (upn, academy_id) {
        (Some(upn), _) => conn
            .prepare_cached(&format!(
                "SELECT {HEAD_COLUMNS} FROM pupils p
                 WHERE p.upn = ?1 AND (?2 IS NULL OR p.academy_id = ?2)"
            ))?
            .query_map(params![upn.trim().to_uppercase(), academy_id], head)?
            .collect::<rusqlite::Result<_>>(),
        (None, Some(id)) => conn
            .prepare_cached(&heads_sql(true))?
            .query_map([id], head)?
            .collect::<rusqlite::Result<_>>(),
        (None, None) => conn
            .prepare_cached(&heads_sql(false))?
            .query_map([], head)?
            .collect::<rusqlite::Result<_>>(),
    };
    Ok(rows?)
}

pub fn by_upn(conn: &Connection, upn: &str) -> Result<Option<Pupil>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM pupils p JOIN academies a ON a.id = p.academy_id WHERE p.upn = ?1"
        ))?
        .query_row([upn.trim().to_uppercase()], row)
        .optional()?)
}

/// The pupils with any of these UPNs (exactly as stored), in one query.
pub fn by_upns(conn: &Connection, upns: &[&str]) -> Result<Vec<Pupil>> {
    let list = serde_json::to_string(upns).map_err(|e| Error::Invalid(e.to_string()))?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM pupils p JOIN academies a ON a.id = p.academy_id
         WHERE p.upn IN (SELECT value FROM json_each(?1))"
    ))?;
    let rows = stmt.query_map([list], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The pupil with this UPN, or a clear "no such pupil" error.
pub fn require(conn: &Connection, upn: &str) -> Result<Pupil> {
    if let Some(p) = by_upn(conn, upn)? {
        return Ok(p);
    }
    // A form with the temporary UPN the child had before `pupils rekey`: name the new one.
    let key = upn.trim().to_uppercase();
    if let Some((now, on)) = crate::rekey::replaced_upns(conn)?.get(&key) {
        return Err(Error::NotFound(format!(
            "no pupil with UPN {key} on the register: it was replaced by {now} on {on}; use {now}"
        )));
    }
    Err(Error::NotFound(format!(
        "no pupil with UPN {} on the register",
        upn.trim()
    )))
}

pub fn by_id(conn: &Connection, id: i64) -> Result<Pupil> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM pupils p JOIN academies a ON a.id = p.academy_id WHERE p.id = ?1"
        ))?
        .query_row([id], row)?)
}

/// Where a pupil goes in an alphabetical list: the legal surname, then the forename, each as a
/// person alphabetises it — lower case, accents left out (Ó Súilleabháin among the Os, Żak
/// among the Zs; Łukasz as Lukasz, as the caption rule and search read names), apostrophes,
/// hyphens and full stops left out (O'Brien as Obrien). The two are joined by a character that
/// sorts before every letter, so "Li, Zoe" comes before "Lia, Amy".
pub fn sort_key(surname: &str, forename: &str) -> String {
    let part = |s: &str| -> String {
        rules::caption::fold(s)
            .chars()
            .filter(|c| !matches!(c, '\'' | '-' | '.' | '\u{2010}' | '\u{2011}'))
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!("{}\u{1}{}", part(surname), part(forename))
}

/// Writes every pupil's [`sort_key`]: the migration to schema 9, for the pupils already there.
pub fn fill_sort_keys(conn: &Connection) -> Result<()> {
    let names: Vec<(i64, String, String)> = conn
        .prepare("SELECT id, legal_surname, legal_forename FROM pupils")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut set = conn.prepare("UPDATE pupils SET sort_key = ?2 WHERE id = ?1")?;
    for (id, surname, forename) in names {
        set.execute(params![id, sort_key(&surname, &forename)])?;
    }
    Ok(())
}

/// Every pupil, optionally of one academy, ordered by academy, surname, forename.
pub fn list(conn: &Connection, academy_id: Option<i64>) -> Result<Vec<Pupil>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM pupils p JOIN academies a ON a.id = p.academy_id
         WHERE (?1 IS NULL OR p.academy_id = ?1)
         ORDER BY a.code, p.sort_key, p.upn"
    ))?;
    let rows = stmt.query_map([academy_id], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn payload(e: &RollEntry, academy: &str) -> serde_json::Value {
    serde_json::json!({
        "upn": e.upn, "legal_forename": e.legal_forename, "legal_surname": e.legal_surname,
        "preferred_forename": e.preferred_forename, "preferred_surname": e.preferred_surname,
        "dob": e.dob, "academy": academy,
        "reg_group": e.reg_group, "admission_number": e.admission_number,
        "year_group": e.year_group, "year_group_academic_year": e.year_group_academic_year,
    })
}

/// Adds a pupil to an academy's roll, on roll from `joined_on`.
pub fn insert(
    tx: &Transaction<'_>,
    academy_id: i64,
    academy_code: &str,
    e: &RollEntry,
    joined_on: Option<NaiveDate>,
    stamp: &Stamp,
) -> Result<i64> {
    let subject_id = uuid::Uuid::now_v7().to_string();
    tx.prepare_cached(
        "INSERT INTO pupils (subject_id, upn, legal_forename, legal_surname, preferred_forename, dob,
            academy_id, reg_group, admission_number, year_group, year_group_academic_year, left_on,
            created_at, updated_at, preferred_surname, joined_on, sort_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL, ?12, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        subject_id,
        e.upn,
        e.legal_forename,
        e.legal_surname,
        e.preferred_forename,
        e.dob,
        academy_id,
        e.reg_group,
        e.admission_number,
        e.year_group,
        e.year_group_academic_year,
        stamp.at,
        e.preferred_surname,
        joined_on,
        sort_key(&e.legal_surname, &e.legal_forename)
    ])?;
    let id = tx.last_insert_rowid();
    let mut details = payload(e, academy_code);
    details["joined_on"] = serde_json::json!(joined_on);
    stamp.audit(tx, "pupil.add", Some(&subject_of(&subject_id)), details)?;
    Ok(id)
}

/// Replaces a pupil's roll details as of `on`. A pupil who had left by then is re-admitted, on
/// roll again from `rejoined_on`; one due to leave before `roll_ends` (the first day after the
/// roll's school year) stays after all; a later leaving date stands.
#[allow(clippy::too_many_arguments)]
pub fn update(
    tx: &Transaction<'_>,
    pupil: &Pupil,
    academy_id: i64,
    academy_code: &str,
    e: &RollEntry,
    on: NaiveDate,
    rejoined_on: NaiveDate,
    roll_ends: NaiveDate,
    stamp: &Stamp,
) -> Result<()> {
    let dates = tx.prepare_cached(
        "UPDATE pupils SET legal_forename = ?2, legal_surname = ?3, preferred_forename = ?4, dob = ?5,
            academy_id = ?6, reg_group = ?7, admission_number = ?8, year_group = ?9,
            year_group_academic_year = ?10, updated_at = ?11, preferred_surname = ?12,
            sort_key = ?16,
            joined_on = CASE WHEN left_on IS NOT NULL AND left_on <= ?14 THEN ?13 ELSE joined_on END,
            left_on = CASE WHEN left_on >= ?15 THEN left_on ELSE NULL END
         WHERE id = ?1 RETURNING left_on, joined_on",
    )?
    .query_row(params![
        pupil.id,
        e.legal_forename,
        e.legal_surname,
        e.preferred_forename,
        e.dob,
        academy_id,
        e.reg_group,
        e.admission_number,
        e.year_group,
        e.year_group_academic_year,
        stamp.at,
        e.preferred_surname,
        rejoined_on,
        on,
        roll_ends,
        sort_key(&e.legal_surname, &e.legal_forename)
    ], |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, Option<String>>(1)?)))?;
    let (left_on, joined_on) = dates;
    let mut details = payload(e, academy_code);
    // The dates the update left, so that the log says all the record holds (`crosscheck`).
    details["left_on"] = serde_json::json!(left_on);
    details["joined_on"] = serde_json::json!(joined_on);
    stamp.audit(tx, "pupil.update", Some(&pupil.subject()), details)?;
    Ok(())
}

/// Marks a pupil as having left on a date. Never deletes.
pub fn mark_left(tx: &Transaction<'_>, pupil: &Pupil, on: NaiveDate, stamp: &Stamp) -> Result<()> {
    tx.prepare_cached("UPDATE pupils SET left_on = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![pupil.id, on, stamp.at])?;
    stamp.audit(
        tx,
        "pupil.left",
        Some(&pupil.subject()),
        serde_json::json!({"upn": pupil.upn, "left_on": on}),
    )?;
    Ok(())
}

impl RollEntry {
    /// Whether the register's record already says exactly this (an unchanged pupil is left alone).
    pub fn matches(&self, p: &Pupil, academy_id: i64) -> bool {
        p.left_on.is_none()
            && p.academy_id == academy_id
            && p.legal_forename == self.legal_forename
            && p.legal_surname == self.legal_surname
            && p.preferred_forename == self.preferred_forename
            && p.preferred_surname == self.preferred_surname
            && p.dob == self.dob
            && p.reg_group == self.reg_group
            && p.admission_number == self.admission_number
            && rules::year::ncy_advanced(
                p.year_group,
                p.year_group_academic_year,
                first_september(self.year_group_academic_year),
            ) == self.year_group
    }
}

pub(crate) fn first_september(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 9, 1).unwrap_or(NaiveDate::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_key_ignores_accents_case_lookalikes_and_punctuation() {
        assert_eq!(name_key("José O'Neil-Smith"), name_key("jose oneil smith"));
        assert_eq!(name_key("Zoë"), name_key("ZOE"));
        // A Cyrillic а typed for a Latin a.
        assert_eq!(name_key("Nаtalia"), name_key("Natalia"));
        assert_ne!(name_key("Ann"), name_key("Anne"));
        assert_ne!(name_key("Jo"), name_key("Joe"));
    }

    #[test]
    fn a_roll_is_read_in_order_from_the_index_without_sorting() {
        let conn = crate::db::open_in_memory().unwrap();
        for one_academy in [false, true] {
            let sql = format!("EXPLAIN QUERY PLAN {}", heads_sql(one_academy));
            let mut stmt = conn.prepare(&sql).unwrap();
            let params: &[&dyn rusqlite::ToSql] = if one_academy { &[&1] } else { &[] };
            let plan: Vec<String> = stmt
                .query_map(params, |r| r.get(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert!(
                plan.iter()
                    .any(|l| l.contains("COVERING INDEX pupils_roll_order")),
                "{plan:?}"
            );
            assert!(!plan.iter().any(|l| l.contains("TEMP B-TREE")), "{plan:?}");
        }
    }

    /// A Year 5 pupil (in 2025/26), born on the `n`th day of 2015 from 1 January.
    fn year_5(
        upn: &str,
        surname: &str,
        forename: &str,
        preferred: Option<&str>,
        n: usize,
    ) -> RollEntry {
        RollEntry {
            upn: upn.to_owned(),
            legal_forename: forename.into(),
            legal_surname: surname.into(),
            preferred_forename: preferred.map(str::to_owned),
            preferred_surname: None,
            dob: NaiveDate::from_ymd_opt(2015, 1, 1 + n as u32).unwrap(),
            reg_group: None,
            admission_number: None,
            year_group: 5,
            year_group_academic_year: 2025,
        }
    }

    #[test]
    fn heads_come_in_the_same_order_as_the_pupil_list_with_the_same_names_and_dates() {
        let mut conn = crate::db::open_in_memory().unwrap();
        let stamp = Stamp::new("office", "2025-09-01T00:00:00Z");
        let tx = crate::begin(&mut conn).unwrap();
        let oak = crate::academies::add(&tx, "OAK", "Oak", &stamp).unwrap();
        let ash = crate::academies::add(&tx, "ASH", "Ash", &stamp).unwrap();
        for (i, (academy, surname, forename, preferred)) in [
            (&oak, "smith", "Zoë", None),
            (&ash, "O'Brien", "Seán", Some("Sean")),
            (&oak, "Smith", "amelia", None),
            (&oak, "Ahmed", "Noah", Some("Noah")),
            (&ash, "brown", "Kai", None),
        ]
        .into_iter()
        .enumerate()
        {
            let e = year_5(&format!("U{i}"), surname, forename, preferred, i);
            let id = insert(&tx, academy.id, &academy.code, &e, None, &stamp).unwrap();
            if i == 2 {
                let p = by_id(&tx, id).unwrap();
                mark_left(
                    &tx,
                    &p,
                    NaiveDate::from_ymd_opt(2026, 2, 28).unwrap(),
                    &stamp,
                )
                .unwrap();
            }
        }
        tx.commit().unwrap();
        let listed: Vec<(String, String, Option<NaiveDate>)> = list(&conn, None)
            .unwrap()
            .into_iter()
            .map(|p| (p.upn.clone(), p.display_name(), p.left_on))
            .collect();
        let heads: Vec<(String, String, Option<NaiveDate>)> = heads(&conn, None, None)
            .unwrap()
            .into_iter()
            .map(|h| (h.upn, h.name, h.left_on))
            .collect();
        assert_eq!(heads, listed);
        assert_eq!(heads[0].1, "Kai brown");
        assert_eq!(heads[1].1, "Sean (Seán) O'Brien");
        assert_eq!(heads[3].2, NaiveDate::from_ymd_opt(2026, 2, 28));
        let one = super::heads(&conn, Some(oak.id), Some(" u3 ")).unwrap();
        assert_eq!(one.len(), 1);
        assert!(
            super::heads(&conn, Some(ash.id), Some("U3"))
                .unwrap()
                .is_empty()
        );
    }

    /// Names in the order a person alphabetises them, accents or not: before schema 9, NOCASE
    /// put Émond, Ó Súilleabháin and Żak after Zac. A register made before keeps its pupils and
    /// gets the order when it is opened.
    #[test]
    fn pupils_are_listed_alphabetically_whatever_their_accents_also_after_an_upgrade() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite3");
        let mut conn = crate::db::open(&path).unwrap();
        let stamp = Stamp::new("office", "2025-09-01T00:00:00Z");
        let tx = crate::begin(&mut conn).unwrap();
        let oak = crate::academies::add(&tx, "OAK", "Oak", &stamp).unwrap();
        let names = [
            ("Żak", "Ola"),
            ("Zac", "Tom"),
            ("Wójcik", "Łukasz"),
            ("O'Brien", "Seán"),
            ("Oakley", "Amy"),
            ("Ó Súilleabháin", "Aoife"),
            ("Lia", "Amy"),
            ("Li", "Zoë"),
            ("Émond", "Luc"),
            ("Dean", "Kai"),
            ("de Souza", "Ana"),
        ];
        for (i, (surname, forename)) in names.into_iter().enumerate() {
            let e = year_5(&format!("U{i:02}"), surname, forename, None, i);
            insert(&tx, oak.id, &oak.code, &e, None, &stamp).unwrap();
        }
        tx.commit().unwrap();
        let expected = [
            "de Souza",
            "Dean",
            "Émond",
            "Li",
            "Lia",
            "Ó Súilleabháin",
            "Oakley",
            "O'Brien",
            "Wójcik",
            "Zac",
            "Żak",
        ];
        let order = |conn: &Connection| -> (Vec<String>, Vec<String>) {
            (
                list(conn, None)
                    .unwrap()
                    .into_iter()
                    .map(|p| p.legal_surname)
                    .collect(),
                heads(conn, None, None)
                    .unwrap()
                    .into_iter()
                    .map(|h| by_upn(conn, &h.upn).unwrap().unwrap().legal_surname)
                    .collect(),
            )
        };
        let (listed, read) = order(&conn);
        assert_eq!(listed, expected);
        assert_eq!(read, expected);

        // As schema 8 left it: no sort key, the NOCASE index.
        conn.execute_batch(
            "DROP INDEX pupils_roll_order; ALTER TABLE pupils DROP COLUMN sort_key;
             CREATE INDEX pupils_roll_order ON pupils(academy_id, legal_surname COLLATE NOCASE,
                 legal_forename COLLATE NOCASE, upn, preferred_forename, reg_group, year_group,
                 year_group_academic_year, left_on, joined_on);
             PRAGMA user_version = 8;",
        )
        .unwrap();
        drop(conn);
        let conn = crate::db::open(&path).unwrap();
        let (listed, read) = order(&conn);
        assert_eq!(listed, expected);
        assert_eq!(read, expected);
    }
}
