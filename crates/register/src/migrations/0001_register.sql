-- ClearShot register, schema 1: academies, pupils, consents, flags, settings, audit log.
-- Dates are ISO 8601 text (YYYY-MM-DD); instants are RFC 3339 UTC text.

CREATE TABLE academies (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE pupils (
    id                      INTEGER PRIMARY KEY,
    -- A pseudonymous id: the audit log names pupils by it, never by UPN or name, so that a
    -- pupil can be purged (retention) without breaking the audit chain.
    subject_id              TEXT NOT NULL UNIQUE,
    upn                     TEXT NOT NULL UNIQUE,
    legal_forename          TEXT NOT NULL,
    legal_surname           TEXT NOT NULL,
    preferred_forename      TEXT,
    dob                     TEXT NOT NULL,
    academy_id              INTEGER NOT NULL REFERENCES academies(id),
    reg_group               TEXT,
    admission_number        TEXT,
    -- The year group as the MIS recorded it, and the academic year (calendar year of its
    -- 1 September) it was recorded for; it advances by one at each 1 September.
    year_group              INTEGER NOT NULL,
    year_group_academic_year INTEGER NOT NULL,
    left_on                 TEXT,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);
CREATE INDEX pupils_academy ON pupils(academy_id);

-- One signed answer for one channel. Append-only: a change of mind is a new answer.
CREATE TABLE consent_answers (
    id              INTEGER PRIMARY KEY,
    pupil_id        INTEGER NOT NULL REFERENCES pupils(id),
    form_id         TEXT NOT NULL,          -- the answers recorded from one form share it
    signatory       TEXT NOT NULL CHECK (signatory IN ('parent', 'pupil')),
    signer_name     TEXT,
    relationship    TEXT,
    channel         TEXT NOT NULL CHECK (channel IN ('academy_social', 'trust_social', 'website', 'print', 'press')),
    granted         INTEGER NOT NULL CHECK (granted IN (0, 1)),
    signed_on       TEXT NOT NULL,
    expires_on      TEXT,
    evidence_sha256 TEXT,
    recorded_by     TEXT NOT NULL,
    recorded_at     TEXT NOT NULL
);
CREATE INDEX consent_answers_pupil ON consent_answers(pupil_id);

-- A withdrawal of every "yes" a signatory gave for a channel up to its date. Append-only; it
-- never deletes the answers it withdraws.
CREATE TABLE consent_withdrawals (
    id            INTEGER PRIMARY KEY,
    pupil_id      INTEGER NOT NULL REFERENCES pupils(id),
    signatory     TEXT NOT NULL CHECK (signatory IN ('parent', 'pupil')),
    channel       TEXT NOT NULL CHECK (channel IN ('academy_social', 'trust_social', 'website', 'print', 'press')),
    withdrawn_on  TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL
);
CREATE INDEX consent_withdrawals_pupil ON consent_withdrawals(pupil_id);

CREATE TABLE pupil_flags (
    id             INTEGER PRIMARY KEY,
    pupil_id       INTEGER NOT NULL REFERENCES pupils(id),
    kind           TEXT NOT NULL CHECK (kind IN ('parent_also_required', 'never_publish')),
    reason         TEXT NOT NULL,
    set_on         TEXT NOT NULL,
    set_by         TEXT NOT NULL,
    cleared_on     TEXT,
    cleared_reason TEXT,
    cleared_by     TEXT
);
CREATE INDEX pupil_flags_pupil ON pupil_flags(pupil_id);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- The tamper-evident audit log. `hash` = SHA-256 over a canonical serialisation of
-- (seq, at, actor, action, subject, payload_sha256, prev_hash). The payload (which may hold
-- personal data) is covered through its own hash, so retention can redact it (set it to NULL)
-- while the chain still verifies.
CREATE TABLE audit_log (
    seq             INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    subject         TEXT,
    payload         TEXT,
    payload_sha256  TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log(subject);

-- Append-only, enforced by the database as well as by the code.
CREATE TRIGGER consent_answers_no_update BEFORE UPDATE ON consent_answers
BEGIN SELECT RAISE(ABORT, 'consent answers are append-only'); END;
CREATE TRIGGER consent_withdrawals_no_update BEFORE UPDATE ON consent_withdrawals
BEGIN SELECT RAISE(ABORT, 'consent withdrawals are append-only'); END;
-- Answers may only be deleted for a pupil who has left (retention purge).
CREATE TRIGGER consent_answers_no_delete BEFORE DELETE ON consent_answers
WHEN (SELECT left_on FROM pupils WHERE id = OLD.pupil_id) IS NULL
BEGIN SELECT RAISE(ABORT, 'consent answers of a pupil on roll cannot be deleted'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- The only change allowed to an audit entry is redacting its payload.
CREATE TRIGGER audit_log_redact_only BEFORE UPDATE ON audit_log
WHEN NEW.payload IS NOT NULL
  OR NEW.seq IS NOT OLD.seq OR NEW.at IS NOT OLD.at OR NEW.actor IS NOT OLD.actor
  OR NEW.action IS NOT OLD.action OR NEW.subject IS NOT OLD.subject
  OR NEW.payload_sha256 IS NOT OLD.payload_sha256 OR NEW.prev_hash IS NOT OLD.prev_hash
  OR NEW.hash IS NOT OLD.hash
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only (only a payload redaction is allowed)'); END;
