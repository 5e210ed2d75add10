import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { timeSpawn } from "./measure.ts";

export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Times `a` and `b` alternately, `runs` times each, optionally after an idle gap before every
 * timed call (the gap itself is not timed). Interleaving puts both under the same machine load.
 */
export async function interleaved(
  runs: number,
  gapMs: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<{ a: number[]; b: number[] }> {
  const times = { a: [] as number[], b: [] as number[] };
  for (let index = 0; index < runs; index++) {
    for (const [key, body] of [
      ["a", a],
      ["b", b],
    ] as const) {
      if (gapMs > 0) await pause(gapMs);
      const started = performance.now();
      await body();
      times[key].push(performance.now() - started);
    }
  }
  return times;
}

/** Raw `spawn("/bin/true")` from Node: the baseline an exec is compared with. */
export const rawSpawn = () => timeSpawn("/bin/true", []);

/** The longest event-loop stall while `body` runs (1 ms resolution), and the longest GC pause. */
export async function worstStall<T>(
  body: () => Promise<T>,
): Promise<{ result: T; maxStallMs: number; maxGcMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let maxGcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) maxGcMs = Math.max(maxGcMs, entry.duration);
  });
  gc.observe({ entryTypes: ["gc"] });
  histogram.enable();
  try {
    const result = await body();
    return { result, maxStallMs: histogram.max / 1e6, maxGcMs };
  } finally {
    histogram.disable();
    gc.disconnect();
  }
}

/**
 * Live memory the orchestrator holds while it runs: `mib` MiB in 64 MiB buffers, every page
 * touched (node's own spawn forks this process, so its cost grows with exactly this).
 */
export function ballast(mib: number): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  for (let left = mib; left > 0; left -= 64) blocks.push(new Uint8Array(Math.min(64, left) * 1024 * 1024).fill(1));
  return blocks;
}
