import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isSandboxError } from "@openlattice/core";
import { describe, expect, it } from "vitest";
import { LocalProvider } from "../src/index.js";
import { SKIP_REASON, skipTier, sleep, TIERS, tempStateDir } from "./helpers.js";
import { cgroupsOf, leftovers, processesWithMarker } from "./leftovers.js";

const here = path.dirname(fileURLToPath(import.meta.url));

/** An outcome is acceptable when it is a result or a typed SandboxError: never a raw error. */
function describeOutcome(outcome: PromiseSettledResult<unknown>): string {
  if (outcome.status === "fulfilled") return "resolved";
  return isSandboxError(outcome.reason) ? `typed:${outcome.reason.code}` : `UNTYPED:${String(outcome.reason)}`;
}

describe.each(TIERS)("races and crashes (%s tier)", (tier) => {
  const skip = skipTier(tier);
  const name = (text: string) => `${text}${tier === "namespace" ? SKIP_REASON : ""}`;

  it.skipIf(skip)(
    name("exec racing destroy ends every exec typed or with a kill exit code, leaving nothing"),
    async () => {
      const stateDir = tempStateDir();
      const provider = new LocalProvider({ isolation: tier, stateDir });
      const { externalId } = await provider.provision({});
      // allSettled at once: the execs reject while destroy is awaited and must never be unhandled.
      const settled = Promise.allSettled(
        Array.from({ length: 8 }, (_, index) =>
          provider.exec(externalId, index % 2 ? ["sleep", "30"] : ["sh", "-c", "sleep 30 & setsid sleep 30 & wait"]),
        ),
      );
      await sleep(300);
      await Promise.all([provider.destroy(externalId), provider.destroy(externalId)]);
      const outcomes = await settled;
      for (const outcome of outcomes) {
        const text = describeOutcome(outcome);
        if (outcome.status === "fulfilled") expect((outcome.value as { exitCode: number }).exitCode).not.toBe(0);
        else expect(text).toMatch(/^typed:(terminated|not_found|unavailable)$/);
      }
      // A late exec fails typed too.
      await expect(provider.exec(externalId, ["true"])).rejects.toMatchObject({
        code: expect.stringMatching(/terminated|not_found/),
      });
      expect(leftovers(stateDir, [externalId])).toEqual([]);
    },
  );

  it.skipIf(skip)(
    name("a 100-way burst with destroys racing provisions and execs yields only typed errors and no leaks"),
    async () => {
      const stateDir = tempStateDir();
      const provider = new LocalProvider({ isolation: tier, stateDir });
      const ids: string[] = [];
      const outcomes = await Promise.allSettled(
        Array.from({ length: 100 }, async (_, index) => {
          const node = await provider.provision({ labels: { burst: String(index) } });
          ids.push(node.externalId);
          // Settled at once, so a rejection while destroy runs is never momentarily unhandled.
          const exec = provider.exec(node.externalId, ["sh", "-c", `echo ${index}; sleep 0.${index % 5}`]).then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          );
          // Every third sandbox is destroyed while its exec runs.
          if (index % 3 === 0) await provider.destroy(node.externalId);
          const settled = await exec;
          if ("error" in settled) throw settled.error;
          const result = settled.value;
          if (index % 3 !== 0) expect(result.stdout).toBe(`${index}\n`);
          await provider.destroy(node.externalId);
        }),
      );
      const kinds = outcomes.map(describeOutcome);
      expect(kinds.filter((kind) => kind.startsWith("UNTYPED"))).toEqual([]);
      // Sandboxes whose exec was not interrupted all succeeded.
      expect(outcomes.filter((outcome, index) => index % 3 !== 0 && outcome.status === "rejected")).toEqual([]);
      expect(await provider.list({})).toEqual([]);
      expect(leftovers(stateDir, ids)).toEqual([]);
    },
    120_000,
  );

  it.skipIf(skip)(
    name("SIGKILL of the owner mid-provision and mid-exec leaves nothing after the next start"),
    async () => {
      const stateDir = tempStateDir();
      const marker = `ol-chaos-${process.pid}-${tier}-${Date.now()}`;
      const require = createRequire(path.resolve(here, "../../../benchmarks/package.json"));
      const child = spawn(
        process.execPath,
        [
          "--conditions=@openlattice/source",
          "--import",
          require.resolve("tsx/esm"),
          path.join(here, "fixtures/chaos-owner.ts"),
          stateDir,
          tier,
          marker,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("busy") && resolve());
        child.on("exit", (code) => reject(new Error(`owner exited early (${code})`)));
      });
      await sleep(150); // provisions and execs are in flight now
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));

      const next = new LocalProvider({ isolation: tier, stateDir });
      const report = await next.whenReady();
      expect(report.reaped.length).toBeGreaterThan(0);
      const deadline = Date.now() + 5000;
      while (processesWithMarker(marker).length > 0 && Date.now() < deadline) await sleep(50);
      expect(processesWithMarker(marker)).toEqual([]);
      // The agents that killed them exit a moment later (unprivileged there is no cgroup to
      // wait on): they must be gone within the same bound.
      while (leftovers(stateDir, report.reaped).length > 0 && Date.now() < deadline + 2000) await sleep(50);
      expect(report.reaped.flatMap((id) => cgroupsOf(id))).toEqual([]);
      expect(leftovers(stateDir, report.reaped)).toEqual([]);
    },
    60_000,
  );
});
