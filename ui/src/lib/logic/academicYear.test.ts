import { describe, expect, it } from 'vitest';
import { academicYearOf, inAppWords, yearChoices, yearWords } from './academicYear';

describe('the school year of a roll', () => {
  it('starts on 1 September', () => {
    expect(academicYearOf('2026-08-31')).toBe(2025);
    expect(academicYearOf('2026-09-01')).toBe(2026);
    expect(academicYearOf('2027-01-15')).toBe(2026);
    expect(yearWords(2026)).toBe('2026/27');
    expect(yearWords(2099)).toBe('2099/00');
  });
  it('offers only this year in term time', () => {
    expect(yearChoices('2026-11-27').map((c) => c.year)).toEqual([2026]);
    expect(yearChoices('2027-05-31').map((c) => c.year)).toEqual([2026]);
    expect(yearChoices('2026-10-01').map((c) => c.year)).toEqual([2026]);
  });
  it("offers next year's from 1 June to 31 August, and last year's in September", () => {
    expect(yearChoices('2027-06-01').map((c) => c.year)).toEqual([2026, 2027]);
    expect(yearChoices('2027-08-31').map((c) => c.year)).toEqual([2026, 2027]);
    expect(yearChoices('2027-09-01').map((c) => c.year)).toEqual([2027, 2026]);
    expect(yearChoices('2027-09-30').map((c) => c.year)).toEqual([2027, 2026]);
    expect(yearChoices('2027-06-01')[1].words).toContain('2027/28 — next school year');
  });
  it("turns the CLI's advice into the app's", () => {
    expect(inAppWords("Is this next year's roll? Import it with --academic-year 2027 (from 1 June)")).toBe(
      "Is this next year's roll? Choose 2027/28 under “Year groups for” (from 1 June)",
    );
    expect(inAppWords('nothing to change')).toBe('nothing to change');
  });
});
