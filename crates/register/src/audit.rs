//! The tamper-evident audit log: every change to the register appends an entry, in the same
//! transaction, whose SHA-256 covers the entry and the previous entry's hash.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The hash the first entry chains from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    /// A pseudonymous subject: `pupil:<uuid>`, `academy:<code>`, `photo:<sha256>`…
    pub subject: Option<String>,
    /// JSON; `None` once redacted by retention.
    pub payload: Option<serde_json::Value>,
    pub payload_sha256: String,
    pub prev_hash: String,
    pub hash: String,
}

/// A new entry to append.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub at: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: Option<&'a str>,
    pub payload: serde_json::Value,
}

/// The canonical serialisation the hash covers: a JSON array in fixed order (serde_json writes
/// strings and integers in exactly one way).
fn entry_hash(
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    subject: Option<&str>,
    payload_sha256: &str,
    prev_hash: &str,
) -> String {
    let canonical = serde_json::json!([seq, at, actor, action, subject, payload_sha256, prev_hash]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

fn payload_hash(payload_text: &str) -> String {
    hex::encode(Sha256::digest(payload_text.as_bytes()))
}

/// Appends an entry. Call it inside the transaction that makes the change it records.
pub fn append(conn: &Connection, entry: &NewEntry<'_>) -> Result<Entry> {
    // Cached: an import appends one entry per pupil, and re-preparing this was measurable.
    let head: Option<(i64, String)> = conn
        .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, prev_hash) = match head {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let payload_text = entry.payload.to_string();
    let psha = payload_hash(&payload_text);
    let hash = entry_hash(
        seq,
        entry.at,
        entry.actor,
        entry.action,
        entry.subject,
        &psha,
        &prev_hash,
    );
    conn.prepare_cached(
        "INSERT INTO audit_log (seq, at, actor, action, subject, payload, payload_sha256, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        seq,
        entry.at,
        entry.actor,
        entry.action,
        entry.subject,
        payload_text,
        psha,
        prev_hash,
        hash
    ])?;
    Ok(Entry {
        seq,
        at: entry.at.to_string(),
        actor: entry.actor.to_string(),
        action: entry.action.to_string(),
        subject: entry.subject.map(str::to_string),
        payload: Some(entry.payload.clone()),
        payload_sha256: psha,
        prev_hash,
        hash,
    })
}

/// The result of walking the chain.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Verification {
    pub entries: i64,
    pub ok: bool,
    /// The hash of the last entry: write it down (backups do) to detect a truncated tail.
    pub head: String,
    /// The first entry that fails, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_bad_seq: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Entries whose payload was redacted by retention (still verified through its hash).
    pub redacted: i64,
}

/// Walks the whole chain: each entry's hash, its link to the previous one, its payload hash,
/// and that sequence numbers run 1, 2, 3… with nothing removed or inserted.
pub fn verify(conn: &Connection) -> Result<Verification> {
    // Retention removes the details of the entries about the pupils it deletes, and nothing
    // else: an entry without its details about anyone else was blanked by hand.
    // The pupils on the register, and the records merged into theirs (schema 4 on; a backup
    // made before has none).
    let has_aliases: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'pupil_subject_aliases'",
        [],
        |r| r.get(0),
    )?;
    let mut on_register: std::collections::HashSet<String> = conn
        .prepare(if has_aliases > 0 {
            "SELECT subject_id FROM pupils UNION ALL SELECT subject_id FROM pupil_subject_aliases"
        } else {
            "SELECT subject_id FROM pupils"
        })?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<_>>()?;
    // The merges the log itself records too: deleting the table's rows does not make a merged
    // record's entries look purged.
    on_register.extend(crate::rekey::aliases_in_log(conn)?.into_keys());
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, subject, payload, payload_sha256, prev_hash, hash
         FROM audit_log ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_string();
    let mut count = 0i64;
    let mut redacted = 0i64;
    let fail = |seq: i64, count: i64, head: &str, problem: String, redacted| Verification {
        entries: count,
        ok: false,
        head: head.to_string(),
        first_bad_seq: Some(seq),
        problem: Some(problem),
        redacted,
    };
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let at: String = r.get(1)?;
        let actor: String = r.get(2)?;
        let action: String = r.get(3)?;
        let subject: Option<String> = r.get(4)?;
        let payload: Option<String> = r.get(5)?;
        let psha: String = r.get(6)?;
        let prev_hash: String = r.get(7)?;
        let hash: String = r.get(8)?;
        count += 1;
        if seq != expected_seq {
            let problem = if seq > expected_seq {
                format!("entry {expected_seq} is missing (the next entry is {seq})")
            } else {
                format!("entry {seq} is out of order")
            };
            return Ok(fail(expected_seq, count, &prev, problem, redacted));
        }
        if prev_hash != prev {
            return Ok(fail(
                seq,
                count,
                &prev,
                format!("entry {seq} does not link to entry {}", seq - 1),
                redacted,
            ));
        }
        match &payload {
            Some(text) if payload_hash(text) != psha => {
                return Ok(fail(
                    seq,
                    count,
                    &prev,
                    format!(
                        "entry {seq} ({action}) was altered: its details do not match their hash"
                    ),
                    redacted,
                ));
            }
            Some(_) => {}
            None => {
                let purged = subject
                    .as_deref()
                    .and_then(|s| s.strip_prefix("pupil:"))
                    .is_some_and(|id| !on_register.contains(id));
                if !purged {
                    return Ok(fail(
                        seq,
                        count,
                        &prev,
                        format!(
                            "entry {seq} ({action}) has had its details removed, but retention removes only those of the pupils it deleted"
                        ),
                        redacted,
                    ));
                }
                redacted += 1;
            }
        }
        let recomputed = entry_hash(
            seq,
            &at,
            &actor,
            &action,
            subject.as_deref(),
            &psha,
            &prev_hash,
        );
        if recomputed != hash {
            return Ok(fail(
                seq,
                count,
                &prev,
                format!("entry {seq} ({action}) was altered: its hash does not match its contents"),
                redacted,
            ));
        }
        prev = hash;
        expected_seq += 1;
    }
    Ok(Verification {
        entries: count,
        ok: true,
        head: prev,
        first_bad_seq: None,
        problem: None,
        redacted,
    })
}

