// Typed wrappers for the teacher's commands (src-tauri/src/photos.rs), one per command.
import { call, Channel } from './invoke';
import type { CheckResult } from '../bindings/CheckResult';
import type { ExportItem } from '../bindings/ExportItem';
import type { ExportSummary } from '../bindings/ExportSummary';
import type { FacesView } from '../bindings/FacesView';
import type { PhotoCheck } from '../bindings/PhotoCheck';
import type { Progress } from '../bindings/Progress';
import type { ThumbEvent } from '../bindings/ThumbEvent';
import type { ThumbSummary } from '../bindings/ThumbSummary';

/** Thumbnails of the files (folders are opened), sent one by one as they are made. */
export function photosThumbnails(paths: string[], job: number, onEvent: (e: ThumbEvent) => void) {
  const channel = new Channel<ThumbEvent>();
  channel.onmessage = onEvent;
  return call<ThumbSummary>('photos_thumbnails', { paths, job, on_event: channel });
}

/** The faces in one photo (counted, never identified), with the frame their boxes are in. */
export const photoFaces = (path: string) => call<FacesView>('photo_faces', { path });

export const captionCheck = (caption: string) => call<string[]>('caption_check', { caption });
export const photoCheck = (request: PhotoCheck) => call<CheckResult>('photo_check', { request });

/** Writes the safe copies of cleared photos into a folder, reporting progress. */
export function photosExport(items: ExportItem[], outDir: string, job: number, onProgress: (p: Progress) => void) {
  const channel = new Channel<Progress>();
  channel.onmessage = onProgress;
  return call<ExportSummary>('photos_export', { items, out_dir: outDir, job, on_progress: channel });
}

let nextJob = 1;
/** A job id for a batch, so that it can be cancelled. */
export const newJob = () => nextJob++;
