import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalProvider } from "@openlattice/local";
import { measure, peakRssGrowth } from "../harness/measure.ts";
import { type Summary, summarize } from "../harness/stats.ts";

export interface ExecResults {
  readonly tier: string;
  /** `exec(["true"])` on a warm sandbox, one at a time. */
  readonly latency: Summary;
  /** Completed `exec(["true"])` per second with 1, 10 and 100 in flight. */
  readonly throughput: Record<string, number>;
  readonly streaming: {
    readonly bytes: number;
    readonly seconds: number;
    readonly mibPerSecond: number;
    readonly rssGrowthMiB: number;
  };
}

/** Exec latency, throughput under concurrency, and streaming throughput with its memory cost. */
export async function runExec(
  isolation: "namespace" | "none",
  options: { latencyRuns: number; throughputOps: number; streamBytes: number },
): Promise<ExecResults> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), `ol-bench-exec-${isolation}-`));
  const provider = new LocalProvider({ isolation, stateDir });
  try {
    const { externalId } = await provider.provision({});
    const latency = summarize(await measure(options.latencyRuns, 20, () => provider.exec(externalId, ["true"])));
    const throughput: Record<string, number> = {};
    for (const concurrency of [1, 10, 100]) {
      let next = 0;
      const started = performance.now();
      const worker = async () => {
        while (next++ < options.throughputOps) {
          const result = await provider.exec(externalId, ["true"]);
          if (result.exitCode !== 0) throw new Error(`true exited ${result.exitCode}`);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      throughput[`concurrency ${concurrency}`] = options.throughputOps / ((performance.now() - started) / 1000);
    }
    globalThis.gc?.();
    let received = 0;
    const started = performance.now();
    const { growthBytes } = await peakRssGrowth(() =>
      provider.exec(externalId, ["head", "-c", String(options.streamBytes), "/dev/zero"], {
        maxOutputBytes: 0,
        onStdoutBytes: (chunk) => {
          received += chunk.byteLength;
        },
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    if (received !== options.streamBytes) throw new Error(`streamed ${received} of ${options.streamBytes} bytes`);
    return {
      tier: provider.tier,
      latency,
      throughput,
      streaming: {
        bytes: received,
        seconds,
        mibPerSecond: received / 1024 / 1024 / seconds,
        rssGrowthMiB: growthBytes / 1024 / 1024,
      },
    };
  } finally {
    await provider.destroyAll();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
