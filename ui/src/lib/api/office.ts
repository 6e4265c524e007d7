// Typed wrappers for the office commands (src-tauri/src/office.rs), one per command.
import { call } from './invoke';
import type { AppInfo } from '../bindings/AppInfo';
import type { Academy } from '../bindings/Academy';
import type { ImportReport } from '../bindings/ImportReport';
import type { ImportRequest } from '../bindings/ImportRequest';
import type { PupilQuery } from '../bindings/PupilQuery';
import type { PupilSummary } from '../bindings/PupilSummary';
import type { PupilDetail } from '../bindings/PupilDetail';
import type { FlagView } from '../bindings/FlagView';
import type { FlagKind } from '../bindings/FlagKind';
import type { FormRequest } from '../bindings/FormRequest';
import type { Recorded } from '../bindings/Recorded';
import type { WithdrawalRequest } from '../bindings/WithdrawalRequest';
import type { SubjectAccessExport } from '../bindings/SubjectAccessExport';
import type { Voided } from '../bindings/Voided';
import type { StatusQuery } from '../bindings/StatusQuery';
import type { StatusRow } from '../bindings/StatusRow';
import type { ChaseRow } from '../bindings/ChaseRow';
import type { Withdrawn } from '../bindings/Withdrawn';
import type { RekeyReport } from '../bindings/RekeyReport';

export const appInfo = () => call<AppInfo>('app_info');
export const academies = () => call<Academy[]>('academies');
export const openSampleAcademy = () => call<ImportReport>('open_sample_academy');
export const importPreview = (request: ImportRequest) =>
  call<ImportReport>('import_preview', { request });
export const importRoll = (request: ImportRequest) =>
  call<ImportReport>('import_roll', { request });
export const pupilsList = (query: PupilQuery, on: string | null = null) =>
  call<PupilSummary[]>('pupils_list', { query, on });
export const pupilShow = (upn: string, on: string | null = null) =>
  call<PupilDetail>('pupil_show', { upn, on });
export const revealNeverPublishReason = (upn: string, why: string) =>
  call<FlagView[]>('reveal_never_publish_reason', { upn, why });
export const flagSet = (upn: string, kind: FlagKind, reason: string, on: string | null = null) =>
  call<number>('flag_set', { upn, kind, reason, on });
export const flagClear = (upn: string, kind: FlagKind, reason: string, on: string | null = null) =>
  call<number>('flag_clear', { upn, kind, reason, on });
export const pupilRekey = (upn: string, to: string, namesDiffer: boolean, dryRun: boolean) =>
  call<RekeyReport>('pupil_rekey', { upn, to, names_differ: namesDiffer, dry_run: dryRun });
export const consentRecord = (upn: string, form: FormRequest) =>
  call<Recorded>('consent_record', { upn, form });
/** Withdraws consent from a date, with who asked, how, and the message or letter if given. */
export const consentWithdraw = (upn: string, withdrawal: WithdrawalRequest) =>
  call<Withdrawn>('consent_withdraw', { upn, withdrawal });
/** Writes everything held on one pupil (a subject access export) into a new folder beside the
 *  register; audited. */
export const pupilExport = (upn: string) => call<SubjectAccessExport>('pupil_export', { upn });
/** Voids a form recorded in error: it stays in the history, marked, and no longer counts. */
export const consentVoid = (upn: string, formId: string, reason: string) =>
  call<Voided>('consent_void', { upn, form_id: formId, reason });
export const consentStatus = (query: StatusQuery, on: string | null = null) =>
  call<StatusRow[]>('consent_status', { query, on });
export const consentChase = (query: StatusQuery, on: string | null = null) =>
  call<ChaseRow[]>('consent_chase', { query, on });
export const saveCsv = (path: string, contents: string) => call<null>('save_csv', { path, contents });
