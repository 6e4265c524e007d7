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

/** How long a confirmation ("Form recorded…") stays before it goes by itself. An error stays
 *  until it is dismissed or the user moves to another screen: it may need reading twice. */
export const NOTICE_OK_MS = 10_000;

class AppStore {
  screen = $state<Screen>('pupils');
  /** The pupil whose page is open, if any. */
  upn = $state<string | null>(null);
  info = $state<AppInfo | null>(null);
  /** Words for every hold in force; the banner shows while non-empty. */
  holds = $state<string[]>([]);
  /** What comparing the register with its audit log at start found (empty: they agree). */
  registerProblems = $state<string[]>([]);
  notice = $state<Notice | null>(null);
  /** Open takedown tasks (null until counted): shown on the home screen and in the navigation. */
  takedownsOpen = $state<number | null>(null);

  /** Timer of the confirmation on show, if any. */
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;

  /** Moves to another screen. The message of the last action belongs to the screen it was
   *  made on, so it goes. */
  go(screen: Screen) {
    this.dismiss();
    this.screen = screen;
    if (screen !== 'pupils') this.upn = null;
  }

  openPupil(upn: string) {
    this.dismiss();
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

  /** Shows a message: a confirmation for [`NOTICE_OK_MS`], an error until dismissed. */
  say(text: string, tone: Notice['tone'] = 'ok') {
    clearTimeout(this.noticeTimer);
    this.noticeTimer = undefined;
    this.notice = { text, tone };
    if (tone === 'ok') {
      // say() and dismiss() cancel this timer, so it can only remove this message.
      this.noticeTimer = setTimeout(() => {
        this.notice = null;
        this.noticeTimer = undefined;
      }, NOTICE_OK_MS);
    }
  }

  dismiss() {
    clearTimeout(this.noticeTimer);
    this.noticeTimer = undefined;
    this.notice = null;
  }
}

export const app = new AppStore();
