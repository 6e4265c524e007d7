import { describe, expect, it } from 'vitest';
import { backupWords } from './settings';

describe('the backup outcome in words', () => {
  it('tells made, already there, no folder and failure apart, a failure plainly', () => {
    expect(backupWords({ state: 'made', file: '/b/clearshot-2025-03-03.sqlite3', bytes: 204800 })).toEqual({
      headline: "Today's backup was made.", detail: '/b/clearshot-2025-03-03.sqlite3 (200 KB)', tone: 'ok',
    });
    expect(backupWords({ state: 'already_today', file: '/b/x' }).headline).toBe("Today's backup was already there.");
    expect(backupWords({ state: 'no_folder' }).tone).toBe('wait');
    const failed = backupWords({ state: 'failed', message: '/media/usb: permission denied' });
    expect(failed).toMatchObject({ headline: "Today's backup failed.", detail: '/media/usb: permission denied', tone: 'error' });
    expect(backupWords(null).headline).toContain('not started');
  });
});
