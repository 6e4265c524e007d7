//! The `consent_digests` table: each pupil's consent answers in a compact binary form, so that
//! the trust-wide status reads one row per pupil instead of every answer (issue 3's 50 ms).
//!
//! Derived data: [`rebuild`] rewrites a pupil's digest from `consent_answers` inside the
//! transaction that records an answer; the migration that created the table rebuilds them all;
//! [`verify`] compares every digest with the answers.
//!
//! Format (little-endian): a version byte, then per answer: id `i64`, signatory `u8`, channel
//! `u8`, granted `u8`, signer number `u16` ([`NO_SIGNER`] for the unnamed signer), signed on and
//! expires on as days from 1 January of year 1 (`i32`, [`NO_DATE`] for no expiry), then the
//! signer's name as recorded: length `u16` and UTF-8 bytes.

use std::collections::HashMap;
use std::ops::Range;

use chrono::{Datelike, NaiveDate};
use rules::consent::{Answer, Channel, Fact, Signatory, SignerNames, UNNAMED, signer_numbers};
use rusqlite::{Connection, params};

use crate::{Error, Result};

const VERSION: u8 = 1;
const NO_SIGNER: u16 = u16::MAX;
const NO_DATE: i32 = i32::MIN;
/// Bytes of one answer before its name.
const FIXED: usize = 8 + 1 + 1 + 1 + 2 + 4 + 4 + 2;

