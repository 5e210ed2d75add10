import type { Sandbox } from "modal";

/**
 * Resolves with `work`, or rejects with the signal's reason as soon as it aborts. A GPU create
 * blocks while Modal schedules and cannot be cancelled, so a sandbox that arrives after the
 * abort is terminated in the background.
 */
export function abortable(work: Promise<Sandbox>, signal: AbortSignal | undefined): Promise<Sandbox> {
  if (!signal) return work;
  signal.throwIfAborted();
  return new Promise<Sandbox>((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      work.then((late) => late.terminate().finally(() => late.detach())).catch(() => undefined);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (sandbox) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) return;
        resolve(sandbox);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (!signal.aborted) reject(error);
      },
    );
  });
}
