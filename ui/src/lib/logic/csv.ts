// CSV for spreadsheets and mail merges (RFC 4180), with a guard against formula injection:
// a cell that a spreadsheet would run as a formula is prefixed with an apostrophe.
import type { ChaseRow } from '../bindings/ChaseRow';
import { channelLabel, signatoryWords, statusWords, yearGroupLabel } from './words';

export function csvCell(value: string): string {
  let v = value;
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(header: string[], rows: string[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** The chase list as the office sends it to a mail merge. */
export function chaseCsv(rows: ChaseRow[]): string {
  return toCsv(
    ['UPN', 'Name', 'Academy', 'Year group', 'Registration group', 'Channel', 'Status', 'Still needed', 'Detail'],
    rows.map((r) => [
      r.upn,
      r.name,
      r.academy,
      yearGroupLabel(r.year_group),
      r.reg_group ?? '',
      channelLabel(r.channel),
      statusWords(r.status),
      r.needed.map(signatoryWords).join(' and '),
      r.detail,
    ]),
  );
}
