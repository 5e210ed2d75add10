import { describe, expect, it } from "vitest";
import { openSandbox, restoreSandbox, Sandbox, type SandboxError } from "../src/index.js";
import { RecordingProvider } from "./recording-provider.js";

describe("openSandbox", () => {
  it("validates the spec before calling the provider", async () => {
    const provider = new RecordingProvider();
    await expect(openSandbox(provider, { resources: { memoryMiB: -1 } })).rejects.toMatchObject({
      code: "invalid_argument",
      field: "resources.memoryMiB",
    });
    expect(provider.calls).toEqual([]);
  });

  it("checks specificationVersion before anything else", async () => {
    const provider = Object.assign(new RecordingProvider(), { specificationVersion: "v2" });
    await expect(openSandbox(provider as never, { name: "has space" })).rejects.toMatchObject({
      code: "unsupported",
      message: expect.stringContaining("specificationVersion"),
    });
  });

  it("rejects a provider whose optional list is not a function, naming it", async () => {
    const provider = Object.assign(new RecordingProvider(), { list: "nope" });
    await expect(openSandbox(provider as never)).rejects.toMatchObject({ field: "provider.list" });
  });

  it("delegates every call with the sandbox id", async () => {
    const provider = new RecordingProvider();
    const sandbox = await openSandbox(provider, { labels: { team: "a" } });
    expect(sandbox).toBeInstanceOf(Sandbox);
    expect(sandbox.id).toBe("rec-1");
    const result = await sandbox.exec(["echo", "hi"], { timeoutMs: 10 });
    expect(result.stdout).toBe("echo hi");
    expect(provider.calls.at(-1)).toEqual({ method: "exec", args: ["rec-1", ["echo", "hi"], { timeoutMs: 10 }] });
    await sandbox.files.write("/a.txt", "content");
    expect(await sandbox.files.readText("/a.txt")).toBe("content");
    expect((await sandbox.inspect()).labels).toEqual({ team: "a" });
    expect((await sandbox.snapshot()).externalId).toBe("snap-rec-1");
  });

  it("throws unsupported naming the provider for a missing extension, and returns undefined via extension()", async () => {
    const sandbox = await openSandbox(new RecordingProvider());
    expect(() => sandbox.network).toThrow(
      expect.objectContaining({ code: "unsupported", provider: "recording" }) as unknown as SandboxError,
    );
    expect(sandbox.extension("network")).toBeUndefined();
    expect(sandbox.extension("files")).toBeDefined();
  });

  it("destroys the sandbox when an `await using` scope ends, even on throw", async () => {
    const provider = new RecordingProvider();
    await expect(
      (async () => {
        await using sandbox = await openSandbox(provider);
        expect(provider.live.has(sandbox.id)).toBe(true);
        throw new Error("job failed");
      })(),
    ).rejects.toThrow("job failed");
    expect(provider.live.size).toBe(0);
    expect(provider.calls.filter((call) => call.method === "destroy")).toHaveLength(1);
  });

  it("does not retry provisioning without an idempotency key", async () => {
    const provider = new RecordingProvider(1);
    await expect(openSandbox(provider, {}, { retry: { minDelayMs: 1 } })).rejects.toMatchObject({
      code: "unavailable",
    });
    expect(provider.calls.filter((call) => call.method === "provision")).toHaveLength(1);
  });

  it("retries provisioning with an idempotency key and ends with exactly one sandbox", async () => {
    const provider = new RecordingProvider(2);
    const sandbox = await openSandbox(provider, { idempotencyKey: "job-7" }, { retry: { minDelayMs: 1 } });
    expect(provider.calls.filter((call) => call.method === "provision")).toHaveLength(3);
    expect([...provider.live.keys()]).toEqual([sandbox.id]);
  });

  it("marks the handle destroyed and restores into a new handle", async () => {
    const provider = new RecordingProvider();
    const sandbox = await openSandbox(provider);
    const ref = await sandbox.snapshot();
    const restored = await restoreSandbox(provider, ref);
    expect(restored.id).not.toBe(sandbox.id);
    await sandbox.destroy();
    expect(sandbox.isDestroyed).toBe(true);
    await sandbox.destroy();
  });
});
