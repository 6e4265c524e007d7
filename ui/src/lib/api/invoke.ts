// The one door to the Rust side. Every command's error arrives as the wire error
// `{ kind, message }`; it is rethrown as an ApiError so screens can branch on `kind`.
import { invoke, Channel } from '@tauri-apps/api/core';
import { appWords } from '../logic/words';
import type { WireError } from '../bindings/WireError';
import type { WireErrorKind } from '../bindings/WireErrorKind';

export class ApiError extends Error {
  readonly kind: WireErrorKind;
  constructor(kind: WireErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

function isWireError(e: unknown): e is WireError {
  return typeof e === 'object' && e !== null && 'kind' in e && 'message' in e;
}

export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    if (isWireError(e)) throw new ApiError(e.kind, e.message);
    throw new ApiError('internal', String(e));
  }
}

export { Channel };

/** A message for a person from any thrown value. */
export function messageOf(e: unknown): string {
  return appWords(e instanceof Error ? e.message : String(e));
}
