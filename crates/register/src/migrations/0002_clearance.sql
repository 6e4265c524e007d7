-- ClearShot register, schema 2: what clearing a photo needs (policy 4.2, 4.4, 4.6, 6.4) and the
-- takedown tasks that follow a change of consent.

-- Trust-owned devices: the provenance evidence a photo is matched against.
CREATE TABLE devices (
    id          INTEGER PRIMARY KEY,
    label       TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('camera', 'tablet', 'phone', 'other')),
    make        TEXT NOT NULL,
    model       TEXT NOT NULL,
    serial      TEXT,
    academy_id  INTEGER REFERENCES academies(id),
    added_on    TEXT NOT NULL,
    retired_on  TEXT,
    created_at  TEXT NOT NULL
);

-- Staff approved to post for the trust (policy 4.2.1, 7.1).
CREATE TABLE staff (
    id           INTEGER PRIMARY KEY,
    email        TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    academy_id   INTEGER REFERENCES academies(id),
    approved_on  TEXT NOT NULL,
    trained_on   TEXT,
    revoked_on   TEXT
);

-- Trust-affiliated social media accounts (policy 4.4). No password is ever stored.
CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL CHECK (platform IN ('facebook', 'x', 'instagram', 'youtube', 'linkedin', 'other')),
    handle      TEXT NOT NULL,
    academy_id  INTEGER NOT NULL REFERENCES academies(id),
    created_at  TEXT NOT NULL,
    UNIQUE (platform, handle)
);
CREATE TABLE account_admins (
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    email       TEXT NOT NULL,
    PRIMARY KEY (account_id, email)
);

-- Posting holds (policy 4.6): a NULL academy is a trust-wide hold.
CREATE TABLE holds (
    id          INTEGER PRIMARY KEY,
    academy_id  INTEGER REFERENCES academies(id),
    reason      TEXT NOT NULL,
    started_on  TEXT NOT NULL,
    started_by  TEXT NOT NULL,
    ended_on    TEXT,
    ended_by    TEXT
);

-- The provenance ledger: photos as captured on a trust device (e.g. copied off its card).
CREATE TABLE photo_ledger (
    id           INTEGER PRIMARY KEY,
    sha256       TEXT NOT NULL UNIQUE,
    phash        TEXT NOT NULL,
    device_id    INTEGER NOT NULL REFERENCES devices(id),
    taken_at     TEXT,
    source_name  TEXT,
    ingested_at  TEXT NOT NULL,
    ingested_by  TEXT NOT NULL
);

-- A photo cleared for one channel, by one member of staff, on one date.
CREATE TABLE clearances (
    id                  TEXT PRIMARY KEY,      -- UUIDv7
    photo_sha256        TEXT NOT NULL,
    channel             TEXT NOT NULL CHECK (channel IN ('academy_social', 'trust_social', 'website', 'print', 'press')),
    academy_id          INTEGER NOT NULL REFERENCES academies(id),
    staff_email         TEXT NOT NULL,
    cleared_on          TEXT NOT NULL,
    provenance          TEXT NOT NULL,
    device_id           INTEGER REFERENCES devices(id),
    faces_acknowledged  INTEGER NOT NULL DEFAULT 0,
    caption             TEXT,
    created_at          TEXT NOT NULL
);
CREATE INDEX clearances_photo ON clearances(photo_sha256);
CREATE TABLE clearance_pupils (
    clearance_id  TEXT NOT NULL REFERENCES clearances(id),
    pupil_id      INTEGER NOT NULL REFERENCES pupils(id),
    PRIMARY KEY (clearance_id, pupil_id)
);
CREATE INDEX clearance_pupils_pupil ON clearance_pupils(pupil_id);

-- Takedown tasks: a clearance already given for a pupil whose consent has since changed.
CREATE TABLE takedowns (
    id            INTEGER PRIMARY KEY,
    clearance_id  TEXT NOT NULL REFERENCES clearances(id),
    pupil_id      INTEGER REFERENCES pupils(id),
    cause         TEXT NOT NULL,
    raised_on     TEXT NOT NULL,
    raised_at     TEXT NOT NULL,
    done_at       TEXT,
    done_by       TEXT,
    note          TEXT
);
CREATE INDEX takedowns_open ON takedowns(done_at);

CREATE TRIGGER clearances_no_update BEFORE UPDATE ON clearances
BEGIN SELECT RAISE(ABORT, 'clearances are append-only'); END;
CREATE TRIGGER photo_ledger_no_update BEFORE UPDATE ON photo_ledger
BEGIN SELECT RAISE(ABORT, 'the provenance ledger is append-only'); END;
