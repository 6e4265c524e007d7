import { describe, expect, it } from 'vitest';
import { causeWords, channelName, openTasksWords } from './takedowns';

describe('takedown words', () => {
  it('words the cause with channel names and a capital letter', () => {
    expect(causeWords('parent withdrew consent for website, academy_social')).toBe(
      'Parent withdrew consent for Website, Academy social media',
    );
    expect(channelName('press')).toBe('Press');
    expect(channelName('carrier_pigeon')).toBe('carrier_pigeon');
  });
  it('counts open tasks for the home screen, and says nothing when there are none', () => {
    expect(openTasksWords(null)).toBeNull();
    expect(openTasksWords(0)).toBeNull();
    expect(openTasksWords(1)).toBe('1 takedown task open');
    expect(openTasksWords(4)).toBe('4 takedown tasks open');
  });
});
