import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { timeSpawn } from "./measure.ts";

export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Times `a` and `b` alternately in blocks of `block` calls, `runs` times each, optionally after
 * an idle gap before every timed call (the gap itself is not timed). Interleaving puts both
 * under the same machine load. Blocks rather than single calls: a raw spawn forks this process,
 * which write-protects all of its pages, and whatever runs next pays the copy-on-write faults
 * (measured: 1.0 ms for an exec alone, 3.8 ms right after a spawn) — a cost of the baseline, not
 * of what it is compared with.
 */
export async function interleaved(
  runs: number,
  gapMs: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  block = 1,
): Promise<{ a: number[]; b: number[] }> {
  const times = { a: [] as number[], b: [] as number[] };
  for (let done = 0; done < runs; done += block) {
    for (const [key, body] of [
      ["a", a],
      ["b", b],
    ] as const) {
      for (let index = 0; index < Math.min(block, runs - done); index++) {
        if (gapMs > 0) await pause(gapMs);
        const started = performance.now();
        await body();
        times[key].push(performance.now() - started);
      }
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
