import type { ValidProvisionSpec } from "@openlattice/core";

/**
 * `duration.maxSeconds` and `duration.idleSeconds` of one sandbox. Timers never keep the
 * orchestrator alive; an idle timer fires only when no exec is running.
 */
export class SandboxTimers {
  private timers: NodeJS.Timeout[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private active = 0;
  private spec: ValidProvisionSpec | undefined;

  constructor(private readonly onLimit: (reason: "duration limit" | "idle limit") => void) {}

  /** Starts the limits of `spec` (again, for a pooled sandbox handed out under a new spec). */
  arm(spec: ValidProvisionSpec): void {
    this.clear();
    this.spec = spec;
    const maxSeconds = spec.duration?.maxSeconds;
    if (maxSeconds !== undefined) {
      const timer = setTimeout(() => this.onLimit("duration limit"), maxSeconds * 1000);
      timer.unref();
      this.timers.push(timer);
    }
    this.touch();
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
    for (const timer of this.timers.splice(0)) clearTimeout(timer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}
