import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { app, NOTICE_OK_MS } from './app.svelte';

describe('the message line', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    app.dismiss();
    app.go('pupils');
  });
  afterEach(() => vi.useRealTimers());

  it('lets a confirmation go by itself, and keeps an error', () => {
    app.say('Form recorded for Aoife Begum: 5 answers.');
    vi.advanceTimersByTime(NOTICE_OK_MS - 1);
    expect(app.notice?.text).toBe('Form recorded for Aoife Begum: 5 answers.');
    vi.advanceTimersByTime(1);
    expect(app.notice).toBeNull();

    app.say('The register is busy', 'error');
    vi.advanceTimersByTime(NOTICE_OK_MS * 10);
    expect(app.notice?.tone).toBe('error');
  });

  it('gives a newer message its own time', () => {
    app.say('first');
    vi.advanceTimersByTime(NOTICE_OK_MS - 100);
    app.say('second');
    vi.advanceTimersByTime(200);
    expect(app.notice?.text).toBe('second');
    app.say('an error now', 'error');
    vi.advanceTimersByTime(NOTICE_OK_MS);
    expect(app.notice?.text).toBe('an error now');
  });

  it('clears the last action\'s message on moving to another screen or pupil', () => {
    app.say('Device OAK-CAM-1 registered.');
    app.go('clear');
    expect(app.notice).toBeNull();
    app.say('Could not read the photo', 'error');
    app.openPupil('F886402118214');
    expect(app.notice).toBeNull();
    expect(app.upn).toBe('F886402118214');
  });
});
