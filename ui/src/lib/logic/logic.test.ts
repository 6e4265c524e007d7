import { describe, expect, it } from 'vitest';
import type { StatusRow } from '../bindings/StatusRow';
import type { ChaseRow } from '../bindings/ChaseRow';
import { chaseCsv, csvCell } from './csv';
import { applyFilter, pivot, summary } from './grid';
import { cycle, evidenceFromDrop, newForm, setAll, toRequest } from './form';
import { whoMustSign, yearGroupLabel } from './words';

function row(upn: string, name: string, channel: StatusRow['channel'], status: StatusRow['status'], year = 4): StatusRow {
  return {
    upn, name, academy: 'OAK', year_group: year, reg_group: `${year}B`, channel,
    required: ['parent'], status, detail: '', still_needed: [], warnings: [],
  };
}

describe('csv', () => {
  it('quotes cells with commas, quotes and newlines so a spreadsheet keeps them whole', () => {
    expect(csvCell('O\'Brien, Kai')).toBe('"O\'Brien, Kai"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('a\nb')).toBe('"a\nb"');
  });
  it('defuses cells a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvCell('-1')).toBe("'-1");
  });
  it('writes the chase list with a header and words, not codes', () => {
    const rows: ChaseRow[] = [{
      upn: 'A1', name: 'Amy Lee', academy: 'OAK', year_group: 7, reg_group: '7C',
      channel: 'website', status: 'missing', needed: ['parent', 'pupil'], detail: 'no answer',
    }];
    const text = chaseCsv(rows);
    const lines = text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('Still needed');
    expect(lines[1]).toBe('A1,Amy Lee,OAK,Year 7,7C,Website,Missing,a parent or carer and the pupil,no answer');
  });
});

describe('class view grid', () => {
  const rows = [
    row('B', 'Ben Ng', 'website', 'granted'),
    row('B', 'Ben Ng', 'press', 'refused'),
    row('A', 'Zoë Adams', 'website', 'granted'),
    row('A', 'Zoë Adams', 'press', 'granted'),
  ];
  it('makes one row per pupil with a cell per shown channel', () => {
    const g = pivot(rows, ['website', 'press']);
    expect(g.map((r) => r.name)).toEqual(['Ben Ng', 'Zoë Adams']);
    expect(g[0].cells.press?.status).toBe('refused');
    expect(g[0].allClear).toBe(false);
    expect(g[1].allClear).toBe(true);
  });
  it('a pupil is clear when every shown channel is granted, so hiding press clears Ben', () => {
    const g = pivot(rows, ['website']);
    expect(summary(g)).toEqual({ clear: 2, total: 2 });
  });
  it('filters by name without accents and by status', () => {
    const g = pivot(rows, ['website', 'press']);
    expect(applyFilter(g, { text: 'zoe', statuses: [] }).map((r) => r.upn)).toEqual(['A']);
    expect(applyFilter(g, { text: '', statuses: ['refused'] }).map((r) => r.upn)).toEqual(['B']);
  });
});

describe('record form', () => {
  it('starts with the first signatory still needed, signed today, everything granted', () => {
    const f = newForm(['parent', 'pupil'], ['pupil'], '2025-03-01');
    expect(f.signatory).toBe('pupil');
    expect(f.signedOn).toBe('2025-03-01');
    expect(Object.values(f.answers).every((a) => a === 'grant')).toBe(true);
  });
  it('sends only the channels answered, split into grant and refuse', () => {
    let f = newForm(['parent'], ['parent'], '2025-03-01');
    f = { ...f, answers: { ...f.answers, press: 'refuse', print: 'blank' } };
    const r = toRequest(f, '2025-03-01');
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.request.grant).toEqual(['academy_social', 'trust_social', 'website']);
      expect(r.request.refuse).toEqual(['press']);
    }
  });
  it('refuses a form with no answers, a future date or an expiry before signing', () => {
    const f = setAll(newForm(['parent'], [], '2025-03-01'), 'blank');
    expect(toRequest(f, '2025-03-01').ok).toBe(false);
    const future = { ...newForm(['parent'], [], '2025-03-01'), signedOn: '2025-03-02' };
    expect(toRequest(future, '2025-03-01')).toEqual({ ok: false, problems: ['The form cannot be signed after today.'] });
    const early = { ...newForm(['parent'], [], '2025-03-01'), expiresOn: '2025-02-01' };
    expect(toRequest(early, '2025-03-01').ok).toBe(false);
  });
  it('cycles an answer with one key', () => {
    expect(cycle('grant')).toBe('refuse');
    expect(cycle('refuse')).toBe('blank');
    expect(cycle('blank')).toBe('grant');
  });
});

describe('words', () => {
  it('names year groups as schools do', () => {
    expect(yearGroupLabel(-1)).toBe('Nursery');
    expect(yearGroupLabel(0)).toBe('Reception');
    expect(yearGroupLabel(7)).toBe('Year 7');
  });
  it('says who must sign', () => {
    expect(whoMustSign(['parent', 'pupil'])).toBe('a parent or carer and the pupil');
  });
});

describe('scanned form dropped on the record form', () => {
  it('takes the first PDF or image, whatever the case of its extension', () => {
    expect(evidenceFromDrop(['/home/o/notes.txt', '/home/o/Form 12.PDF', '/home/o/b.jpg'])).toEqual({ path: '/home/o/Form 12.PDF' });
    expect(evidenceFromDrop(['C:\\scans\\form.tiff'])).toEqual({ path: 'C:\\scans\\form.tiff' });
  });
  it('refuses anything else and says what it wants', () => {
    const r = evidenceFromDrop(['/home/o/roll.csv']);
    expect('problem' in r && r.problem).toContain('roll.csv is not a scanned form');
    expect('problem' in evidenceFromDrop(['/home/o/pdf'])).toBe(true);
  });
});
