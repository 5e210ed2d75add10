import type { Provider, ProvisionSpec } from "@openlattice/core";
import { type Summary, summarize } from "./stats.ts";

/** How provisions are started: one after another, one every 200 ms, or all at once. */
export type TtiMode = "sequential" | "staggered" | "burst";

export interface TtiResult {
  readonly mode: TtiMode;
  readonly runs: number;
  readonly succeeded: number;
  /** Milliseconds from `provision` called to the first command finished, successful runs only. */
  readonly ms: Summary;
  readonly errors: readonly string[];
}

/** Time-to-interactive of one sandbox: provision, then the first command; destroy is not timed. */
async function oneRun(provider: Provider, spec: ProvisionSpec, command: readonly string[]): Promise<number> {
  const started = performance.now();
  const node = await provider.provision(spec);
  try {
    const result = await provider.exec(node.externalId, command);
    if (result.exitCode !== 0)
      throw new Error(`first command exited ${result.exitCode}: ${result.stderr.slice(0, 200)}`);
    return performance.now() - started;
  } finally {
    await provider.destroy(node.externalId);
  }
}

/**
 * Measures time-to-interactive the way ComputeSDK's benchmark defines it (create → first command
 * finished), in one of its three modes. Failures count against the success rate and never
 * against the timings.
 */
export async function measureTti(
  provider: Provider,
  mode: TtiMode,
  runs: number,
  options: { spec?: ProvisionSpec; command?: readonly string[]; staggerMs?: number } = {},
): Promise<TtiResult> {
  const spec = options.spec ?? {};
  const command = options.command ?? ["true"];
  const samples: number[] = [];
  const errors: string[] = [];
  const record = (outcome: PromiseSettledResult<number>) => {
    if (outcome.status === "fulfilled") samples.push(outcome.value);
    else errors.push(String((outcome.reason as Error)?.message ?? outcome.reason).slice(0, 300));
  };
  if (mode === "sequential") {
    for (let index = 0; index < runs; index++) {
      record(await oneRun(provider, spec, command).then(fulfilled, rejected));
    }
  } else {
    const staggerMs = mode === "staggered" ? (options.staggerMs ?? 200) : 0;
    const pending: Promise<void>[] = [];
    for (let index = 0; index < runs; index++) {
      pending.push(oneRun(provider, spec, command).then(fulfilled, rejected).then(record));
      if (staggerMs > 0) await new Promise((resolve) => setTimeout(resolve, staggerMs));
    }
    await Promise.all(pending);
  }
  return { mode, runs, succeeded: samples.length, ms: summarize(samples), errors: [...new Set(errors)] };
}

function fulfilled(value: number): PromiseSettledResult<number> {
  return { status: "fulfilled", value };
}

function rejected(reason: unknown): PromiseSettledResult<number> {
  return { status: "rejected", reason };
}