/// Entries, oldest first, optionally from a date (`at >= since`) and for one subject.
pub fn list(conn: &Connection, since: Option<&str>, subject: Option<&str>) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, subject, payload, payload_sha256, prev_hash, hash
         FROM audit_log
         WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR subject = ?2)
         ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![since, subject], |r| {
        let payload: Option<String> = r.get(5)?;
        Ok((
            Entry {
                seq: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                subject: r.get(4)?,
                payload: None,
                payload_sha256: r.get(6)?,
                prev_hash: r.get(7)?,
                hash: r.get(8)?,
            },
            payload,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (mut entry, payload) = row?;
        entry.payload =
            match payload {
                Some(text) => Some(serde_json::from_str(&text).map_err(|e| {
                    Error::Corrupt(format!("audit entry {} payload: {e}", entry.seq))
                })?),
                None => None,
            };
        out.push(entry);
    }
    Ok(out)
}

/// What people are shown in place of a never-publish flag's reason (DOMAIN.md: it is visible
/// only to people who need it, through the audited `pupils reveal-reason`).
pub const WITHHELD_REASON: &str = "(withheld: safeguarding; see `clearshot pupils reveal-reason`)";

/// Entries as people see them (the CLI's `audit log`, the app's audit view): as [`list`], with
/// the reasons of never-publish flags withheld. The stored payload and its hash are untouched,
/// so [`verify`] still covers the reason.
pub fn list_for_display(
    conn: &Connection,
    since: Option<&str>,
    subject: Option<&str>,
) -> Result<Vec<Entry>> {
    let mut entries = list(conn, since, subject)?;
    for entry in &mut entries {
        withhold_safeguarding_reason(entry);
    }
    Ok(entries)
}

/// Replaces the reason of a never-publish flag's setting or clearing with [`WITHHELD_REASON`].
fn withhold_safeguarding_reason(entry: &mut Entry) {
    withhold_safeguarding(entry, &["reason"], WITHHELD_REASON);
}

/// Replaces the given fields of a never-publish flag's entries (`flag.set`, `flag.clear`,
/// `flag.reveal`) with `words`.
pub fn withhold_safeguarding(entry: &mut Entry, fields: &[&str], words: &str) {
    if !entry.action.starts_with("flag.") {
        return;
    }
    if let Some(serde_json::Value::Object(payload)) = entry.payload.as_mut()
        && payload.get("kind").and_then(|k| k.as_str())
            == Some(crate::flags::FlagKind::NeverPublish.as_str())
    {
        for field in fields {
            if let Some(value) = payload.get_mut(*field) {
                *value = words.into();
            }
        }
    }
}

/// Entries that mention a subject in their payload or as their subject (for subject access).
pub fn entries_about(conn: &Connection, subject: &str) -> Result<Vec<Entry>> {
    entries_about_any(conn, &[subject.to_owned()])
}

/// The entries about any of `subjects` (a pupil and the records merged into theirs), oldest
/// first, each once.
pub fn entries_about_any(conn: &Connection, subjects: &[String]) -> Result<Vec<Entry>> {
    Ok(list(conn, None, None)?
        .into_iter()
        .filter(|e| mentions(e, subjects))
        .collect())
}

/// Whether an entry is about one of `subjects`, or mentions one in its payload.
pub fn mentions(e: &Entry, subjects: &[String]) -> bool {
    subjects.iter().any(|subject| {
        e.subject.as_deref() == Some(subject.as_str())
            || e.payload
                .as_ref()
                .is_some_and(|p| p.to_string().contains(subject.as_str()))
    })
}

/// Retention: removes the payload (personal data) of every entry about `subject`, keeping the
/// payload hash so the chain still verifies.
pub fn redact_subject(conn: &Connection, subject: &str) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE audit_log SET payload = NULL WHERE subject = ?1 AND payload IS NOT NULL",
        [subject],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::open_in_memory;

    fn add(conn: &Connection, n: usize) {
        for i in 0..n {
            append(
                conn,
                &NewEntry {
                    at: "2026-01-01T00:00:00Z",
                    actor: "office",
                    action: "test",
                    subject: Some("pupil:x"),
                    payload: serde_json::json!({"i": i}),
                },
            )
            .unwrap();
        }
    }

    fn unlock(conn: &Connection) {
        // An attacker with the sqlite3 shell can drop the triggers; the chain must still catch it.
        conn.execute_batch("DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_log_redact_only;")
            .unwrap();
    }

    #[test]
    fn an_intact_chain_verifies() {
        let conn = open_in_memory().unwrap();
        add(&conn, 5);
        let v = verify(&conn).unwrap();
        assert!(v.ok);
        assert_eq!(v.entries, 5);
    }

    #[test]
    fn an_altered_payload_is_named() {
        let conn = open_in_memory().unwrap();
        add(&conn, 5);
        unlock(&conn);
        conn.execute(
            "UPDATE audit_log SET payload = '{\"i\":99}' WHERE seq = 3",
            [],
        )
        .unwrap();
        let v = verify(&conn).unwrap();
        assert!(!v.ok);
        assert_eq!(v.first_bad_seq, Some(3));
    }

    #[test]
    fn an_altered_actor_is_named() {
        let conn = open_in_memory().unwrap();
        add(&conn, 5);
        unlock(&conn);
        conn.execute("UPDATE audit_log SET actor = 'someone' WHERE seq = 2", [])
            .unwrap();
        assert_eq!(verify(&conn).unwrap().first_bad_seq, Some(2));
    }

    #[test]
    fn a_removed_entry_is_named() {
        let conn = open_in_memory().unwrap();
        add(&conn, 5);
        unlock(&conn);
        conn.execute("DELETE FROM audit_log WHERE seq = 4", [])
            .unwrap();
        let v = verify(&conn).unwrap();
        assert_eq!(v.first_bad_seq, Some(4), "{v:?}");
    }

    #[test]
    fn an_inserted_entry_is_named() {
        let conn = open_in_memory().unwrap();
        add(&conn, 3);
        unlock(&conn);
        // Re-number to make room, copying a valid-looking entry in between.
        conn.execute_batch(
            "UPDATE audit_log SET seq = seq + 10 WHERE seq >= 2;
             UPDATE audit_log SET seq = seq - 9 WHERE seq >= 12;
             INSERT INTO audit_log SELECT 2, at, actor, action, subject, payload, payload_sha256, prev_hash, hash FROM audit_log WHERE seq = 1;",
        )
        .unwrap();
        let v = verify(&conn).unwrap();
        assert!(!v.ok);
        assert_eq!(v.first_bad_seq, Some(2), "{v:?}");
    }

    #[test]
    fn redaction_keeps_the_chain_verifiable() {
        let conn = open_in_memory().unwrap();
        add(&conn, 3);
        assert_eq!(redact_subject(&conn, "pupil:x").unwrap(), 3);
        let v = verify(&conn).unwrap();
        assert!(v.ok, "{v:?}");
        assert_eq!(v.redacted, 3);
    }

    #[test]
    fn details_blanked_by_hand_are_named() {
        let conn = open_in_memory().unwrap();
        add(&conn, 2);
        append(
            &conn,
            &NewEntry {
                at: "2026-01-01T00:00:00Z",
                actor: "dsl",
                action: "flag.reveal",
                subject: Some("academy:OAK"),
                payload: serde_json::json!({"why": "curious"}),
            },
        )
        .unwrap();
        // The schema lets retention blank a payload; doing it to an entry that is not about a
        // deleted pupil is tampering.
        conn.execute("UPDATE audit_log SET payload = NULL WHERE seq = 3", [])
            .unwrap();
        let v = verify(&conn).unwrap();
        assert!(!v.ok, "{v:?}");
        assert_eq!(v.first_bad_seq, Some(3));
        assert!(v.problem.unwrap().contains("details removed"));
    }

    #[test]
    fn the_database_refuses_to_edit_or_delete_entries() {
        let conn = open_in_memory().unwrap();
        add(&conn, 2);
        assert!(conn.execute("DELETE FROM audit_log", []).is_err());
        assert!(
            conn.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 1", [])
                .is_err()
        );
    }
}
