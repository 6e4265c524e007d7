// Words for takedown tasks.
import type { Channel } from '../bindings/Channel';
import { CHANNELS, channelLabel } from './words';

/** A channel code from the register in words (an unknown code is shown as it is). */
export function channelName(code: string): string {
  return (CHANNELS as string[]).includes(code) ? channelLabel(code as Channel) : code;
}

/** Why a task was raised, as the register words it ("parent withdrew consent for website"),
 * with channel codes in words and a capital letter. */
export function causeWords(cause: string): string {
  const worded = cause.replace(/[a-z_]+/g, (w) => ((CHANNELS as string[]).includes(w) ? channelName(w) : w));
  return worded.charAt(0).toUpperCase() + worded.slice(1);
}

/** "3 takedown tasks open" / "1 takedown task open" / null when none (nothing to show). */
export function openTasksWords(open: number | null): string | null {
  if (open === null || open === 0) return null;
  return `${open} takedown ${open === 1 ? 'task' : 'tasks'} open`;
}
