import type { ValidProvisionSpec } from "@openlattice/core";

/**
 * `duration.maxSeconds` and `duration.idleSeconds` of one sandbox. Timers never keep the
 * orchestrator alive; an idle timer fires only when no exec is running.
 */
export class SandboxTimers {
  private idleTimer: NodeJS.Timeout | undefined;
  private active = 0;
  private spec: ValidProvisionSpec | undefined;
  private durationTimer: NodeJS.Timeout | undefined;
  /** When the duration limit ends the sandbox; `undefined` without one. */
  deadline: Date | undefined;

  constructor(private readonly onLimit: (reason: "duration limit" | "idle limit") => void) {}

  /** Starts the limits of `spec` (again, for a pooled sandbox handed out under a new spec). */
  arm(spec: ValidProvisionSpec): void {
    this.clear();
    this.spec = spec;
    const maxSeconds = spec.duration?.maxSeconds;
    if (maxSeconds !== undefined) this.setDeadline(new Date(Date.now() + maxSeconds * 1000));
    this.touch();
  }

  /** Moves the duration limit to `at` (the `lifetime` extension); the old timer is replaced. */
  setDeadline(at: Date): void {
    if (this.durationTimer) clearTimeout(this.durationTimer);
    this.deadline = at;
    // setTimeout holds at most 2^31-1 ms: a later deadline is re-checked when that runs out.
    const wait = Math.min(Math.max(0, at.getTime() - Date.now()), 2 ** 31 - 1);
    this.durationTimer = setTimeout(() => {
      if (Date.now() >= at.getTime()) this.onLimit("duration limit");
      else this.setDeadline(at);
    }, wait);
    this.durationTimer.unref();
  }

  /** An exec started; idle time does not count while it runs. */
  begin(): void {
    this.active++;
  }

  /** An exec ended: idle time starts again. */
  end(): void {
    this.active--;
    this.touch();
  }

  private touch(): void {
    const idleSeconds = this.spec?.duration?.idleSeconds;
    if (idleSeconds === undefined) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.active === 0) this.onLimit("idle limit");
      else this.touch();
    }, idleSeconds * 1000);
    this.idleTimer.unref();
  }

  clear(): void {
    if (this.durationTimer) clearTimeout(this.durationTimer);
    this.durationTimer = undefined;
    this.deadline = undefined;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}
