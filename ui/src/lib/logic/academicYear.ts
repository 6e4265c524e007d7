// Which school year a roll's year groups are for: what the Import screen offers, matching what
// the import itself accepts (crates/register/src/import.rs, `parse_roll`).

export type YearChoice = { year: number; words: string };

/** The calendar year in which the school year of `today` (ISO `YYYY-MM-DD`) began: a school
 *  year runs from 1 September. */
export function academicYearOf(today: string): number {
  const year = Number(today.slice(0, 4));
  const month = Number(today.slice(5, 7));
  return month >= 9 ? year : year - 1;
}

/** "2026/27". */
export function yearWords(year: number): string {
  return `${year}/${String((year + 1) % 100).padStart(2, '0')}`;
}

/** The school years a roll imported on `today` may be for, this year's first: next year's from
 *  1 June (a roll prepared in the summer term), last year's until 30 September (a roll exported
 *  in July and imported as term starts). */
export function yearChoices(today: string): YearChoice[] {
  const current = academicYearOf(today);
  const month = Number(today.slice(5, 7));
  const choices: YearChoice[] = [{ year: current, words: `${yearWords(current)} — this school year` }];
  if (month >= 6 && month <= 8) {
    choices.push({ year: current + 1, words: `${yearWords(current + 1)} — next school year (a roll prepared for September)` });
  }
  if (month === 9) {
    choices.push({ year: current - 1, words: `${yearWords(current - 1)} — last school year (a roll exported in July)` });
  }
  return choices;
}

/** The import's advice names the CLI's option; in the app the choice is the "Year groups for"
 *  list above the preview. */
export function inAppWords(message: string): string {
  return message.replace(/[Ii]mport it with --academic-year (\d{4})/, (_, y: string) => `Choose ${yearWords(Number(y))} under “Year groups for”`);
}
