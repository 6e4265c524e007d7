-- ClearShot register, schema 3: a per-pupil digest of the consent answers.
--
-- Derived data, never the record: `consent_answers` stays the append-only truth. The digest holds
-- each pupil's answers in a compact binary form (see `consent_digest.rs`) so that the status of a
-- whole trust reads one row per pupil instead of every answer ever recorded. It is rewritten for
-- a pupil by the same transaction that records an answer, rebuilt for every pupil when this
-- migration runs, and compared with the answers by `clearshot check`.
CREATE TABLE consent_digests (
    pupil_id INTEGER PRIMARY KEY REFERENCES pupils(id),
    answers  BLOB NOT NULL
);

-- The order every pupil list and status report is in, within an academy, without a sort; it
-- also carries every column a status report reads, so the report never visits the table.
CREATE INDEX pupils_roll_order ON pupils(
    academy_id, legal_surname COLLATE NOCASE, legal_forename COLLATE NOCASE, upn,
    preferred_forename, reg_group, year_group, year_group_academic_year, left_on
);
-- ... which makes the academy-only index redundant.
DROP INDEX pupils_academy;
