// Faces in the clearance screen: where to draw each box over the preview, what each box is
// marked as, and what that means for the check and the export. Faces are counted, never
// identified.
import type { FaceView } from '../bindings/FaceView';
import type { FacesView } from '../bindings/FacesView';

/** "tagged": one of the tagged pupils (cleared by their consent); "blur": blurred in the copy. */
export type FaceMark = 'tagged' | 'blur';

export interface FaceState {
  status: 'finding' | 'found' | 'failed';
  view: FacesView | null;
  /** One mark per face, by index (the index the export's blur list uses). */
  marks: FaceMark[];
  error: string | null;
}

export const findingFaces = (): FaceState => ({ status: 'finding', view: null, marks: [], error: null });

/** Every face starts as "tagged": the teacher marks the ones nobody has cleared as "blur". */
export const facesFound = (view: FacesView): FaceState => ({
  status: 'found', view, marks: view.faces.map(() => 'tagged'), error: null,
});

export const facesFailed = (error: string): FaceState => ({ status: 'failed', view: null, marks: [], error });

/** A box's place over the displayed image, in percent of the image's width and height, so it
 * stays on the face at whatever size the image is shown (the boxes are in the photo's full-size
 * displayed frame; the preview is a resized copy of the same frame). Clamped to the image. */
export function boxPercent(face: FaceView, frameWidth: number, frameHeight: number) {
  const pct = (v: number, of: number) => (of > 0 ? Math.min(100, Math.max(0, (100 * v) / of)) : 0);
  const left = pct(face.x, frameWidth);
  const top = pct(face.y, frameHeight);
  return {
    left,
    top,
    width: Math.min(100 - left, pct(face.w, frameWidth)),
    height: Math.min(100 - top, pct(face.h, frameHeight)),
  };
}

/** The same box in pixels of an image shown at `shownWidth`×`shownHeight`. */
export function boxPixels(face: FaceView, frameWidth: number, frameHeight: number, shownWidth: number, shownHeight: number) {
  const p = boxPercent(face, frameWidth, frameHeight);
  return {
    left: (p.left * shownWidth) / 100,
    top: (p.top * shownHeight) / 100,
    width: (p.width * shownWidth) / 100,
    height: (p.height * shownHeight) / 100,
  };
}

/** Click or Enter on a box: tagged ↔ blur. */
export function toggleMark(marks: FaceMark[], index: number): FaceMark[] {
  return marks.map((m, i) => (i === index ? (m === 'tagged' ? 'blur' : 'tagged') : m));
}

/** The faces to blur in the exported copy, by index. */
export const blurIndexes = (marks: FaceMark[]): number[] =>
  marks.flatMap((m, i) => (m === 'blur' ? [i] : []));

export const MARK_WORDS: Record<FaceMark, string> = { tagged: 'Tagged', blur: 'Blur' };

/** "3 faces found · 1 pupil tagged" (beside the tagged pupils). */
export function facesSummary(state: FaceState | null, tagged: number): string {
  const pupils = `${tagged} ${tagged === 1 ? 'pupil' : 'pupils'} tagged`;
  if (!state || state.status === 'finding') return `Looking for faces… · ${pupils}`;
  if (state.status === 'failed') return `Faces could not be counted · ${pupils}`;
  const n = state.marks.length;
  return `${n} ${n === 1 ? 'face' : 'faces'} found · ${pupils}`;
}

/** More faces than tagged pupils (or faces that could not be counted): a person must look and
 * say so before the photo can be cleared. */
export function needsAcknowledgement(state: FaceState | null, tagged: number): boolean {
  if (!state || state.status === 'finding') return false;
  if (state.status === 'failed') return true;
  return state.marks.length > tagged;
}

/** A mismatch worth a word: more faces marked "tagged" than pupils tagged. */
export function markWarning(state: FaceState | null, tagged: number): string | null {
  if (!state || state.status !== 'found') return null;
  const marked = state.marks.filter((m) => m === 'tagged').length;
  if (marked <= tagged) return null;
  const extra = marked - tagged;
  return `${marked} ${marked === 1 ? 'face is' : 'faces are'} marked tagged but ${tagged} ${tagged === 1 ? 'pupil is' : 'pupils are'} tagged: tag ${extra === 1 ? 'the pupil' : 'the pupils'} or mark ${extra === 1 ? 'the other face' : 'the other faces'} blur.`;
}
