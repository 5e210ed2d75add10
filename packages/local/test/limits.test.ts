import type { MetricsExtension } from "@openlattice/core";
import { describe, expect, it } from "vitest";
import {
  CGROUP_SKIP_REASON,
  lazyProvider,
  SKIP_REASON,
  skipCgroups,
  skipTier,
  sleep,
  TIERS,
  waitFor,
} from "./helpers.js";

const noCgroups = skipCgroups;
const NO_CGROUP_REASON = CGROUP_SKIP_REASON;

describe.each(TIERS)("limits and lifecycle (%s tier)", (tier) => {
  const skip = skipTier(tier) || noCgroups;
  const name = (text: string) => `${text}${tier === "namespace" ? SKIP_REASON : ""}${NO_CGROUP_REASON}`;
  const provider = lazyProvider(tier);
  const fewPids = lazyProvider(tier, { defaultPidsLimit: 16 });

  const metricsOf = (id: string): MetricsExtension => {
    const metrics = provider().getExtension(id, "metrics");
    if (!metrics) throw new Error("metrics extension missing");
    return metrics;
  };

  it.skipIf(skip)(name("a memory limit OOM-kills a command that exceeds it (exit 137)"), async () => {
    const p = provider();
    const { externalId } = await p.provision({ resources: { memoryMiB: 96 } });
    const result = await p.exec(externalId, ["node", "-e", "const a=[];for(;;)a.push(Buffer.alloc(1<<20,1))"], {
      timeoutMs: 20_000,
    });
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(137);
    expect(result.oomKilled).toBe(true);
    const sample = await metricsOf(externalId).sample();
    expect(sample.memoryLimitBytes).toBe(96 * 1024 * 1024);
  });

  it.skipIf(skip)(name("a command killed by SIGKILL for another reason is not reported as out of memory"), async () => {
    const p = provider();
    const { externalId } = await p.provision({ resources: { memoryMiB: 96 } });
    const killed = await p.exec(externalId, ["sh", "-c", "kill -KILL $$"], { timeoutMs: 20_000 });
    expect(killed.exitCode).toBe(137);
    expect(killed.oomKilled).toBe(false);
    const fine = await p.exec(externalId, ["true"]);
    expect(fine.exitCode).toBe(0);
    expect("oomKilled" in fine).toBe(false);
  });

  it.skipIf(skip)(name("a pids limit stops a fork storm"), async () => {
    const p = fewPids();
    const { externalId } = await p.provision({});
    const result = await p.exec(
      externalId,
      ["sh", "-c", "i=0; while [ $i -lt 40 ]; do sleep 5 & i=$((i+1)); done; echo started"],
      { timeoutMs: 3000 },
    );
    expect(result.stderr).toMatch(/fork|Resource temporarily unavailable/i);
    const metrics = p.getExtension(externalId, "metrics");
    const sample = await metrics?.sample();
    expect(sample?.processes ?? 0).toBeLessThanOrEqual(16);
  });

  it.skipIf(skip)(name("a cpu limit throttles a busy loop"), async () => {
    const p = provider();
    const { externalId } = await p.provision({ resources: { cpu: 0.25 } });
    const before = (await metricsOf(externalId).sample()).cpuSeconds;
    await p.exec(externalId, ["timeout", "1", "sh", "-c", "while :; do :; done"]);
    const used = (await metricsOf(externalId).sample()).cpuSeconds - before;
    expect(used).toBeGreaterThan(0.05);
    expect(used).toBeLessThan(0.5);
  });

  it.skipIf(skip)(name("duration.maxSeconds ends the sandbox"), async () => {
    const p = provider();
    const { externalId } = await p.provision({ duration: { maxSeconds: 1 } });
    expect((await p.inspect(externalId)).status).toBe("running");
    const info = await waitFor(async () => {
      const current = await p.inspect(externalId);
      return current.status === "terminated" ? current : undefined;
    }, 5000);
    expect(info.reason).toBe("duration limit");
    await expect(p.exec(externalId, ["true"])).rejects.toMatchObject({ code: "terminated" });
  });

  it.skipIf(skip)(name("pause stops CPU use and resume continues it"), async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    const lifecycle = p.getExtension(externalId, "lifecycle");
    expect(lifecycle).toBeDefined();
    const busy = await p.exec(externalId, ["sh", "-c", "nohup sh -c 'while :; do :; done' >/dev/null 2>&1 &"]);
    expect(busy.exitCode).toBe(0);
    const cpu = async () => (await metricsOf(externalId).sample()).cpuSeconds;
    // Thresholds leave room for a busy CI host: a running loop gets well over 0.05 s of CPU in
    // 600 ms even when sharing two cores; a frozen one gets none.
    await sleep(200);
    const running0 = await cpu();
    await sleep(600);
    expect((await cpu()) - running0).toBeGreaterThan(0.05);
    await lifecycle?.pause();
    expect((await p.inspect(externalId)).status).toBe("paused");
    const paused0 = await cpu();
    await sleep(400);
    expect((await cpu()) - paused0).toBeLessThan(0.02);
    await lifecycle?.resume();
    expect((await p.inspect(externalId)).status).toBe("running");
    const resumed0 = await cpu();
    await sleep(600);
    expect((await cpu()) - resumed0).toBeGreaterThan(0.05);
    await p.destroy(externalId);
  });

  it.skipIf(skip)(name("metrics report memory and processes from cgroup counters"), async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    await p.exec(externalId, ["sh", "-c", "nohup sleep 30 >/dev/null 2>&1 &"]);
    const sample = await metricsOf(externalId).sample();
    expect(sample.timestamp).toBeInstanceOf(Date);
    expect(sample.memoryBytes).toBeGreaterThan(0);
    expect(sample.processes).toBeGreaterThanOrEqual(1);
    expect(sample.cpuSeconds).toBeGreaterThanOrEqual(0);
  });
});
