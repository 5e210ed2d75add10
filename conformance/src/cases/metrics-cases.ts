import { expect } from "vitest";
import type { CaseDefinition } from "./case-definition.js";
import { pathExists, requireExtension, sleep } from "./case-helpers.js";

const MiB = 1024 * 1024;

/** The `metrics` extension: well-formed samples that follow what the sandbox does. */
export const METRICS_CASES: readonly CaseDefinition[] = [
  {
    id: "metrics.sample",
    run: async (c) => {
      const node = await c.provision();
      const metrics = requireExtension(c, node.externalId, "metrics");
      const sample = await metrics.sample();
      expect(sample.timestamp instanceof Date, "timestamp is a Date").toBe(true);
      expect(Number.isFinite(sample.cpuSeconds) && sample.cpuSeconds >= 0, "cpuSeconds").toBe(true);
      expect(Number.isFinite(sample.memoryBytes) && sample.memoryBytes >= 0, "memoryBytes").toBe(true);
    },
  },
  {
    id: "metrics.moves",
    run: async (c) => {
      const box = await c.sandbox();
      const metrics = requireExtension(c, box.id, "metrics");
      const first = await metrics.sample();
      // Two seconds of busy loop (ended by the timeout) must show up as CPU time.
      await c.exec(box.id, ["sh", "-c", "while :; do :; done"], { timeoutMs: 2_000 });
      const afterCpu = await metrics.sample();
      expect(
        afterCpu.cpuSeconds - first.cpuSeconds,
        `cpuSeconds went from ${first.cpuSeconds} to ${afterCpu.cpuSeconds} over a 2 s busy loop`,
      ).toBeGreaterThan(0.1);
      // 64 MiB held by a background shell (a command substitution keeps its output in memory).
      const ready = `${box.scratch}/allocated`;
      const pidFile = `${box.scratch}/holder.pid`;
      const hold = 'x=$(head -c 67108864 /dev/zero | tr "\\000" a); echo ready > "$1"; sleep 60';
      await c.mustExec(box.id, [
        "sh",
        "-c",
        `sh -c '${hold}' sh "$1" >/dev/null 2>&1 </dev/null & echo $! > "$2"`,
        "sh",
        ready,
        pidFile,
      ]);
      const deadline = Date.now() + 20_000;
      while (!(await pathExists(c, box.id, ready))) {
        if (Date.now() > deadline) throw new Error("the 64 MiB allocation never finished");
        await sleep(200);
      }
      const afterMemory = await metrics.sample();
      await c.exec(box.id, ["sh", "-c", 'kill "$(cat "$1")"', "sh", pidFile]);
      expect(
        (afterMemory.memoryBytes - afterCpu.memoryBytes) / MiB,
        `memoryBytes went from ${afterCpu.memoryBytes} to ${afterMemory.memoryBytes} with 64 MiB held (MiB of growth)`,
      ).toBeGreaterThan(32);
    },
  },
];
