/**
 * Default limits against a hostile process: a fork bomb stops at the default pids limit (512),
 * and an exec the OOM killer ends reports `oomKilled`. Real cgroups, real kernel.
 */
import { describe, expect, it } from "vitest";
import { LocalProvider } from "../src/index.js";
import {
  CGROUP_SKIP_REASON,
  lazyProvider,
  memoryEnforceable,
  SKIP_REASON,
  skipCgroups,
  skipNamespace,
  sleep,
  tempStateDir,
} from "./helpers.js";

describe.skipIf(skipNamespace || skipCgroups)(
  `default limits (namespace tier)${SKIP_REASON}${CGROUP_SKIP_REASON}`,
  () => {
    const provider = lazyProvider("namespace");

    it("a fork bomb is held at the default pids limit of 512 and the sandbox recovers", async () => {
      const p = provider();
      const { externalId } = await p.provision({});
      const metrics = p.getExtension(externalId, "metrics");
      if (!metrics) throw new Error("metrics extension missing");
      const bomb = p.exec(externalId, ["bash", "-c", "b(){ b|b& }; b; sleep 20"], { timeoutMs: 6000 });
      let most = 0;
      const until = Date.now() + 4000;
      while (Date.now() < until) {
        most = Math.max(most, (await metrics.sample()).processes ?? 0);
        await sleep(100);
      }
      const result = await bomb;
      expect(result.timedOut).toBe(true);
      // It did multiply, and stopped at the limit.
      expect(most).toBeGreaterThan(100);
      expect(most).toBeLessThanOrEqual(512);
      const after = await p.exec(externalId, ["echo", "ok"]);
      expect(after.stdout).toBe("ok\n");
    }, 30_000);

    it.skipIf(!memoryEnforceable)(
      "an exec the OOM killer ends reports oomKilled; a plain kill -9 does not",
      async () => {
        const p = provider();
        const { externalId } = await p.provision({ resources: { memoryMiB: 64 } });
        const fine = await p.exec(externalId, ["true"]);
        expect(fine.oomKilled).not.toBe(true);
        const hog = await p.exec(externalId, ["node", "-e", "const a=[];for(;;)a.push(Buffer.alloc(1<<20,1))"], {
          timeoutMs: 20_000,
        });
        expect(hog.exitCode).toBe(137);
        expect(hog.oomKilled).toBe(true);
        // A SIGKILL that is not the OOM killer's is not reported as one.
        const killed = await p.exec(externalId, ["sh", "-c", "kill -9 $$"]);
        expect(killed.exitCode).toBe(137);
        expect(killed.oomKilled).toBe(false);
      },
      30_000,
    );
  },
);

describe("limit options", () => {
  it("a non-positive or fractional size or count fails typed, naming the option", () => {
    for (const field of ["defaultPidsLimit", "shmSizeMiB", "tmpSizeMiB"] as const) {
      for (const value of [0, -1, 1.5]) {
        expect(() => new LocalProvider({ stateDir: tempStateDir(), isolation: "none", [field]: value })).toThrow(
          expect.objectContaining({ code: "invalid_argument", field }),
        );
      }
    }
  });
});
