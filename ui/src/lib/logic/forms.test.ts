import { describe, expect, it } from 'vitest';
import type { AnswerRecord } from '../bindings/AnswerRecord';
import { formsOf } from './forms';

const answer = (id: number, form_id: string, signed_on: string, channel: AnswerRecord['channel'], granted: boolean, voided: string | null = null): AnswerRecord => ({
  id, form_id, signatory: 'parent', signer_name: 'Priya Patel', relationship: null, channel, granted, signed_on,
  expires_on: null, evidence_sha256: null, recorded_by: 'office', recorded_at: `${signed_on}T09:00:00Z`, voided,
});

describe('the forms behind a history', () => {
  it('groups answers by form, newest form first, saying what each answered', () => {
    const forms = formsOf([
      answer(1, 'f-old', '2025-09-10', 'website', true),
      answer(2, 'f-old', '2025-09-10', 'press', false),
      answer(3, 'f-new', '2025-10-01', 'website', true, 'recorded on the wrong pupil'),
    ]);
    expect(forms).toEqual([
      { formId: 'f-new', words: '2025-10-01, Priya Patel: Website yes', voided: 'recorded on the wrong pupil' },
      { formId: 'f-old', words: '2025-09-10, Priya Patel: Website yes, Press no', voided: null },
    ]);
  });
  it('has no forms for an empty history', () => {
    expect(formsOf([])).toEqual([]);
  });
});