fn encode(rows: &[Answer]) -> Result<Vec<u8>> {
    let numbers = signer_numbers(rows.iter().map(|r| r.signer.as_deref()));
    let mut out = Vec::with_capacity(1 + rows.len() * (FIXED + 16));
    out.push(VERSION);
    for (r, number) in rows.iter().zip(numbers) {
        let signer = if number == UNNAMED {
            NO_SIGNER
        } else {
            // Numbers are answer positions; a pupil with 65,535 answers is not a school's.
            u16::try_from(number)
                .ok()
                .filter(|&n| n != NO_SIGNER)
                .ok_or_else(|| Error::Invalid("too many consent answers for one pupil".into()))?
        };
        let name = r.signer.as_deref().unwrap_or("").as_bytes();
        let name_len = u16::try_from(name.len())
            .map_err(|_| Error::Invalid("a signer's name is too long".into()))?;
        out.extend_from_slice(&r.id.to_le_bytes());
        out.push(signatory_code(r.signatory));
        out.push(channel_code(r.channel));
        out.push(u8::from(r.granted));
        out.extend_from_slice(&signer.to_le_bytes());
        out.extend_from_slice(&r.signed_on.num_days_from_ce().to_le_bytes());
        let expires = r.expires_on.map_or(NO_DATE, |d| d.num_days_from_ce());
        out.extend_from_slice(&expires.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(name);
    }
    Ok(out)
}

fn signatory_code(s: Signatory) -> u8 {
    match s {
        Signatory::Parent => 0,
        Signatory::Pupil => 1,
    }
}

fn channel_code(c: Channel) -> u8 {
    match c {
        Channel::AcademySocial => 0,
        Channel::TrustSocial => 1,
        Channel::Website => 2,
        Channel::Print => 3,
        Channel::Press => 4,
    }
}

fn corrupt(pupil_id: i64) -> Error {
    Error::Invalid(format!(
        "the consent summary of pupil {pupil_id} is unreadable; run `clearshot check --repair` \
         to rebuild it from the recorded answers"
    ))
}

/// A hasher for maps keyed by row ids: ids are not attacker-chosen, and SipHash showed up in
/// the trust-wide status profile. Fibonacci hashing of the id.
#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_i64(&mut self, id: i64) {
        self.0 = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A map keyed by row id, with [`IdHasher`].
pub type IdMap<V> = HashMap<i64, V, std::hash::BuildHasherDefault<IdHasher>>;

/// The answers of many pupils, decoded: compact facts, the signers' names in one buffer, and
/// each pupil's slice of the facts.
#[derive(Debug, Default)]
pub struct Digests {
    pub facts: Vec<Fact>,
    text: String,
    /// (start, end) of each name in `text`; a fact's `name` indexes this.
    spans: Vec<(u32, u32)>,
    by_pupil: IdMap<Range<usize>>,
}

impl Digests {
    /// One pupil's facts (empty when they have no answers).
    pub fn of(&self, pupil_id: i64) -> &[Fact] {
        self.by_pupil
            .get(&pupil_id)
            .map_or(&[], |r| &self.facts[r.clone()])
    }

    /// How many answers were read.
    pub fn len(&self) -> usize {
        self.facts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    fn decode(&mut self, pupil_id: i64, blob: &[u8]) -> Result<()> {
        let bad = || corrupt(pupil_id);
        let (&version, mut rest) = blob.split_first().ok_or_else(bad)?;
        if version != VERSION {
            return Err(bad());
        }
        let start = self.facts.len();
        let mut last_day: Option<(i32, NaiveDate)> = None;
        while !rest.is_empty() {
            if rest.len() < FIXED {
                return Err(bad());
            }
            let (fixed, tail) = rest.split_at(FIXED);
            let i64_at = |o: usize| fixed[o..o + 8].try_into().map(i64::from_le_bytes);
            let i32_at = |o: usize| fixed[o..o + 4].try_into().map(i32::from_le_bytes);
            let u16_at = |o: usize| fixed[o..o + 2].try_into().map(u16::from_le_bytes);
            let id = i64_at(0).map_err(|_| bad())?;
            let signatory = match fixed[8] {
                0 => Signatory::Parent,
                1 => Signatory::Pupil,
                _ => return Err(bad()),
            };
            let channel = match fixed[9] {
                0 => Channel::AcademySocial,
                1 => Channel::TrustSocial,
                2 => Channel::Website,
                3 => Channel::Print,
                4 => Channel::Press,
                _ => return Err(bad()),
            };
            let granted = match fixed[10] {
                0 => false,
                1 => true,
                _ => return Err(bad()),
            };
            let signer = u16_at(11).map_err(|_| bad())?;
            // A form's answers share their dates: convert a day number once.
            let mut day = |d: i32| -> Result<NaiveDate> {
                match last_day {
                    Some((raw, date)) if raw == d => Ok(date),
                    _ => {
                        let date = NaiveDate::from_num_days_from_ce_opt(d).ok_or_else(bad)?;
                        last_day = Some((d, date));
                        Ok(date)
                    }
                }
            };
            let signed_on = day(i32_at(13).map_err(|_| bad())?)?;
            let expires = i32_at(17).map_err(|_| bad())?;
            let expires_on = if expires == NO_DATE {
                None
            } else {
                Some(day(expires)?)
            };
            let name_len = usize::from(u16_at(21).map_err(|_| bad())?);
            if tail.len() < name_len {
                return Err(bad());
            }
            let (name, after) = tail.split_at(name_len);
            // A form's answers repeat the signer's name: keep it once.
            let previous = self.facts[start..].last().map(|f| f.name);
            let name_index = if name.is_empty() {
                UNNAMED
            } else if let Some(prev) = previous.filter(|&p| {
                self.spans.get(p as usize).is_some_and(|&(a, b)| {
                    self.text.as_bytes().get(a as usize..b as usize) == Some(name)
                })
            }) {
                prev
            } else {
                let name = std::str::from_utf8(name).map_err(|_| bad())?;
                let begin = self.text.len();
                self.text.push_str(name);
                self.spans.push((begin as u32, self.text.len() as u32));
                (self.spans.len() - 1) as u32
            };
            self.facts.push(Fact {
                id,
                signatory,
                signer: if signer == NO_SIGNER {
                    UNNAMED
                } else {
                    u32::from(signer)
                },
                name: name_index,
                channel,
                granted,
                signed_on,
                expires_on,
            });
            rest = after;
        }
        self.by_pupil.insert(pupil_id, start..self.facts.len());
        Ok(())
    }
}

impl SignerNames for Digests {
    fn name(&self, index: u32) -> Option<&str> {
        let &(a, b) = self.spans.get(index as usize)?;
        self.text.get(a as usize..b as usize)
    }
}

/// The digests of every pupil, or one academy's, or one pupil's: one query.
pub fn read(conn: &Connection, academy_id: Option<i64>, pupil_id: Option<i64>) -> Result<Digests> {
    // Separate statements, so that each uses its index.
    let mut stmt = match (pupil_id, academy_id) {
        (Some(_), _) => conn
            .prepare_cached("SELECT pupil_id, answers FROM consent_digests WHERE pupil_id = ?1")?,
        (None, Some(_)) => conn.prepare_cached(
            "SELECT d.pupil_id, d.answers FROM pupils p JOIN consent_digests d ON d.pupil_id = p.id
             WHERE p.academy_id = ?1",
        )?,
        (None, None) => conn.prepare_cached("SELECT pupil_id, answers FROM consent_digests")?,
    };
    let mut rows = match (pupil_id, academy_id) {
        (Some(id), _) | (None, Some(id)) => stmt.query([id])?,
        (None, None) => stmt.query([])?,
    };
    let mut digests = Digests::default();
    if pupil_id.is_none() {
        digests.facts.reserve(1 << 16);
    }
    while let Some(row) = rows.next()? {
        let pupil_id: i64 = row.get(0)?;
        let blob = row.get_ref(1)?.as_blob().map_err(|_| corrupt(pupil_id))?;
        digests.decode(pupil_id, blob)?;
    }
    Ok(digests)
}

fn group(rows: Vec<(i64, Answer)>) -> Vec<(i64, Vec<Answer>)> {
    let mut out: Vec<(i64, Vec<Answer>)> = Vec::new();
    for (pupil_id, row) in rows {
        match out.last_mut() {
            Some((p, v)) if *p == pupil_id => v.push(row),
            _ => out.push((pupil_id, vec![row])),
        }
    }
    out
}

/// Rewrites one pupil's digest from their answers: call inside the transaction that records
/// an answer.
pub fn rebuild(conn: &Connection, pupil_id: i64) -> Result<()> {
    let rows: Vec<Answer> = crate::consents::rule_answers(conn, Some(pupil_id))?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    write(conn, pupil_id, &rows)
}

fn write(conn: &Connection, pupil_id: i64, rows: &[Answer]) -> Result<()> {
    if rows.is_empty() {
        conn.prepare_cached("DELETE FROM consent_digests WHERE pupil_id = ?1")?
            .execute([pupil_id])?;
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO consent_digests (pupil_id, answers) VALUES (?1, ?2)
         ON CONFLICT (pupil_id) DO UPDATE SET answers = excluded.answers",
    )?
    .execute(params![pupil_id, encode(rows)?])?;
    Ok(())
}

/// Rebuilds every pupil's digest (the migration that creates the table, and repair).
pub fn rebuild_all(conn: &Connection) -> Result<usize> {
    conn.execute("DELETE FROM consent_digests", [])?;
    let groups = group(crate::consents::rule_answers(conn, None)?);
    for (pupil_id, rows) in &groups {
        write(conn, *pupil_id, rows)?;
    }
    Ok(groups.len())
}

/// Pupils whose digest does not match their answers (missing, stale, unreadable or orphaned).
pub fn verify(conn: &Connection) -> Result<Vec<i64>> {
    let mut expected: HashMap<i64, Vec<u8>> = HashMap::new();
    for (pupil_id, rows) in group(crate::consents::rule_answers(conn, None)?) {
        expected.insert(pupil_id, encode(&rows)?);
    }
    let mut stmt = conn.prepare("SELECT pupil_id, answers FROM consent_digests")?;
    let mut rows = stmt.query([])?;
    let mut bad = Vec::new();
    while let Some(row) = rows.next()? {
        let pupil_id: i64 = row.get(0)?;
        let blob = row.get_ref(1)?.as_blob().ok();
        match expected.remove(&pupil_id) {
            Some(want) if blob == Some(want.as_slice()) => {}
            _ => bad.push(pupil_id),
        }
    }
    bad.extend(expected.into_keys());
    bad.sort_unstable();
    Ok(bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consents::{Form, record_form};
    use crate::test_support::{d, stamp};

    fn add_pupil(conn: &mut Connection, upn: &str) -> crate::pupils::Pupil {
        crate::test_support::add_pupil(conn, upn, "Ann")
    }

    fn record(conn: &mut Connection, p: &crate::pupils::Pupil, signer: Option<&str>, on: &str) {
        let tx = crate::begin(conn).unwrap();
        let form = Form {
            signatory: Signatory::Parent,
            signer_name: signer.map(str::to_owned),
            relationship: None,
            signed_on: d(on),
            expires_on: Some(d("2027-08-31")),
            evidence_sha256: None,
            answers: vec![(Channel::Website, true), (Channel::Press, false)],
        };
        record_form(&tx, p, &form, &stamp()).unwrap();
        tx.commit().unwrap();
    }

    #[test]
    fn recording_a_form_keeps_the_digest_equal_to_the_answers() {
        let mut conn = crate::db::open_in_memory().unwrap();
        let a = add_pupil(&mut conn, "A1");
        let b = add_pupil(&mut conn, "B1");
        record(&mut conn, &a, Some("Jane  Doe"), "2025-09-05");
        record(&mut conn, &a, Some("jane doe"), "2025-09-06");
        record(&mut conn, &a, None, "2025-09-07");
        record(&mut conn, &b, Some("Zoë O'Brien"), "2025-09-05");
        assert!(verify(&conn).unwrap().is_empty());

        let all = read(&conn, None, None).unwrap();
        assert_eq!(all.len(), 8);
        let facts = all.of(a.id);
        assert_eq!(facts.len(), 6);
        // The same signer however the name was typed; the unnamed signer is apart.
        assert_eq!(facts[0].signer, facts[2].signer);
        assert_ne!(facts[0].signer, UNNAMED);
        assert_eq!(facts[4].signer, UNNAMED);
        assert_eq!(facts[4].name, UNNAMED);
        assert_eq!(all.name(facts[2].name), Some("jane doe"));
        assert_eq!(facts[1].channel, Channel::Press);
        assert!(!facts[1].granted);
        assert_eq!(facts[0].expires_on, Some(d("2027-08-31")));
        assert_eq!(all.name(all.of(b.id)[0].name), Some("Zoë O'Brien"));

        let one = read(&conn, None, Some(b.id)).unwrap();
        assert_eq!(one.len(), 2);
        assert!(one.of(a.id).is_empty());
    }

    #[test]
    fn a_stale_or_damaged_digest_is_found_and_rebuilt() {
        let mut conn = crate::db::open_in_memory().unwrap();
        let a = add_pupil(&mut conn, "A1");
        let b = add_pupil(&mut conn, "B1");
        record(&mut conn, &a, Some("Jane"), "2025-09-05");
        record(&mut conn, &b, Some("Sam"), "2025-09-05");
        conn.execute(
            "UPDATE consent_digests SET answers = x'01ff' WHERE pupil_id = ?1",
            [a.id],
        )
        .unwrap();
        conn.execute("DELETE FROM consent_digests WHERE pupil_id = ?1", [b.id])
            .unwrap();
        assert_eq!(verify(&conn).unwrap(), vec![a.id, b.id]);
        let err = read(&conn, None, None).unwrap_err();
        assert!(err.to_string().contains("unreadable"), "{err}");
        let health = crate::backup::health(&conn).unwrap();
        assert!(
            health
                .problems
                .iter()
                .any(|p| p.contains("consent summary of 2 pupil(s)")),
            "{:?}",
            health.problems
        );
        assert_eq!(rebuild_all(&conn).unwrap(), 2);
        assert!(verify(&conn).unwrap().is_empty());
        assert!(crate::backup::health(&conn).unwrap().ok());
    }

    /// Takes a register back from schema 8 (withdrawal details) to 7.
    const UNDO_SCHEMA_8: &str = "ALTER TABLE consent_withdrawals DROP COLUMN signer_name;
        ALTER TABLE consent_withdrawals DROP COLUMN relationship;
        ALTER TABLE consent_withdrawals DROP COLUMN note;
        ALTER TABLE consent_withdrawals DROP COLUMN evidence_sha256;";

    /// Takes a register from schema 9 (the name order) to 8, once its roll-order index is gone.
    const UNDO_SCHEMA_9: &str = "ALTER TABLE pupils DROP COLUMN sort_key;";

    #[test]
    fn opening_a_schema_2_register_builds_the_digests_of_its_answers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite3");
        let mut conn = crate::db::open(&path).unwrap();
        let a = add_pupil(&mut conn, "A1");
        record(&mut conn, &a, Some("Jane"), "2025-09-05");
        // Back to how schema 2 left it: no digest table (nor anything later).
        conn.execute_batch(&format!(
            "DROP TABLE consent_voids; DROP TABLE pupil_subject_aliases; DROP TABLE consent_digests; DROP INDEX pupils_roll_order;
             {UNDO_SCHEMA_9} ALTER TABLE pupils DROP COLUMN joined_on;
             CREATE INDEX pupils_academy ON pupils(academy_id);
             ALTER TABLE pupils DROP COLUMN preferred_surname; {UNDO_SCHEMA_8} PRAGMA user_version = 2;"
        ))
        .unwrap();
        drop(conn);
        let conn = crate::db::open(&path).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, crate::db::schema_version());
        assert!(verify(&conn).unwrap().is_empty());
        assert_eq!(read(&conn, None, None).unwrap().len(), 2);
    }

    #[test]
    fn opening_a_schema_5_register_rebuilds_the_digests_with_relationships_and_voids() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite3");
        let mut conn = crate::db::open(&path).unwrap();
        let a = add_pupil(&mut conn, "A1");
        let tx = crate::begin(&mut conn).unwrap();
        for (relationship, granted) in [("mother", false), ("father", true)] {
            let form = Form {
                signatory: Signatory::Parent,
                signer_name: None,
                relationship: Some(relationship.into()),
                signed_on: d("2025-09-05"),
                expires_on: None,
                evidence_sha256: None,
                answers: vec![(Channel::Website, granted)],
            };
            record_form(&tx, &a, &form, &stamp()).unwrap();
        }
        tx.commit().unwrap();
        // As schema 5 left it: the digest built from the name alone (here, none).
        let by_name_only: Vec<Answer> = crate::consents::rule_answers(&conn, Some(a.id))
            .unwrap()
            .into_iter()
            .map(|(_, r)| Answer { signer: None, ..r })
            .collect();
        write(&conn, a.id, &by_name_only).unwrap();
        assert_eq!(verify(&conn).unwrap(), vec![a.id]);
        conn.execute_batch(&format!(
            "DROP TABLE consent_voids; DROP INDEX pupils_roll_order;
             {UNDO_SCHEMA_9} ALTER TABLE pupils DROP COLUMN joined_on;
             CREATE INDEX pupils_roll_order ON pupils(academy_id, legal_surname COLLATE NOCASE,
                 legal_forename COLLATE NOCASE, upn, preferred_forename, reg_group, year_group,
                 year_group_academic_year, left_on);
             {UNDO_SCHEMA_8} PRAGMA user_version = 5;"
        ))
        .unwrap();
        drop(conn);
        let conn = crate::db::open(&path).unwrap();
        assert!(verify(&conn).unwrap().is_empty());
        // The unnamed mother and father are two signers now.
        let all = read(&conn, None, None).unwrap();
        let facts = all.of(a.id);
        assert_eq!(facts.len(), 2);
        assert!(facts[0].signer != facts[1].signer, "{facts:?}");
    }

    #[test]
    fn every_channel_signatory_and_date_survives_the_round_trip() {
        let mut rows = Vec::new();
        for (i, channel) in Channel::ALL.into_iter().enumerate() {
            for signatory in Signatory::ALL {
                rows.push(Answer {
                    id: rows.len() as i64 + 1,
                    signatory,
                    signer: (i % 2 == 0).then(|| format!("Signer {i} Ñoño")),
                    channel,
                    granted: i % 3 != 0,
                    signed_on: d("2025-09-05") + chrono::Days::new(i as u64),
                    expires_on: (i % 2 == 1).then(|| d("2099-12-31")),
                });
            }
        }
        let mut digests = Digests::default();
        digests.decode(7, &encode(&rows).unwrap()).unwrap();
        let facts = digests.of(7);
        assert_eq!(facts.len(), rows.len());
        for (f, r) in facts.iter().zip(&rows) {
            assert_eq!(
                (
                    f.id,
                    f.signatory,
                    f.channel,
                    f.granted,
                    f.signed_on,
                    f.expires_on
                ),
                (
                    r.id,
                    r.signatory,
                    r.channel,
                    r.granted,
                    r.signed_on,
                    r.expires_on
                )
            );
            assert_eq!(digests.name(f.name), r.signer.as_deref());
        }
    }

    #[test]
    fn garbage_in_a_digest_is_an_error_never_a_panic() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let valid = encode(&[Answer {
            id: 7,
            signatory: Signatory::Pupil,
            signer: Some("Kai".into()),
            channel: Channel::Print,
            granted: true,
            signed_on: d("2025-09-05"),
            expires_on: None,
        }])
        .unwrap();
        let mut ok = Digests::default();
        ok.decode(1, &valid).unwrap();
        assert_eq!(ok.facts[0].channel, Channel::Print);
        for len in 0..200 {
            let mut blob: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            let _ = Digests::default().decode(1, &blob);
            // A valid digest cut short or with one byte changed.
            blob = valid.clone();
            blob.truncate(len % valid.len());
            let _ = Digests::default().decode(1, &blob);
            let mut flipped = valid.clone();
            flipped[len % valid.len()] ^= 0xA5;
            let _ = Digests::default().decode(1, &flipped);
        }
    }
}
