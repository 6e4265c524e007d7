// The "record a returned form" state: defaults from the pupil's page, keyboard shortcuts,
// and turning it into the request the command takes (or the reasons it cannot be sent yet).
import type { Channel } from '../bindings/Channel';
import type { FormRequest } from '../bindings/FormRequest';
import type { Signatory } from '../bindings/Signatory';
import { CHANNELS } from './words';

export type Answer = 'grant' | 'refuse' | 'blank';

export interface FormState {
  signatory: Signatory;
  signedOn: string;
  answers: Record<Channel, Answer>;
  signerName: string;
  relationship: string;
  expiresOn: string;
  evidence: string | null;
}

/** A new form: the first signatory still needed (else the first required), signed today,
 * every channel granted (most forms say yes to everything; the office changes the exceptions). */
export function newForm(required: Signatory[], stillNeeded: Signatory[], today: string): FormState {
  const signatory = stillNeeded[0] ?? required[0] ?? 'parent';
  return {
    signatory,
    signedOn: today,
    answers: Object.fromEntries(CHANNELS.map((c) => [c, 'grant'])) as Record<Channel, Answer>,
    signerName: '',
    relationship: signatory === 'parent' ? 'parent' : '',
    expiresOn: '',
    evidence: null,
  };
}

export function setAll(form: FormState, answer: Answer): FormState {
  return { ...form, answers: Object.fromEntries(CHANNELS.map((c) => [c, answer])) as Record<Channel, Answer> };
}

/** Cycles grant -> refuse -> blank -> grant. */
export function cycle(a: Answer): Answer {
  return a === 'grant' ? 'refuse' : a === 'refuse' ? 'blank' : 'grant';
}

const ISO = /^\d{4}-\d{2}-\d{2}$/;

export type Checked = { ok: true; request: FormRequest } | { ok: false; problems: string[] };

export function toRequest(form: FormState, today: string): Checked {
  const problems: string[] = [];
  const grant = CHANNELS.filter((c) => form.answers[c] === 'grant');
  const refuse = CHANNELS.filter((c) => form.answers[c] === 'refuse');
  if (grant.length + refuse.length === 0) problems.push('Say yes or no for at least one channel.');
  if (!ISO.test(form.signedOn)) problems.push('Enter the date the form was signed.');
  else if (form.signedOn > today) problems.push('The form cannot be signed after today.');
  if (form.expiresOn && !ISO.test(form.expiresOn)) problems.push('The expiry date is not a date.');
  else if (form.expiresOn && form.expiresOn < form.signedOn)
    problems.push('The expiry date is before the date signed.');
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    request: {
      signatory: form.signatory,
      signed_on: form.signedOn,
      grant,
      refuse,
      signer_name: form.signerName.trim() || null,
      relationship: form.relationship.trim() || null,
      expires_on: form.expiresOn || null,
      evidence: form.evidence,
    },
  };
}

/** The kinds of file a scanned consent form may be (the attach dialog offers the same). */
export const EVIDENCE_EXTENSIONS = ['pdf', 'jpg', 'jpeg', 'png', 'tif', 'tiff'];

/** The scanned form among files dropped on the form: the first PDF or image, else why not. */
export function evidenceFromDrop(paths: string[]): { path: string } | { problem: string } {
  const ok = paths.find((p) => {
    const ext = p.split('.').pop()?.toLowerCase() ?? '';
    return p.includes('.') && EVIDENCE_EXTENSIONS.includes(ext);
  });
  if (ok) return { path: ok };
  const name = paths[0]?.split(/[\\/]/).pop() ?? 'nothing';
  return { problem: `${name} is not a scanned form: drop a PDF or an image (${EVIDENCE_EXTENSIONS.join(', ')}).` };
}
