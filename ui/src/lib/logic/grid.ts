// The class and year view: status rows (one per pupil and channel) pivoted to pupils x channels,
// with the filters a person types or picks.
import type { Channel } from '../bindings/Channel';
import type { ConsentStatus } from '../bindings/ConsentStatus';
import type { StatusRow } from '../bindings/StatusRow';

export interface GridRow {
  upn: string;
  name: string;
  yearGroup: number;
  regGroup: string | null;
  cells: Partial<Record<Channel, StatusRow>>;
  /** True when every shown channel is granted. */
  allClear: boolean;
}

export interface GridFilter {
  /** Name or UPN, as typed. */
  text: string;
  /** Only pupils with at least one shown channel in one of these statuses (empty: all). */
  statuses: ConsentStatus[];
}

export function pivot(rows: StatusRow[], channels: Channel[]): GridRow[] {
  const byPupil = new Map<string, GridRow>();
  for (const r of rows) {
    if (!channels.includes(r.channel)) continue;
    let g = byPupil.get(r.upn);
    if (!g) {
      g = { upn: r.upn, name: r.name, yearGroup: r.year_group, regGroup: r.reg_group, cells: {}, allClear: true };
      byPupil.set(r.upn, g);
    }
    g.cells[r.channel] = r;
    if (r.status !== 'granted') g.allClear = false;
  }
  return [...byPupil.values()].sort(
    (a, b) =>
      a.yearGroup - b.yearGroup ||
      (a.regGroup ?? '').localeCompare(b.regGroup ?? '') ||
      a.name.localeCompare(b.name),
  );
}

const fold = (s: string) =>
  s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

export function applyFilter(grid: GridRow[], f: GridFilter): GridRow[] {
  const words = fold(f.text).split(/\s+/).filter(Boolean);
  return grid.filter((g) => {
    const hay = fold(`${g.name} ${g.upn} ${g.regGroup ?? ''}`);
    if (!words.every((w) => hay.includes(w))) return false;
    if (f.statuses.length === 0) return true;
    return Object.values(g.cells).some((c) => c && f.statuses.includes(c.status));
  });
}

/** "12 of 30 pupils can be photographed for the website" */
export function summary(grid: GridRow[]): { clear: number; total: number } {
  return { clear: grid.filter((g) => g.allClear).length, total: grid.length };
}

/** Registration groups present, for the filter's choices. */
export function regGroups(rows: { reg_group: string | null }[]): string[] {
  return [...new Set(rows.map((r) => r.reg_group).filter((r): r is string => !!r))].sort();
}
