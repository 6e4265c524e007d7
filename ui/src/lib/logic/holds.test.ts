import { describe, expect, it } from 'vitest';
import type { Hold } from '../bindings/Hold';
import { holdEndedWords, holdState } from './holds';

const hold = (started_on: string, ended_on: string | null): Hold => ({
  id: 1, academy: 'OAK', reason: 'incident', started_on, started_by: 'head', ended_on,
});

describe('a posting hold on a day', () => {
  it('is in force from its start date while it has no end', () => {
    expect(holdState(hold('2026-11-27', null), '2026-11-27')).toEqual({ words: 'On hold', tone: 'stop', inForce: true });
  });
  it('is planned, not in force, before its start date', () => {
    expect(holdState(hold('2026-12-01', null), '2026-11-27')).toEqual({
      words: 'Planned from 2026-12-01', tone: 'wait', inForce: false,
    });
  });
  it('stays in force until the day it ends, and is over from that day', () => {
    expect(holdState(hold('2026-11-20', '2026-11-30'), '2026-11-27').words).toBe('On hold until 2026-11-30');
    expect(holdState(hold('2026-11-20', '2026-11-27'), '2026-11-27')).toEqual({
      words: 'Ended 2026-11-27', tone: 'ok', inForce: false,
    });
  });
});

describe('the words when a hold ends', () => {
  const ofsted = { ...hold('2026-10-05', '2026-10-06'), reason: 'Ofsted week' };
  it('says posting may resume when nothing else stops it', () => {
    expect(holdEndedWords(ofsted, [])).toBe('Hold ended: OAK may post again.');
  });
  it('names every hold that still stops posting', () => {
    const crisis = { ...hold('2026-10-02', null), id: 2, reason: 'critical incident' };
    const trust = { ...hold('2026-10-03', null), id: 3, academy: null, reason: 'trust review' };
    expect(holdEndedWords(ofsted, [crisis, trust])).toBe(
      'Hold ended, but posting is still stopped: OAK since 2026-10-02 (critical incident); the whole trust since 2026-10-03 (trust review).',
    );
  });
});
