import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isSandboxError } from "@openlattice/core";
import { LocalProvider, pruneSnapshots } from "@openlattice/local";

export interface SoakResults {
  readonly tier: string;
  readonly seconds: number;
  readonly cycles: number;
  readonly cyclesPerSecond: number;
  /** Errors by code (untyped errors count as `untyped`). */
  readonly errors: Record<string, number>;
  readonly openFds: { readonly start: number; readonly end: number };
  /** RSS after a forced GC (when `--expose-gc` is on), at the first and last tenth of the run. */
  readonly rssMiB: { readonly start: number; readonly end: number };
  /** Sandboxes still listed, state directories and snapshots still on disk after the run. */
  readonly leftovers: { readonly listed: number; readonly sandboxDirs: number; readonly snapshots: number };
}

function openFds(): number {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return Number.NaN;
  }
}

function rssMiB(): number {
  globalThis.gc?.();
  return process.memoryUsage().rss / 1024 / 1024;
}

/**
 * Runs provision → exec → write → snapshot → restore → exec → destroy cycles with `concurrency`
 * workers for `seconds`, pruning snapshots as it goes, and reports what is left at the end.
 * A healthy provider ends with zero leftovers, no untyped errors and flat memory.
 */
export async function runSoak(options: { seconds: number; concurrency: number }): Promise<SoakResults> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "ol-bench-soak-"));
  const provider = new LocalProvider({ stateDir });
  const errors: Record<string, number> = {};
  let cycles = 0;
  const deadline = performance.now() + options.seconds * 1000;
  const fdStart = openFds();
  let rssStart = Number.NaN;
  let rssEnd = Number.NaN;
  const started = performance.now();
  const cycle = async (worker: number) => {
    const node = await provider.provision({ labels: { soak: "1", worker: String(worker) } });
    let restored: string | undefined;
    try {
      await provider.exec(node.externalId, ["sh", "-c", "echo work > out.txt"]);
      await provider.getExtension(node.externalId, "files")?.write("in.txt", `cycle ${cycles}`);
      const ref = await provider.snapshot(node.externalId);
      restored = (await provider.restore(ref)).externalId;
      const check = await provider.exec(restored, ["cat", "in.txt", "out.txt"]);
      if (check.exitCode !== 0) throw new Error(`restored sandbox lost files: ${check.stderr}`);
    } finally {
      await provider.destroy(node.externalId);
      if (restored) await provider.destroy(restored);
    }
  };
  const worker = async (index: number) => {
    while (performance.now() < deadline) {
      try {
        await cycle(index);
        cycles += 1;
      } catch (error) {
        const code = isSandboxError(error) ? error.code : "untyped";
        errors[code] = (errors[code] ?? 0) + 1;
      }
      if (cycles % 20 === 0) await pruneSnapshots(provider, { keepLast: 5 });
      if (Number.isNaN(rssStart) && performance.now() - started > options.seconds * 100) rssStart = rssMiB();
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, (_, index) => worker(index)));
    await pruneSnapshots(provider, { keepLast: 0 });
    rssEnd = rssMiB();
    const seconds = (performance.now() - started) / 1000;
    const listed = (await provider.list({ labels: { soak: "1" } })).length;
    const sandboxDirs = readdirSync(path.join(stateDir, "sandboxes")).length;
    const snapshots = (await provider.listSnapshots()).length;
    return {
      tier: provider.tier,
      seconds,
      cycles,
      cyclesPerSecond: cycles / seconds,
      errors,
      openFds: { start: fdStart, end: openFds() },
      rssMiB: { start: Number.isNaN(rssStart) ? rssEnd : rssStart, end: rssEnd },
      leftovers: { listed, sandboxDirs, snapshots },
    };
  } finally {
    await provider.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
