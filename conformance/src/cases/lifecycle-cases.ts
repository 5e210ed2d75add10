import { expect } from "vitest";
import type { CaseContext } from "../suite/case-context.js";
import type { CaseDefinition } from "./case-definition.js";
import { expectSandboxError, pathExists, requireExtension, sleep, waitForEnd } from "./case-helpers.js";

/** Reads the counter the background loop keeps updating (written via rename, so never half-written). */
async function readCounter(c: CaseContext, id: string, file: string): Promise<number> {
  const result = await c.mustExec(id, ["cat", file]);
  const value = Number(result.stdout.trim());
  if (!Number.isInteger(value)) throw new Error(`counter file holds ${JSON.stringify(result.stdout)}`);
  return value;
}

/** Pause/resume (the `lifecycle` extension) and the duration limit. */
export const LIFECYCLE_CASES: readonly CaseDefinition[] = [
  {
    id: "lifecycle.pause-resume",
    run: async (c) => {
      const box = await c.sandbox();
      const lifecycle = requireExtension(c, box.id, "lifecycle");
      const file = `${box.scratch}/counter`;
      const loop = 'i=0; while :; do i=$((i+1)); echo $i > "$1.tmp"; mv "$1.tmp" "$1"; sleep 0.1; done';
      await c.mustExec(box.id, ["sh", "-c", `sh -c '${loop}' sh "$1" >/dev/null 2>&1 </dev/null &`, "sh", file]);
      const ready = Date.now() + 10_000;
      while (!(await pathExists(c, box.id, file))) {
        if (Date.now() > ready) throw new Error("the background counter never started");
        await sleep(100);
      }
      // Calibrate: how fast the counter runs in this sandbox.
      const a = await readCounter(c, box.id, file);
      const aAt = Date.now();
      await sleep(800);
      const b = await readCounter(c, box.id, file);
      const rate = (b - a) / (Date.now() - aAt);
      if (b <= a) throw new Error("the background counter does not advance before pausing");

      const beforePause = await readCounter(c, box.id, file);
      const pausedAt = Date.now();
      await lifecycle.pause();
      const info = await c.provider.inspect(box.id);
      expect(info.status, "status while paused").toBe("paused");
      await sleep(2_000);
      await lifecycle.resume();
      const afterResume = await readCounter(c, box.id, file);
      const window = Date.now() - pausedAt;
      // Running all the time would add rate × window; at least the 2 s of pause must show no progress.
      const allowed = Math.ceil(rate * (window - 2_000)) + 3;
      expect(
        afterResume - beforePause,
        `progress while paused (running would add about ${Math.round(rate * window)})`,
      ).toBeLessThanOrEqual(allowed);
      await sleep(800);
      const later = await readCounter(c, box.id, file);
      expect(later, "the counter advances again after resume").toBeGreaterThan(afterResume);
      expect((await c.provider.inspect(box.id)).status, "status after resume").toBe("running");
    },
  },
  {
    id: "lifecycle.duration-limit",
    run: async (c) => {
      const max = c.capabilities.constraints.maxDurationSeconds;
      const seconds = max === undefined ? 1 : Math.min(1, max);
      const started = Date.now();
      const node = await c.provision({ duration: { maxSeconds: seconds } });
      const info = await waitForEnd(c, node.externalId, seconds * 1_000 + c.options.timeouts.durationGraceMs);
      expect(
        info.status,
        `status ${Math.round((Date.now() - started) / 1000)} s after provisioning with maxSeconds ${seconds}`,
      ).toBe("terminated");
      await expectSandboxError(
        c.provider.exec(node.externalId, ["true"]),
        ["terminated", "not_found"],
        "exec after the duration limit",
      );
    },
  },
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
];
