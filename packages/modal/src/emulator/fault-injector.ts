import { ServerError, Status } from "nice-grpc";

/** A failure the emulator returns instead of running a method. */
export interface FaultRule {
  /** Proto method name, e.g. `SandboxCreate`, `SandboxCreateV2`, `TaskExecStart`; `*` for every method. */
  readonly method: string;
  /** gRPC status to fail with, e.g. `Status.UNAVAILABLE`. */
  readonly code: Status;
  readonly message?: string;
  /** How many calls fail before the rule expires; default 1. `Infinity` keeps it forever. */
  readonly times?: number;
  /** Only calls whose request matches fail (e.g. a GPU type). */
  readonly when?: (request: unknown) => boolean;
  /** Waits this long before failing (or before answering, when `code` is `Status.OK`). */
  readonly delayMs?: number;
}

interface ActiveRule extends FaultRule {
  remaining: number;
}

/** Injects gRPC failures and delays into the emulator's methods. */
export class FaultInjector {
  readonly #rules: ActiveRule[] = [];

  /** Adds a rule; rules are tried in the order they were added. */
  add(rule: FaultRule): void {
    this.#rules.push({ ...rule, remaining: rule.times ?? 1 });
  }

  /** Removes every rule. */
  clear(): void {
    this.#rules.length = 0;
  }

  /** Applies the first matching rule: waits, then throws its error (or returns for `OK`). */
  async apply(method: string, request: unknown): Promise<void> {
    const rule = this.#rules.find(
      (candidate) =>
        candidate.remaining > 0 &&
        (candidate.method === method || candidate.method === "*") &&
        (candidate.when?.(request) ?? true),
    );
    if (!rule) return;
    rule.remaining -= 1;
    if (rule.delayMs) await new Promise((resolve) => setTimeout(resolve, rule.delayMs));
    if (rule.code === Status.OK) return;
    throw new ServerError(rule.code, rule.message ?? `injected fault: ${Status[rule.code]} on ${method}`);
  }
}
