-- ClearShot register, schema 7: the day a pupil joined the roll.
--
-- Lists, reports and the chase list for a date gone by counted a pupil who joined later (a
-- February joiner in October's class list). NULL: on roll since before the register knew (every
-- pupil imported before this schema, and a first import's roll). The roll-order index covers
-- what a status report reads, so it is rebuilt with the new column.
ALTER TABLE pupils ADD COLUMN joined_on TEXT;
DROP INDEX pupils_roll_order;
CREATE INDEX pupils_roll_order ON pupils(
    academy_id, legal_surname COLLATE NOCASE, legal_forename COLLATE NOCASE, upn,
    preferred_forename, reg_group, year_group, year_group_academic_year, left_on, joined_on
);
