-- ClearShot register, schema 9: names in alphabetical order whatever their accents.
--
-- Lists were in SQLite's NOCASE order, which compares bytes after A-Z: Ó Súilleabháin and Żak
-- came after Wójcik, Émile after Zac. `sort_key` is the legal surname and forename as a person
-- alphabetises them (lower case, accents and apostrophes and hyphens left out; see
-- `pupils::sort_key`), written by ClearShot with the name and filled here for every pupil
-- already on the register. A plain text column, so the sqlite3 shell still reads the index. The
-- roll-order index covers what a status report reads, so it is rebuilt on the new column.
ALTER TABLE pupils ADD COLUMN sort_key TEXT NOT NULL DEFAULT '';
DROP INDEX pupils_roll_order;
CREATE INDEX pupils_roll_order ON pupils(
    academy_id, sort_key, upn, legal_surname, legal_forename, preferred_forename, reg_group,
    year_group, year_group_academic_year, left_on, joined_on
);
