import type { LifetimeExtension } from "@openlattice/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ModalEmulator, ModalProvider } from "../src/index.js";
import { providerFor, startTestEmulator } from "./support/fixture.js";

/**
 * The `lifetime` extension (providers built with `extendableLifetime`): the supervisor inside
 * the sandbox ends it at its deadline, `extend` moves the deadline up to the lifetime limit,
 * and Modal's own timeout stays the backstop at that limit.
 */
let emulator: ModalEmulator;
let provider: ModalProvider;
const created: string[] = [];

type CreateRequest = { definition: { timeoutSecs: number; entrypointArgs: string[] } };

beforeAll(async () => {
  emulator = await startTestEmulator();
  provider = providerFor(emulator, { extendableLifetime: { limitSeconds: 120 } });
});

afterAll(async () => {
  await Promise.allSettled(created.map((id) => provider.destroy(id)));
  await emulator?.close();
});

async function provision(spec: Parameters<ModalProvider["provision"]>[0], target = provider) {
  const node = await target.provision(spec);
  created.push(node.externalId);
  return node;
}

const lifetimeOf = (id: string, target = provider) => target.getExtension(id, "lifetime") as LifetimeExtension;

async function endedWithin(id: string, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    const info = await provider.inspect(id);
    if (info.status !== "running" || Date.now() > deadline) return { info, at: Date.now() };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("extendable lifetimes", () => {
  test("capabilities declare lifetime and the limit; Modal's timeout is the limit, the duration the supervisor's", async () => {
    expect(provider.capabilities.extensions).toContain("lifetime");
    expect(provider.capabilities.constraints.maxDurationSeconds).toBe(120);
    expect(provider.capabilities.limitations?.lifetime).toBeUndefined();
    const before = Date.now();
    const node = await provision({ duration: { maxSeconds: 60 } });
    const create = emulator.calls.requests<CreateRequest>("SandboxCreateV2").at(-1);
    expect(create?.definition.timeoutSecs).toBe(120);
    expect(create?.definition.entrypointArgs.slice(0, 2)).toEqual(["sh", "-c"]);
    const deadline = await lifetimeOf(node.externalId).deadline();
    expect(deadline?.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 60_000);
    expect(deadline?.getTime()).toBeLessThanOrEqual(Date.now() + 61_000);
  });

  test("the sandbox ends at its deadline, later once extended, and reads as the duration limit", async () => {
    const node = await provision({ duration: { maxSeconds: 3 } });
    const lifetime = lifetimeOf(node.externalId);
    const first = (await lifetime.deadline()) as Date;
    const moved = await lifetime.extend(4);
    expect(moved.getTime() - first.getTime()).toBe(4000);
    expect((await lifetime.deadline())?.getTime()).toBe(moved.getTime());
    // Past the first deadline it still runs.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, first.getTime() + 1500 - Date.now())));
    expect((await provider.inspect(node.externalId)).status).toBe("running");
    expect((await provider.exec(node.externalId, ["true"])).exitCode).toBe(0);
    const { info, at } = await endedWithin(node.externalId, 20_000);
    expect(info).toMatchObject({ status: "terminated", exitCode: 124, reason: "duration limit" });
    expect(at).toBeGreaterThanOrEqual(moved.getTime() - 1000);
    expect(at).toBeLessThan(moved.getTime() + 10_000);
  });

  test("an extension past the limit is invalid_argument; bad seconds name the field", async () => {
    const node = await provision({ duration: { maxSeconds: 60 } });
    const lifetime = lifetimeOf(node.externalId);
    await expect(lifetime.extend(100)).rejects.toMatchObject({
      code: "invalid_argument",
      details: { field: "seconds" },
      message: expect.stringMatching(/lifetime limit \(120 s from creation/),
    });
    const within = await lifetime.extend(50);
    expect(within.getTime()).toBe(((await lifetime.deadline()) as Date).getTime());
    for (const bad of [0, -5, 1.5, Number.NaN, "10" as never]) {
      await expect(lifetime.extend(bad)).rejects.toMatchObject({ details: { field: "seconds" } });
    }
    await expect(provision({ duration: { maxSeconds: 121 } })).rejects.toMatchObject({ code: "invalid_argument" });
  });

  test("the main command runs under the supervisor with its env, and its exit status is the sandbox's", async () => {
    const node = await provision({
      duration: { maxSeconds: 60 },
      runtime: { entrypoint: ["sh", "-c", 'sleep 1; [ "$GREETING" = hi ] && exit 7; exit 1'], env: { GREETING: "hi" } },
    });
    const { info } = await endedWithin(node.externalId, 20_000);
    expect(info).toMatchObject({ status: "terminated", exitCode: 7, reason: "exited" });
  });
});

describe("without extendableLifetime", () => {
  test("lifetime is not offered; a supervised provider reads such a sandbox's deadline but cannot extend it", async () => {
    const plain = providerFor(emulator);
    expect(plain.capabilities.extensions).not.toContain("lifetime");
    expect(plain.capabilities.limitations?.lifetime).toMatch(/cannot extend/);
    const before = Date.now();
    const node = await provision({ duration: { maxSeconds: 90 } }, plain);
    expect(plain.getExtension(node.externalId, "lifetime")).toBeUndefined();
    expect(emulator.calls.requests<CreateRequest>("SandboxCreateV2").at(-1)?.definition.timeoutSecs).toBe(90);
    const lifetime = lifetimeOf(node.externalId);
    const deadline = (await lifetime.deadline()) as Date;
    expect(Math.abs(deadline.getTime() - (before + 90_000))).toBeLessThan(5000);
    await expect(lifetime.extend(10)).rejects.toMatchObject({ code: "unsupported" });
  });

  test("bad options fail at construction", () => {
    expect(() => new ModalProvider({ extendableLifetime: { limitSeconds: 0 } })).toThrow(/limitSeconds/);
    expect(() => new ModalProvider({ extendableLifetime: { limitSeconds: 90_000 } })).toThrow(/limitSeconds/);
    expect(() => new ModalProvider({ extendableLifetime: "yes" as never })).toThrow(/extendableLifetime/);
    expect(() => new ModalProvider({ extendableLifetime: { limitSeconds: 60 }, defaultDurationSeconds: 61 })).toThrow(
      /defaultDurationSeconds/,
    );
    expect(new ModalProvider({ extendableLifetime: { limitSeconds: 600 } }).capabilities.constraints).toMatchObject({
      maxDurationSeconds: 600,
      defaultDurationSeconds: 600,
    });
    expect(new ModalProvider({ extendableLifetime: true }).capabilities.constraints.maxDurationSeconds).toBe(86_400);
  });
});
