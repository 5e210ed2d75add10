import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LocalProvider } from "../src/index.js";
import { memoryEnforceable, SKIP_REASON, skipTier, sleep, TIERS, tempStateDir } from "./helpers.js";
import { cgroupsOf, leftovers, processesMentioning, processesWithMarker } from "./leftovers.js";

const here = path.dirname(fileURLToPath(import.meta.url));

describe.each(TIERS)("lifecycle and cleanup (%s tier)", (tier) => {
  const skip = skipTier(tier);
  const name = (text: string) => `${text}${tier === "namespace" ? SKIP_REASON : ""}`;

  it.skipIf(skip)(
    name("50 concurrent sandboxes provision, exec and destroy, leaving nothing behind"),
    async () => {
      const stateDir = tempStateDir();
      const provider = new LocalProvider({ isolation: tier, stateDir });
      const ids = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const { externalId } = await provider.provision({});
          const result = await provider.exec(externalId, [
            "sh",
            "-c",
            `echo sandbox-${i}; nohup sleep 60 >/dev/null 2>&1 &`,
          ]);
          expect(result.stdout).toBe(`sandbox-${i}\n`);
          return externalId;
        }),
      );
      expect(new Set(ids).size).toBe(50);
      await Promise.all(ids.map((id) => provider.destroy(id)));
      expect(leftovers(stateDir, ids)).toEqual([]);
      for (const id of ids) expect((await provider.inspect(id)).status).toBe("terminated");
      // destroy is idempotent, also for ids never seen.
      await provider.destroy(ids[0] as string);
      await provider.destroy("sbx-never-existed");
    },
    60_000,
  );

  it.skipIf(skip)(
    name("a warm pool hands out pre-started sandboxes that honour the spec, and close() removes all"),
    async () => {
      const stateDir = tempStateDir();
      const provider = new LocalProvider({ isolation: tier, stateDir, warmPool: 2 });
      await provider.warmUp();
      const pooledIds = readdirSync(path.join(stateDir, "sandboxes"));
      // Both tiers pool: a pooled sandbox is an agent waiting for work.
      expect(pooledIds).toHaveLength(2);
      // A memory limit is applied on hand-out where it can be enforced, refused where it cannot.
      if (!memoryEnforceable) {
        await expect(provider.provision({ resources: { memoryMiB: 64 } })).rejects.toMatchObject({
          code: "unsupported",
        });
      }
      const node = await provider.provision({
        labels: { a: "1" },
        runtime: { image: "host", env: { GREETING: "hi" } },
        ...(memoryEnforceable ? { resources: { memoryMiB: 64 } } : {}),
      });
      expect(pooledIds).toContain(node.externalId);
      expect(node.labels).toEqual({ a: "1" });
      const result = await provider.exec(node.externalId, ["sh", "-c", 'echo "$GREETING"']);
      expect(result.stdout).toBe("hi\n");
      if (memoryEnforceable) {
        const sample = await provider.getExtension(node.externalId, "metrics")?.sample();
        expect(sample?.memoryLimitBytes).toBe(64 * 1024 * 1024);
      }
      // A spec the pool cannot serve still gets a fresh sandbox.
      const custom = await provider.provision({ network: { egress: "all" } });
      expect(pooledIds).not.toContain(custom.externalId);
      expect((await provider.exec(custom.externalId, ["true"])).exitCode).toBe(0);
      await provider.warmUp();
      await provider.close();
      const everything = [
        ...pooledIds,
        node.externalId,
        custom.externalId,
        ...readdirSync(path.join(stateDir, "sandboxes")),
      ];
      expect(leftovers(stateDir, everything)).toEqual([]);
    },
  );

  it.skipIf(skip)(name("an idempotency key returns the same sandbox; inspect reports it"), async () => {
    const provider = new LocalProvider({ isolation: tier, stateDir: tempStateDir() });
    const spec = { idempotencyKey: `key-${Date.now()}`, labels: { team: "a" }, name: "box-1" };
    const [first, second] = await Promise.all([provider.provision(spec), provider.provision(spec)]);
    expect(second.externalId).toBe(first.externalId);
    const info = await provider.inspect(first.externalId);
    expect(info).toMatchObject({ status: "running", labels: { team: "a" }, name: "box-1", image: "host" });
    expect(info.details).toMatchObject({ isolation: tier });
    expect((await provider.list({ labels: { team: "a" } })).map((entry) => entry.externalId)).toEqual([
      first.externalId,
    ]);
    expect(await provider.list({ labels: { team: "b" } })).toEqual([]);
    const files = provider.getExtension(first.externalId, "files");
    await provider.destroyAll();
    // An extension of a destroyed sandbox fails with terminated rather than touching anything.
    await expect(files?.read("x")).rejects.toMatchObject({ code: "terminated" });
    expect(await provider.inspect("sbx-never")).toMatchObject({ status: "terminated", reason: "not found" });
  });

  it.skipIf(skip)(name("destroy racing provision (abort or destroy mid-start) leaves nothing behind"), async () => {
    const stateDir = tempStateDir();
    const provider = new LocalProvider({ isolation: tier, stateDir });
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const controller = new AbortController();
        const reason = new Error("cancelled");
        setTimeout(() => controller.abort(reason), i);
        try {
          const node = await provider.provision({}, { signal: controller.signal });
          await provider.destroy(node.externalId);
          return node.externalId;
        } catch (error) {
          expect(error).toBe(reason);
          return "aborted";
        }
      }),
    );
    // Destroy issued while provisioning is still in flight.
    const pending = provider.provision({});
    await sleep(1);
    const idsSoFar = readdirSync(path.join(stateDir, "sandboxes"));
    await Promise.all(idsSoFar.map((id) => provider.destroy(id)));
    const node = await pending;
    await provider.destroy(node.externalId);
    const ids = outcomes.filter((id) => id !== "aborted").concat(node.externalId, idsSoFar);
    expect(leftovers(stateDir, ids)).toEqual([]);
    // Aborted starts included: no process anywhere still refers to this state dir.
    await sleep(200);
    expect(processesMentioning(stateDir)).toEqual([]);
  });

  it.skipIf(skip)(
    name("kill -9 of the owning process leaves nothing after the next start"),
    async () => {
      const stateDir = tempStateDir();
      const marker = `ol-crash-${process.pid}-${tier}-${Date.now()}`;
      const require = createRequire(path.resolve(here, "../../../benchmarks/package.json"));
      const tsx = require.resolve("tsx/esm");
      const child = spawn(
        process.execPath,
        [
          "--conditions=@openlattice/source",
          "--import",
          tsx,
          path.join(here, "fixtures/crash-owner.ts"),
          stateDir,
          tier,
          marker,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      const ids = await new Promise<string[]>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("\n")) resolve(JSON.parse(out) as string[]);
        });
        child.on("exit", (code) => reject(new Error(`owner exited early (${code})`)));
      });
      expect(ids).toHaveLength(3);
      expect(processesWithMarker(marker).length).toBeGreaterThan(0);
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));

      // Any provider start reaps the dead owner's cgroups (and what runs in them), even one using
      // another state dir: a crashed run's temp state dir may be gone for good.
      await new LocalProvider({ isolation: tier, stateDir: tempStateDir() }).whenReady();
      expect(ids.flatMap((id) => cgroupsOf(id))).toEqual([]);
      const next = new LocalProvider({ isolation: tier, stateDir });
      const report = await next.whenReady();
      expect([...report.reaped].sort()).toEqual([...ids].sort());
      // Processes the kernel is still tearing down may take a moment to disappear.
      const deadline = Date.now() + 3000;
      while (processesWithMarker(marker).length > 0 && Date.now() < deadline) await sleep(50);
      expect(processesWithMarker(marker)).toEqual([]);
      // The agents that killed them exit a moment later (unprivileged there is no cgroup to
      // wait on): they must be gone within the same bound.
      while (leftovers(stateDir, ids).length > 0 && Date.now() < deadline + 2000) await sleep(50);
      expect(leftovers(stateDir, ids)).toEqual([]);
      expect(existsSync(path.join(stateDir, "sandboxes"))).toBe(true);
    },
    60_000,
  );
});
