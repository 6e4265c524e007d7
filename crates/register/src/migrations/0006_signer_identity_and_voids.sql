-- ClearShot register, schema 6: signers are told apart by name and relationship, and a form
-- recorded in error can be voided.
--
-- Signers.
--
-- Two parents who gave no name but different relationships (mother, father), or a mother and a
-- father with the same name, were read as one person, so one's later "yes" undid the other's
-- "no". The consent summaries (consent_digests), which hold each answer's signer, are rebuilt
-- from the recorded answers with this migration (after the table below: void forms are left
-- out of them).

-- A form recorded in error can be voided.
--
-- A form entered on the wrong child (or twice, or with yes and no swapped) must stop counting
-- without deleting what was recorded: the answers stay, append-only, and this table names the
-- forms that no longer count, with why, when and by whom. A void is itself append-only; it goes
-- only with its form's answers, when a retention purge deletes them.
CREATE TABLE consent_voids (
    form_id    TEXT PRIMARY KEY,
    reason     TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    voided_by  TEXT NOT NULL,
    voided_at  TEXT NOT NULL
);
CREATE TRIGGER consent_voids_no_update BEFORE UPDATE ON consent_voids
BEGIN SELECT RAISE(ABORT, 'voids of consent forms are append-only'); END;
CREATE TRIGGER consent_voids_no_delete BEFORE DELETE ON consent_voids
WHEN EXISTS (SELECT 1 FROM consent_answers WHERE form_id = OLD.form_id)
BEGIN SELECT RAISE(ABORT, 'a void is deleted only with its form''s answers'); END;
