// The teacher's photo list: one entry per photo, its tags, caption and verdict.
import type { Channel } from '../bindings/Channel';
import type { CheckResult } from '../bindings/CheckResult';
import type { StatusRow } from '../bindings/StatusRow';
import type { ExportItem } from '../bindings/ExportItem';
import { blurIndexes, type FaceState } from './faces';

export interface PhotoItem {
  path: string;
  name: string;
  thumbnail: string | null;
  error: string | null;
  /** UPNs of the tagged pupils. */
  tags: string[];
  caption: string;
  result: CheckResult | null;
  /** Face detection for this photo (null: not asked yet, e.g. no preview). */
  faces: FaceState | null;
  /** "I have looked: the other faces are not identifiable / will be blurred". */
  acknowledged: boolean;
}

export const newItem = (path: string, name: string, thumbnail: string | null, error: string | null): PhotoItem => ({
  path, name, thumbnail, error, tags: [], caption: '', result: null, faces: null, acknowledged: false,
});

const fold = (s: string) => s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

/** Type-ahead: pupils (one status row each, for the chosen channel) whose name or UPN has every
 * typed word, not already tagged, best (name starts with the text) first, at most `limit`. */
export function matchPupils(rows: StatusRow[], text: string, tagged: string[], limit = 8): StatusRow[] {
  const words = fold(text).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  const hits = rows.filter((r) => {
    if (tagged.includes(r.upn)) return false;
    const hay = fold(`${r.name} ${r.upn} ${r.reg_group ?? ''}`);
    return words.every((w) => hay.includes(w));
  });
  const first = words[0];
  hits.sort((a, b) => Number(!fold(a.name).startsWith(first)) - Number(!fold(b.name).startsWith(first)) || a.name.localeCompare(b.name));
  return hits.slice(0, limit);
}

/** Photos that can be exported: cleared, with a clearance id, and the faces marked "blur". */
export function exportable(items: PhotoItem[]): ExportItem[] {
  return items
    .filter((i) => i.result?.verdict === 'cleared' && i.result.clearance_id)
    .map((i) => ({ clearance_id: i.result!.clearance_id!, path: i.path, blur_faces: blurIndexes(i.faces?.marks ?? []) }));
}

/** A changed tag, caption, channel or academy makes an old verdict stale. */
export function invalidate(item: PhotoItem): PhotoItem {
  return { ...item, result: null };
}

export const VERDICT_WORDS: Record<CheckResult['verdict'], string> = {
  cleared: 'Cleared',
  blocked: 'Blocked',
  needs_review: 'Needs a person to look',
};

export function channelOk(rows: StatusRow[], upn: string, channel: Channel): StatusRow | undefined {
  return rows.find((r) => r.upn === upn && r.channel === channel);
}
