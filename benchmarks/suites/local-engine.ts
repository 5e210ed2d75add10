import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalProvider } from "@openlattice/local";
import { ballast, interleaved, pause, rawSpawn, worstStall } from "../harness/engine-harness.ts";
import { peakRssGrowth, timeSpawn } from "../harness/measure.ts";
import { type Summary, summarize } from "../harness/stats.ts";
import { bwrapBaselineArgs } from "./baselines.ts";

/** Figures of issue #12 (local engine v2), each next to the baseline it is judged against. */
export interface EngineResults {
  readonly tier: string;
  readonly exec: Record<"backToBack" | "idleGap30ms", { exec: Summary; spawn: Summary; ratio: number }>;
  /** exec alone (never interleaved with a spawn, whose fork would disturb this process's pages). */
  readonly heap: {
    smallHeap: Summary;
    largeHeap: Summary;
    largeHeapMiB: number;
    spawnSmall: Summary;
    spawnLarge: Summary;
  };
  readonly coldTti: { tti: Summary; bwrap: Summary };
  readonly pooledBurst: BurstResult;
  readonly coldBurst: BurstResult;
  readonly idle: { sandboxes: number; cgroupMemoryKiB: Summary | undefined; orchestratorKiB: number; rssKiB: number };
  readonly streaming: Record<"bytes" | "text", { mibPerSecond: number; rssGrowthMiB: number }> & {
    /** The same bytes through a plain pipe from a raw spawn, in the same run. */
    readonly rawPipeMiBPerSecond: number;
  };
  /** 1-minute load average before and after: other work on the machine moves every figure. */
  readonly loadAverage: readonly [number, number];
}

export interface BurstResult {
  readonly runs: number;
  readonly succeeded: number;
  readonly ms: Summary;
  readonly maxStallMs: number;
  /** The longest garbage-collection pause in the same window (part of any stall). */
  readonly maxGcMs: number;
}

async function burst(provider: LocalProvider, runs: number): Promise<BurstResult> {
  const samples: number[] = [];
  let succeeded = 0;
  const ids: string[] = [];
  const { maxStallMs, maxGcMs } = await worstStall(() =>
    Promise.all(
      Array.from({ length: runs }, async () => {
        const started = performance.now();
        const node = await provider.provision({});
        ids.push(node.externalId);
        const result = await provider.exec(node.externalId, ["true"]);
        if (result.exitCode === 0) {
          samples.push(performance.now() - started);
          succeeded++;
        }
      }),
    ).catch(() => undefined),
  );
  await Promise.all(ids.map((id) => provider.destroy(id)));
  return { runs, succeeded, ms: summarize(samples), maxStallMs, maxGcMs };
}

/** Raw pipe throughput: `head -c bytes /dev/zero` from a plain spawn, read by this process. */
async function rawPipe(bytes: number): Promise<number> {
  const started = performance.now();
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    const child = spawn("head", ["-c", String(bytes), "/dev/zero"], { stdio: ["ignore", "pipe", "ignore"] });
    child.stdout.on("data", (chunk: Buffer) => {
      received += chunk.byteLength;
    });
    child.on("error", reject);
    child.on("close", () => resolve());
  });
  if (received !== bytes) throw new Error(`raw pipe moved ${received} of ${bytes} bytes`);
  return bytes / 1024 / 1024 / ((performance.now() - started) / 1000);
}

async function timeEach(runs: number, body: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let index = 0; index < runs; index++) {
    const started = performance.now();
    await body();
    times.push(performance.now() - started);
  }
  return times;
}

