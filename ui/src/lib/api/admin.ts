// Typed wrappers for the admin commands (src-tauri/src/admin.rs), one per command.
import { call, Channel } from './invoke';
import type { Device } from '../bindings/Device';
import type { DeviceRequest } from '../bindings/DeviceRequest';
import type { Staff } from '../bindings/Staff';
import type { AccountView } from '../bindings/AccountView';
import type { Hold } from '../bindings/Hold';
import type { IngestReport } from '../bindings/IngestReport';
import type { Progress } from '../bindings/Progress';
import type { Takedown } from '../bindings/Takedown';

export const devicesList = () => call<Device[]>('devices_list');
export const deviceAdd = (device: DeviceRequest) => call<Device>('device_add', { device });
export const deviceRetire = (label: string) => call<null>('device_retire', { label });

/** Records the photos under the paths as captured on the device (the provenance ledger). */
export function ingest(paths: string[], device: string, job: number, onProgress: (p: Progress) => void) {
  const channel = new Channel<Progress>();
  channel.onmessage = onProgress;
  return call<IngestReport>('ingest', { paths, device, job, on_progress: channel });
}

export const staffList = () => call<Staff[]>('staff_list');
export const staffAdd = (email: string, name: string, academy: string | null, trained_on: string | null) =>
  call<Staff>('staff_add', { email, name, academy, trained_on });
export const staffRevoke = (email: string) => call<null>('staff_revoke', { email });
/** Records that they completed their social media training today (policy 7.1.1). */
export const staffTrain = (email: string) => call<Staff>('staff_train', { email });

export const accountsList = () => call<AccountView[]>('accounts_list');
export const accountAdd = (platform: string, handle: string, academy: string, admins: string[]) =>
  call<AccountView>('account_add', { platform, handle, academy, admins });
/** Replaces an account's administrators. */
export const accountSetAdmins = (platform: string, handle: string, admins: string[]) =>
  call<AccountView>('account_set_admins', { platform, handle, admins });
/** Takes an account off the register, with the reason. */
export const accountRemove = (platform: string, handle: string, reason: string) =>
  call<null>('account_remove', { platform, handle, reason });

export const holdsList = () => call<Hold[]>('holds_list');
export const holdsInForce = () => call<Hold[]>('holds_in_force');
export const holdStart = (academy: string | null, reason: string) => call<null>('hold_start', { academy, reason });
/** Ends that hold; returns the holds that still stop that academy's posting today. */
export const holdEnd = (academy: string | null, id: number) => call<Hold[]>('hold_end', { academy, id });

/** Takedown tasks, oldest first: all, or only the open ones. */
export const takedownsList = (openOnly: boolean) => call<Takedown[]>('takedowns_list', { open_only: openOnly });
export const takedownsOpenCount = () => call<number>('takedowns_open_count');
/** Ticks a task off; the note (what was done) is required. */
export const takedownDone = (id: number, note: string) => call<null>('takedown_done', { id, note });
