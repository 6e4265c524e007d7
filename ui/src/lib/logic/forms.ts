// The forms behind a pupil's history: the answers recorded from one returned form share its id.
import type { AnswerRecord } from '../bindings/AnswerRecord';
import { channelLabel, signatoryWords } from './words';

export type FormSummary = { formId: string; words: string; voided: string | null };

/** One line per form, newest first: when, who, and what it answered ("Website yes, Press no"). */
export function formsOf(history: AnswerRecord[]): FormSummary[] {
  const byForm = new Map<string, AnswerRecord[]>();
  for (const a of history) {
    const list = byForm.get(a.form_id) ?? [];
    list.push(a);
    byForm.set(a.form_id, list);
  }
  return [...byForm.entries()]
    .map(([formId, answers]) => {
      const first = answers[0];
      const who = first.signer_name ?? signatoryWords(first.signatory);
      const what = answers.map((a) => `${channelLabel(a.channel)} ${a.granted ? 'yes' : 'no'}`).join(', ');
      return {
        formId,
        signedOn: first.signed_on,
        firstId: Math.min(...answers.map((a) => Number(a.id))),
        words: `${first.signed_on}, ${who}: ${what}`,
        voided: first.voided,
      };
    })
    .sort((a, b) => b.signedOn.localeCompare(a.signedOn) || b.firstId - a.firstId)
    .map(({ formId, words, voided }) => ({ formId, words, voided }));
}
