// How a posting hold stands on a day: what the Posting hold screen shows for each row.
import type { Hold } from '../bindings/Hold';

export type HoldState = { words: string; tone: 'ok' | 'wait' | 'stop'; inForce: boolean };

/** A hold is in force from its start date up to (not including) its end date, as the register
 *  decides it (`Hold::in_force_on`); `today` and the dates are ISO `YYYY-MM-DD`. */
export function holdState(h: Hold, today: string): HoldState {
  if (h.started_on > today) {
    return { words: `Planned from ${h.started_on}`, tone: 'wait', inForce: false };
  }
  if (h.ended_on === null) return { words: 'On hold', tone: 'stop', inForce: true };
  if (h.ended_on > today) return { words: `On hold until ${h.ended_on}`, tone: 'stop', inForce: true };
  return { words: `Ended ${h.ended_on}`, tone: 'ok', inForce: false };
}

/** What to say when a hold has ended: posting may resume, or which holds still stop it. */
export function holdEndedWords(ended: Hold, still: Hold[]): string {
  const scope = (h: Hold) => h.academy ?? 'the whole trust';
  if (still.length === 0) return `Hold ended: ${scope(ended)} may post again.`;
  const others = still.map((h) => `${scope(h)} since ${h.started_on} (${h.reason})`).join('; ');
  return `Hold ended, but posting is still stopped: ${others}.`;
}
