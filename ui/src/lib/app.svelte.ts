// App-wide state: which screen is shown, the app's facts, the posting hold, messages.
import type { AppInfo } from './bindings/AppInfo';
import { takedownsOpenCount } from './api/admin';

export type Screen =
  | 'pupils'
  | 'import'
  | 'classes'
  | 'chase'
  | 'clear'
  | 'devices'
  | 'staff'
  | 'accounts'
  | 'hold'
  | 'takedowns'
  | 'audit'
  | 'settings';

export const SCREENS: { id: Screen; label: string; group: 'Office' | 'Teacher' | 'Admin' }[] = [
  { id: 'pupils', label: 'Find a pupil', group: 'Office' },
  { id: 'import', label: 'Import a roll', group: 'Office' },
  { id: 'classes', label: 'Class and year view', group: 'Office' },
  { id: 'chase', label: 'Chase list', group: 'Office' },
  { id: 'clear', label: 'Clear photos', group: 'Teacher' },
  { id: 'devices', label: 'Devices', group: 'Admin' },
  { id: 'staff', label: 'Staff', group: 'Admin' },
  { id: 'accounts', label: 'Accounts', group: 'Admin' },
  { id: 'hold', label: 'Posting hold', group: 'Admin' },
  { id: 'takedowns', label: 'Takedowns', group: 'Admin' },
  { id: 'audit', label: 'Audit log', group: 'Admin' },
  { id: 'settings', label: 'Settings', group: 'Admin' },
];

export interface Notice {
  tone: 'ok' | 'error';
  text: string;
}

class AppStore {
  screen = $state<Screen>('pupils');
  /** The pupil whose page is open, if any. */
  upn = $state<string | null>(null);
  info = $state<AppInfo | null>(null);
  /** Words for every hold in force; the banner shows while non-empty. */
  holds = $state<string[]>([]);
  notice = $state<Notice | null>(null);
  /** Open takedown tasks (null until counted): shown on the home screen and in the navigation. */
  takedownsOpen = $state<number | null>(null);

  go(screen: Screen) {
    this.screen = screen;
    if (screen !== 'pupils') this.upn = null;
  }

  openPupil(upn: string) {
    this.screen = 'pupils';
    this.upn = upn;
  }

  /** Recounts the open takedown tasks (after a withdrawal, a refusal, a flag, a task done). */
  async countTakedowns() {
    try {
      this.takedownsOpen = await takedownsOpenCount();
    } catch (e) {
      this.say(e instanceof Error ? e.message : String(e), 'error');
    }
  }

  say(text: string, tone: Notice['tone'] = 'ok') {
    this.notice = { text, tone };
  }
}

export const app = new AppStore();
