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
