import { InternalError, isSandboxError, type SandboxError } from "@openlattice/core";

/**
 * Passes `SandboxError`s (and an abort signal's own reason) through unchanged and wraps
 * anything else (a failed mkdir, a vanished file) in an `InternalError` saying what failed, so
 * callers only ever see core's typed errors.
 */
export function asSandboxError(error: unknown, what: string, signal?: AbortSignal): SandboxError | unknown {
  if (isSandboxError(error)) return error;
  if (signal?.aborted && error === signal.reason) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError(`${what}: ${message}`, { provider: "local", cause: error });
}