async function stream(provider: LocalProvider, id: string, bytes: number, text: boolean) {
  globalThis.gc?.();
  await pause(100);
  let received = 0;
  const started = performance.now();
  const { growthBytes } = await peakRssGrowth(() =>
    provider.exec(id, ["head", "-c", String(bytes), "/dev/zero"], {
      maxOutputBytes: 0,
      ...(text
        ? { onStdout: (chunk: string) => (received += chunk.length) }
        : { onStdoutBytes: (chunk: Uint8Array) => (received += chunk.byteLength) }),
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (received !== bytes) throw new Error(`streamed ${received} of ${bytes} bytes`);
  return { mibPerSecond: bytes / 1024 / 1024 / seconds, rssGrowthMiB: growthBytes / 1024 / 1024 };
}

/** Runs every engine figure on one tier; `quick` shrinks the counts for a smoke run. */
export async function runLocalEngine(isolation: "namespace" | "none", quick: boolean): Promise<EngineResults> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), `ol-bench-engine-${isolation}-`));
  const workspace = mkdtempSync(path.join(os.tmpdir(), "ol-bench-engine-bwrap-"));
  const provider = new LocalProvider({ isolation, stateDir });
  const n = quick ? { exec: 40, tti: 10, burst: 20, idle: 10 } : { exec: 300, tti: 100, burst: 100, idle: 100 };
  try {
    await provider.whenReady();
    const { externalId } = await provider.provision({});
    const exec = () => provider.exec(externalId, ["true"]);
    for (let warm = 0; warm < 20; warm++) await exec();
    // Rounds of interleaved pairs; the ratio is the median of the rounds' p50 ratios, so one
    // phase of heavy load elsewhere on the machine does not decide it.
    const pair = async (gapMs: number) => {
      const rounds = quick ? 2 : 6;
      const all = { a: [] as number[], b: [] as number[] };
      const ratios: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const times = await interleaved(Math.ceil(n.exec / rounds), gapMs, exec, rawSpawn, 10);
        all.a.push(...times.a);
        all.b.push(...times.b);
        ratios.push(summarize(times.a).p50 / summarize(times.b).p50);
      }
      return { exec: summarize(all.a), spawn: summarize(all.b), ratio: summarize(ratios).p50 };
    };
    const loadBefore = os.loadavg()[0] ?? Number.NaN;
    const backToBack = await pair(0);
    const idleGap30ms = await pair(30);
    const bwrap = bwrapBaselineArgs(workspace);
    const ttiTimes = await interleaved(
      n.tti,
      0,
      async () => {
        const node = await provider.provision({});
        await provider.exec(node.externalId, ["true"]);
        // Destroy is not part of TTI: it happens after the clock stopped (see interleaved).
        void provider.destroy(node.externalId);
      },
      () => timeSpawn("bwrap", bwrap),
    );
    await provider.destroyAll();
    const coldTti = { tti: summarize(ttiTimes.a), bwrap: summarize(ttiTimes.b) };

    // Bursts first, from a collected heap: a GC pause inherited from the heavy parts below
    // (1 GiB of ballast, 1 GiB streamed) would otherwise show up as an event-loop stall.
    const collect = async () => {
      globalThis.gc?.();
      await pause(300);
    };
    await collect();
    const coldBurst = await burst(provider, n.burst);
    const pooled = new LocalProvider({ isolation, stateDir, warmPool: n.burst });
    let pooledBurst: EngineResults["pooledBurst"];
    try {
      await pooled.warmUp();
      await collect();
      pooledBurst = await burst(pooled, n.burst);
    } finally {
      await pooled.close();
    }

    // Heap dependence: exec alone, small heap / large heap / small heap again (a fresh sandbox:
    // the parts above destroyed everything).
    const { externalId: heapBox } = await provider.provision({});
    const heapExec = () => provider.exec(heapBox, ["true"]);
    for (let warm = 0; warm < 20; warm++) await heapExec();
    const largeHeapMiB = quick ? 256 : 1024;
    const smallA = await timeEach(n.exec / 2, heapExec);
    let heavy = ballast(largeHeapMiB);
    const largeHeap = summarize(await timeEach(n.exec, heapExec));
    const spawnLarge = summarize(await timeEach(Math.min(50, n.exec), rawSpawn));
    heavy = [];
    void heavy;
    globalThis.gc?.();
    await pause(200);
    const smallB = await timeEach(n.exec / 2, heapExec);
    const spawnSmall = summarize(await timeEach(Math.min(50, n.exec), rawSpawn));
    const smallHeap = summarize([...smallA, ...smallB]);

    const { externalId: streamer } = await provider.provision({});
    const streamBytes = quick ? 64 * 1024 * 1024 : 1024 * 1024 * 1024;
    const streaming = {
      rawPipeMiBPerSecond: await rawPipe(streamBytes),
      bytes: await stream(provider, streamer, streamBytes, false),
      text: await stream(provider, streamer, streamBytes, true),
    };
    await provider.destroyAll();

    // Warm every code path first, so that what is measured is per-sandbox state only.
    for (let index = 0; index < 5; index++) {
      const node = await provider.provision({});
      await provider.exec(node.externalId, ["true"]);
      await provider.destroy(node.externalId);
    }
    const settle = async () => {
      for (let round = 0; round < 3; round++) {
        globalThis.gc?.();
        await pause(100);
      }
      return process.memoryUsage();
    };
    const before = await settle();
    const idleIds: string[] = [];
    for (let index = 0; index < n.idle; index++) {
      const node = await provider.provision({});
      await provider.exec(node.externalId, ["true"]);
      idleIds.push(node.externalId);
    }
    await pause(500);
    const after = await settle();
    const cgroup: number[] = [];
    for (const id of idleIds.slice(0, 20)) {
      const sample = await provider.getExtension(id, "metrics")?.sample();
      if (sample?.memoryBytes) cgroup.push(sample.memoryBytes / 1024);
    }
    const idle = {
      sandboxes: n.idle,
      cgroupMemoryKiB: cgroup.length > 0 ? summarize(cgroup) : undefined,
      orchestratorKiB: (after.heapUsed + after.external - before.heapUsed - before.external) / 1024 / n.idle,
      rssKiB: (after.rss - before.rss) / 1024 / n.idle,
    };
    return {
      tier: provider.tier,
      loadAverage: [loadBefore, os.loadavg()[0] ?? Number.NaN],
      heap: { smallHeap, largeHeap, largeHeapMiB, spawnSmall, spawnLarge },
      exec: { backToBack, idleGap30ms },
      coldTti,
      pooledBurst,
      coldBurst,
      idle,
      streaming,
    };
  } finally {
    await provider.destroyAll();
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(workspace, { recursive: true, force: true });
  }
}

