import { describe, expect, it } from "vitest";
import { isSandboxError, openSandbox, withFaults, withRetry } from "../src/index.js";
import { RecordingProvider } from "./recording-provider.js";

const fast = { minDelayMs: 1, maxDelayMs: 2 };

describe("withFaults", () => {
  it("injects typed errors marked as injected, at the configured rate, deterministically", async () => {
    const run = async (seed: number) => {
      const provider = withFaults(new RecordingProvider(), { errorRate: 0.5, codes: ["capacity"], seed });
      const outcomes: string[] = [];
      for (let index = 0; index < 40; index++) {
        outcomes.push(
          await provider.provision({}).then(
            () => "ok",
            (error: unknown) => (isSandboxError(error) && error.details.injected ? error.code : "other"),
          ),
        );
      }
      return { outcomes, stats: provider.faultStats };
    };
    const first = await run(7);
    expect(new Set(first.outcomes)).toEqual(new Set(["ok", "capacity"]));
    expect(first.stats.injectedErrors.provision).toBe(first.outcomes.filter((o) => o === "capacity").length);
    expect(first.stats.injectedErrors.provision).toBeGreaterThan(8);
    expect(first.stats.injectedErrors.provision).toBeLessThan(32);
    expect((await run(7)).outcomes).toEqual(first.outcomes);
  });

  it("leaves unaffected methods alone", async () => {
    const inner = new RecordingProvider();
    const provider = withFaults(inner, { errorRate: 1, methods: ["exec"] });
    const node = await provider.provision({});
    await expect(provider.exec(node.externalId, ["true"])).rejects.toMatchObject({ code: "unavailable" });
    await provider.destroy(node.externalId);
    expect(inner.live.size).toBe(0);
  });

  it("makes withRetry retry retryable codes but not others", async () => {
    for (const [code, expectedCalls] of [
      ["unavailable", 4],
      ["invalid_argument", 1],
      ["authentication", 1],
      ["rate_limited", 4],
    ] as const) {
      const inner = new RecordingProvider();
      const provider = withFaults(inner, { errorRate: 1, codes: [code], methods: ["inspect"] });
      const node = await provider.provision({});
      await expect(withRetry(() => provider.inspect(node.externalId), { ...fast, retries: 3 })).rejects.toMatchObject({
        code,
      });
      expect(provider.faultStats.calls.inspect).toBe(expectedCalls);
    }
  });

  it("never creates two sandboxes when provision responses are lost and an idempotency key is used", async () => {
    const inner = new RecordingProvider();
    const provider = withFaults(inner, { lostResponseRate: 0.6, methods: ["provision"], seed: 3 });
    for (let job = 0; job < 20; job++) {
      await openSandbox(provider, { idempotencyKey: `job-${job}` }, { retry: { ...fast, retries: 20 } });
    }
    expect(provider.faultStats.lostResponses.provision).toBeGreaterThan(5);
    expect(inner.live.size).toBe(20);
  });

  it("does not retry a non-idempotent provision whose response was lost", async () => {
    const inner = new RecordingProvider();
    const provider = withFaults(inner, { lostResponseRate: 1, methods: ["provision"] });
    await expect(openSandbox(provider, {}, { retry: fast })).rejects.toMatchObject({ code: "unavailable" });
    expect(provider.faultStats.calls.provision).toBe(1);
    expect(inner.live.size).toBe(1);
  });

  it("turns a cut exec stream into a rejection, never a successful result", async () => {
    const provider = withFaults(new RecordingProvider(), { streamCut: 4096 });
    const node = await provider.provision({});
    const seen: number[] = [];
    await expect(
      provider.exec(node.externalId, ["stream", "64"], { onStdoutBytes: (chunk) => seen.push(chunk.byteLength) }),
    ).rejects.toMatchObject({ code: "unavailable", message: expect.stringContaining("stream cut") });
    expect(seen.reduce((sum, size) => sum + size, 0)).toBe(4096);
    expect(provider.faultStats.streamCuts).toBe(1);
    const whole = await provider.exec(node.externalId, ["stream", "3"]);
    expect(whole.exitCode).toBe(0);
  });

  it("passes list through untouched when the provider has one", async () => {
    const provider = withFaults(new RecordingProvider(), { errorRate: 1, methods: ["exec"] });
    await provider.provision({ labels: { team: "a" } });
    await provider.provision({ labels: { team: "b" } });
    expect((await provider.list?.({ labels: { team: "b" } }))?.map((node) => node.labels.team)).toEqual(["b"]);
  });

  it("adds latency before calls", async () => {
    const provider = withFaults(new RecordingProvider(), { latency: { min: 30, max: 40 } });
    const started = Date.now();
    await provider.provision({});
    expect(Date.now() - started).toBeGreaterThanOrEqual(28);
  });
});
