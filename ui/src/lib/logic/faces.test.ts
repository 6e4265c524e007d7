import { describe, expect, it } from 'vitest';
import type { FacesView } from '../bindings/FacesView';
import type { CheckResult } from '../bindings/CheckResult';
import {
  blurIndexes, boxPercent, boxPixels, facesFailed, facesFound, facesSummary, findingFaces, markWarning,
  needsAcknowledgement, toggleMark,
} from './faces';
import { exportable, newItem } from './photos';

// DSC_3079.jpg from the corpus: 720×1280 as displayed, three faces.
const view: FacesView = {
  path: '/p/DSC_3079.jpg', width: 720, height: 1280,
  faces: [
    { x: 322, y: 448, w: 60, h: 60, score: 0.83 },
    { x: 560, y: 472, w: 61, h: 61, score: 0.81 },
    { x: 616, y: 795, w: 57, h: 57, score: 0.8 },
  ],
};

describe('face boxes over the preview', () => {
  it('places a box in percent of the frame, so it stays on the face at any displayed size', () => {
    const b = boxPercent(view.faces[0], view.width, view.height);
    expect(b.left).toBeCloseTo(44.72, 2);
    expect(b.top).toBeCloseTo(35, 5);
    expect(b.width).toBeCloseTo(8.33, 2);
    expect(b.height).toBeCloseTo(4.6875, 5);
  });
  it('scales a full-size box to the pixels of a 270×480 preview (a factor of 0.375)', () => {
    expect(boxPixels(view.faces[0], 720, 1280, 270, 480)).toEqual({ left: 120.75, top: 168, width: 22.5, height: 22.5 });
  });
  it('clips a box that runs past the edge to the image', () => {
    const b = boxPercent({ x: 700, y: 1270, w: 60, h: 60, score: 0.9 }, 720, 1280);
    expect(b.left + b.width).toBeCloseTo(100, 9);
    expect(b.top + b.height).toBeCloseTo(100, 9);
  });
  it('survives a frame with no size', () => {
    expect(boxPercent(view.faces[0], 0, 0)).toEqual({ left: 0, top: 0, width: 0, height: 0 });
  });
});

describe('marking faces', () => {
  it('starts every face as tagged, so nothing is blurred until the teacher says so', () => {
    const s = facesFound(view);
    expect(s.marks).toEqual(['tagged', 'tagged', 'tagged']);
    expect(blurIndexes(s.marks)).toEqual([]);
  });
  it('toggles one face between tagged and blur, leaving the others', () => {
    const once = toggleMark(['tagged', 'tagged', 'tagged'], 1);
    expect(once).toEqual(['tagged', 'blur', 'tagged']);
    expect(toggleMark(once, 1)).toEqual(['tagged', 'tagged', 'tagged']);
  });
  it('sends the faces marked blur as their indexes', () => {
    expect(blurIndexes(['blur', 'tagged', 'blur'])).toEqual([0, 2]);
  });
});

describe('the faces count beside the tagged pupils', () => {
  it('says how many faces and how many pupils', () => {
    expect(facesSummary(facesFound(view), 1)).toBe('3 faces found · 1 pupil tagged');
    expect(facesSummary(facesFound({ ...view, faces: [view.faces[0]] }), 2)).toBe('1 face found · 2 pupils tagged');
    expect(facesSummary(findingFaces(), 0)).toBe('Looking for faces… · 0 pupils tagged');
    expect(facesSummary(facesFailed('bad file'), 1)).toBe('Faces could not be counted · 1 pupil tagged');
  });
  it('asks for the acknowledgement only when there are more faces than tagged pupils, or no count', () => {
    expect(needsAcknowledgement(facesFound(view), 1)).toBe(true);
    expect(needsAcknowledgement(facesFound(view), 3)).toBe(false);
    expect(needsAcknowledgement(findingFaces(), 0)).toBe(false);
    expect(needsAcknowledgement(facesFailed('x'), 5)).toBe(true);
  });
  it('warns when more faces are marked tagged than pupils are tagged', () => {
    const s = facesFound(view);
    expect(markWarning(s, 1)).toBe('3 faces are marked tagged but 1 pupil is tagged: tag the pupils or mark the other faces blur.');
    expect(markWarning({ ...s, marks: ['tagged', 'blur', 'blur'] }, 1)).toBeNull();
  });
});

describe('export with blurred faces', () => {
  const cleared = { verdict: 'cleared', clearance_id: 'C1' } as CheckResult;
  it('passes the faces marked blur with each cleared photo, and none for a photo without faces', () => {
    const a = { ...newItem('/p/a.jpg', 'a.jpg', 'data:', null), result: cleared, faces: { ...facesFound(view), marks: ['tagged', 'blur', 'blur'] as const } };
    const b = { ...newItem('/p/b.jpg', 'b.jpg', 'data:', null), result: { ...cleared, clearance_id: 'C2' } };
    const c = newItem('/p/c.jpg', 'c.jpg', 'data:', null);
    expect(exportable([{ ...a, faces: { ...a.faces, marks: [...a.faces.marks] } }, b, c])).toEqual([
      { clearance_id: 'C1', path: '/p/a.jpg', blur_faces: [1, 2] },
      { clearance_id: 'C2', path: '/p/b.jpg', blur_faces: [] },
    ]);
  });
});
