-- ClearShot register, schema 5: the surname a pupil is known by, when it is not the legal one.
--
-- A looked-after child often goes by their carers' surname, and a child of a new family by the
-- step-parent's: that is the name a caption must not carry, and the one staff know them by.
-- MIS exports give it as "Preferred Surname".
ALTER TABLE pupils ADD COLUMN preferred_surname TEXT;
