-- ClearShot register, schema 8: who withdrew consent, how, and the proof.
--
-- A withdrawal recorded only "parent, from 3 December" left the office unable to show who asked
-- (a parent's email, a phone call to reception, the pupil at the front desk). The same details a
-- returned form carries: the name given, the relationship, a note of how it came, and the
-- message or letter itself as an evidence file (by SHA-256, beside the register). NULL for every
-- withdrawal recorded before this schema, and wherever nothing was given.
ALTER TABLE consent_withdrawals ADD COLUMN signer_name TEXT;
ALTER TABLE consent_withdrawals ADD COLUMN relationship TEXT;
ALTER TABLE consent_withdrawals ADD COLUMN note TEXT;
ALTER TABLE consent_withdrawals ADD COLUMN evidence_sha256 TEXT;