/** The targets as ratios (and absolute figures where the target is absolute). */
export function engineRatios(results: EngineResults): Record<string, number> {
  const { exec, heap, coldTti, pooledBurst, coldBurst, idle, streaming } = results;
  return {
    "engine: exec true p50 / raw spawn p50, back to back (target <= 0.6)": exec.backToBack.ratio,
    "engine: exec true p50 / raw spawn p50, 30 ms idle gap (target <= 0.6)": exec.idleGap30ms.ratio,
    "engine: exec p50 with 1 GiB heap / small heap (target <= 1.3)": heap.largeHeap.p50 / heap.smallHeap.p50,
    "engine: raw spawn p50 with 1 GiB heap / small heap (for contrast)": heap.spawnLarge.p50 / heap.spawnSmall.p50,
    "engine: cold TTI p50 / raw bwrap p50 (target <= 2.0)": coldTti.tti.p50 / coldTti.bwrap.p50,
    "engine: pooled burst p50 ms (target <= 60)": pooledBurst.ms.p50,
    "engine: pooled burst success (target 1)": pooledBurst.succeeded / pooledBurst.runs,
    "engine: cold burst worst event-loop stall ms (target <= 20)": coldBurst.maxStallMs,
    "engine: idle sandbox cgroup memory p50 KiB (target <= 1024)": idle.cgroupMemoryKiB?.p50 ?? Number.NaN,
    "engine: idle sandbox orchestrator memory KiB (target <= 200)": idle.orchestratorKiB,
    "engine: streaming MiB/s through onStdoutBytes (target >= 500)": streaming.bytes.mibPerSecond,
    "engine: streaming RSS growth MiB (target <= 64)": streaming.bytes.rssGrowthMiB,
    "engine: streaming MiB/s through onStdout, text": streaming.text.mibPerSecond,
    "engine: streaming through onStdoutBytes / raw pipe": streaming.bytes.mibPerSecond / streaming.rawPipeMiBPerSecond,
  };
}
