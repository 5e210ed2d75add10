import type { Sandbox } from "modal";

/**
 * How long an aborted provision waits for a create call already in flight, so that what it
 * created is terminated before the rejection (`ProvisionOptions.signal`: anything already
 * created is destroyed before rejecting). A create still blocked after that (a GPU being
 * scheduled, which cannot be cancelled) is terminated in the background when it returns.
 */
const ABORT_SETTLE_MS = 3_000;

/**
 * Resolves with `work`, or rejects with the signal's reason once it aborts — after the sandbox
 * the create call returned meanwhile (within `ABORT_SETTLE_MS`) has been terminated.
 */
export function abortable(work: Promise<Sandbox>, signal: AbortSignal | undefined): Promise<Sandbox> {
  if (!signal) return work;
  signal.throwIfAborted();
  return new Promise<Sandbox>((resolve, reject) => {
    const onAbort = () => {
      const terminated = work.then(terminateLate, () => undefined);
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((settle) => {
        timer = setTimeout(settle, ABORT_SETTLE_MS);
      });
      void Promise.race([terminated, bound]).then(() => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    };
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (sandbox) => {
        if (signal.aborted) return; // onAbort terminates it
        signal.removeEventListener("abort", onAbort);
        resolve(sandbox);
      },
      (error: unknown) => {
        if (signal.aborted) return;
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

async function terminateLate(sandbox: Sandbox): Promise<void> {
  try {
    await sandbox.terminate();
  } catch {
    // Already gone.
  } finally {
    sandbox.detach();
  }
}
