import { hasErrorCode, type Provider, type SandboxNode } from "@openlattice/core";

/**
 * Records every sandbox a case creates and destroys the ones still alive in reverse creation
 * order. Cleanup errors are collected and reported, never swallowed: a leak fails the case.
 */
export class SandboxTracker {
  private readonly live: string[] = [];

  /** @param everCreated receives every id, for the run's final leak check. */
  constructor(
    private readonly provider: Provider,
    private readonly everCreated: Set<string>,
  ) {}

  add(node: SandboxNode): void {
    this.live.push(node.externalId);
    this.everCreated.add(node.externalId);
  }

  /** Marks a sandbox the case destroyed itself, so cleanup does not destroy it again. */
  forget(externalId: string): void {
    const index = this.live.lastIndexOf(externalId);
    if (index >= 0) this.live.splice(index, 1);
  }

  get ids(): readonly string[] {
    return this.live;
  }

  /** Destroys what is left, newest first; throws one error listing every failure. */
  async cleanup(timeoutMs: number): Promise<void> {
    const failures: string[] = [];
    const deadline = Date.now() + timeoutMs;
    while (this.live.length > 0) {
      const id = this.live.pop() as string;
      try {
        await withDeadline(this.provider.destroy(id), Math.max(1, deadline - Date.now()), `destroy(${id})`);
      } catch (error) {
        // An id the backend never heard of is gone already; anything else is a leak.
        if (!hasErrorCode(error, "not_found")) failures.push(`destroy(${JSON.stringify(id)}): ${describeError(error)}`);
      }
    }
    if (failures.length > 0) {
      throw new Error(`cleanup failed; these sandboxes may have leaked:\n  ${failures.join("\n  ")}`);
    }
  }
}

/** Rejects with a clear message when `promise` does not settle within `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${code === undefined ? "" : `[${String(code)}] `}${error.message}`;
  }
  return String(error);
}
