// Typed wrappers for the register-wide commands (src-tauri/src/register_admin.rs).
import { call } from './invoke';
import type { Entry } from '../bindings/Entry';
import type { Verification } from '../bindings/Verification';
import type { SettingView } from '../bindings/SettingView';
import type { BackupStatus } from '../bindings/BackupStatus';

export const auditVerify = () => call<Verification>('audit_verify');
export const auditList = (since: string | null = null) => call<Entry[]>('audit_list', { since });
export const settingsAll = () => call<SettingView[]>('settings_all');
/** Saves a setting; returns warnings (for trust-domains: who is now outside them). */
export const settingsSet = (key: string, value: string) => call<string[]>('settings_set', { key, value });
export const cancelJob = (job: number) => call<boolean>('cancel_job', { job });
export const openFolder = (path: string) => call<null>('open_folder', { path });
export const uiReady = () => call<number>('ui_ready');
/** What the daily backup at start did (null: not started). */
export const backupStatus = () => call<BackupStatus | null>('backup_status');
/** What comparing the register with its audit log at start found: null before it has run. */
export const registerProblems = () => call<string[] | null>('register_problems');
/** Makes today's backup now, as the app does at start. */
export const backupNow = () => call<BackupStatus>('backup_now');
