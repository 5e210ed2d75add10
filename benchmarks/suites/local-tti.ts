import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalProvider } from "@openlattice/local";
import { measureTti, type TtiMode, type TtiResult } from "../harness/tti.ts";

export interface LocalTtiResults {
  readonly tier: string;
  readonly tti: TtiResult[];
  /** The same burst and sequential runs with `warmPool: 100` (pre-started sandboxes). */
  readonly warmPool?: TtiResult[];
}

/** Time-to-interactive of the local provider in one isolation tier, all three modes. */
export async function runLocalTti(
  isolation: "namespace" | "none",
  runs: Record<TtiMode, number>,
  withWarmPool: boolean,
): Promise<LocalTtiResults> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), `ol-bench-tti-${isolation}-`));
  const provider = new LocalProvider({ isolation, stateDir });
  try {
    await provider.whenReady();
    await measureTti(provider, "sequential", 5); // warm-up: page cache, first cgroup creation
    const tti: TtiResult[] = [];
    for (const mode of ["sequential", "staggered", "burst"] as TtiMode[])
      tti.push(await measureTti(provider, mode, runs[mode]));
    let warmPool: TtiResult[] | undefined;
    if (withWarmPool) {
      const pooled = new LocalProvider({ isolation, stateDir, warmPool: runs.burst });
      try {
        await pooled.warmUp();
        const burst = await measureTti(pooled, "burst", runs.burst);
        await pooled.warmUp();
        warmPool = [await measureTti(pooled, "sequential", runs.sequential), burst];
      } finally {
        await pooled.close();
      }
    }
    return { tier: provider.tier, tti, ...(warmPool && { warmPool }) };
  } finally {
    await provider.destroyAll();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
