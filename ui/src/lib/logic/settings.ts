// Settings in words: what the daily backup at start did.
import type { BackupStatus } from '../bindings/BackupStatus';

export interface BackupWords {
  headline: string;
  detail: string | null;
  /** The notice's colour class: ok, error (a failure), wait (nothing backed up), plain. */
  tone: 'ok' | 'error' | 'wait' | 'plain';
}

const kib = (bytes: number) => (bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / (1024 * 1024)).toFixed(1)} MB`);

export function backupWords(status: BackupStatus | null): BackupWords {
  if (status === null) return { headline: 'The daily backup has not started yet.', detail: null, tone: 'plain' };
  switch (status.state) {
    case 'running':
      return { headline: "Making today's backup…", detail: null, tone: 'plain' };
    case 'made':
      return { headline: "Today's backup was made.", detail: `${status.file} (${kib(status.bytes)})`, tone: 'ok' };
    case 'already_today':
      return { headline: "Today's backup was already there.", detail: status.file, tone: 'ok' };
    case 'no_folder':
      return { headline: 'No backup folder is set: nothing is backed up automatically.', detail: 'Choose a folder below (a USB drive or a network share).', tone: 'wait' };
    case 'failed':
      return { headline: "Today's backup failed.", detail: status.message, tone: 'error' };
  }
}
