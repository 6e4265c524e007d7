-- ClearShot register, schema 4: the pseudonymous ids of records merged into a pupil's.
--
-- When two records of one child are merged (`clearshot pupils rekey`, a temporary UPN replaced
-- by the permanent one after an import brought both), the merged-away record's audit entries
-- keep their subject `pupil:<its subject_id>`; this table says whose they now are, so that a
-- subject access export includes them and a retention purge redacts them with the pupil's own.
CREATE TABLE pupil_subject_aliases (
    subject_id  TEXT PRIMARY KEY,
    pupil_id    INTEGER NOT NULL REFERENCES pupils(id),
    merged_at   TEXT NOT NULL
);
CREATE INDEX pupil_subject_aliases_pupil ON pupil_subject_aliases(pupil_id);
