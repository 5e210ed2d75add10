import type { ValidProvisionSpec } from "@openlattice/core";
import type { WarmPoolOptions } from "../options.js";
import type { LocalSandbox } from "../sandbox/local-sandbox.js";

/**
 * Quiet time after the last hand-out before refilling: a burst must not compete for the CPU
 * with its own refill (sandboxes handed out are busy with their first commands)…
 */
const REFILL_QUIET_MS = 250;
/** …but a steady stream of hand-outs is never quiet: refill at most this long after the first one. */
const REFILL_MAX_DELAY_MS = 1000;

/**
 * Whether a pre-started sandbox (default spec) can serve `spec`: everything that shapes the
 * sandbox itself must be the default; env, labels, memory limit and duration are applied on
 * hand-out (env travels with every exec anyway), and a setup command runs after it.
 */
export function poolCompatible(spec: ValidProvisionSpec): boolean {
  const runtime = spec.runtime;
  return (
    (runtime?.image === undefined || runtime.image === "host") &&
    runtime?.entrypoint === undefined &&
    runtime?.workdir === undefined &&
    spec.gpu === undefined &&
    spec.resources?.cpu === undefined &&
    spec.network?.egress === undefined
  );
}

/**
 * Pre-started sandboxes between two watermarks: once fewer than `lowWater` are ready, the pool
 * refills to `size` in the background, at most `concurrency` starts at a time, each one
 * started only when the previous turn of the event loop is over (spawns are queued). A start
 * that fails is retried on the next refill; a pooled sandbox that dies is replaced.
 */
export class WarmPool {
  private readonly ready: LocalSandbox[] = [];
  private readonly filling = new Set<Promise<void>>();
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  /** When the first hand-out since the last refill happened. */
  private firstTake: number | undefined;

  constructor(
    private readonly options: Required<WarmPoolOptions>,
    private readonly start: (onEnded: (sandbox: LocalSandbox) => void) => Promise<LocalSandbox>,
  ) {}

  get readyCount(): number {
    return this.ready.length;
  }

  /** Starts sandboxes until `size` are ready or starting, `concurrency` at a time. */
  fill(): void {
    if (this.closed) return;
    // One that died may not have been reported yet (its teardown is still running): it is not ready.
    for (const sandbox of this.ready.filter((candidate) => candidate.ending)) {
      this.ready.splice(this.ready.indexOf(sandbox), 1);
    }
    while (this.ready.length + this.filling.size < this.options.size && this.filling.size < this.options.concurrency) {
      const job = this.start((ended) => this.remove(ended))
        .then(async (sandbox) => {
          if (this.closed) await sandbox.teardown("pool closed");
          else this.ready.push(sandbox);
        })
        .catch(() => {
          // Nothing is left behind by a failed start; the next refill tries again.
        });
      this.filling.add(job);
      void job.finally(() => {
        this.filling.delete(job);
        this.fill();
      });
    }
  }

  /** A ready sandbox, or `undefined`; schedules a refill when the pool ran low. */
  take(): LocalSandbox | undefined {
    const sandbox = this.ready.shift();
    if (this.ready.length + this.filling.size < this.options.lowWater) this.scheduleFill();
    return sandbox;
  }

  private scheduleFill(): void {
    if (this.closed) return;
    const now = performance.now();
    this.firstTake ??= now;
    if (this.timer) clearTimeout(this.timer);
    const delay = Math.max(0, Math.min(REFILL_QUIET_MS, this.firstTake + REFILL_MAX_DELAY_MS - now));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.firstTake = undefined;
      this.fill();
    }, delay);
    this.timer.unref();
  }

  /** A pooled sandbox ended on its own (before hand-out): forget it and refill. */
  private remove(sandbox: LocalSandbox): void {
    const index = this.ready.indexOf(sandbox);
    if (index < 0) return;
    this.ready.splice(index, 1);
    this.scheduleFill();
  }

  /** Resolves once `size` sandboxes are ready (or every start that was tried has failed). */
  async whenFull(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.fill();
    while (this.filling.size > 0) await Promise.all(this.filling);
  }

  /** Stops refilling and destroys every pooled sandbox. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all(this.filling);
    // A pooled sandbox never ran user code; an incomplete cleanup is left to the reaper.
    await Promise.all(this.ready.splice(0).map((sandbox) => sandbox.teardown("pool closed").catch(() => {})));
  }
}
