import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CREATED_TAG, MANAGED_TAG, type ModalEmulator, type ModalProvider, OWNER_TAG, RUN_TAG } from "../src/index.js";
import { providerFor, startTestEmulator } from "./support/fixture.js";

type CreateRequest = {
  appId: string;
  definition: {
    entrypointArgs: string[];
    timeoutSecs: number;
    idleTimeoutSecs?: number;
    resources?: { gpuConfig?: { gpuType: string; count: number }; milliCpu: number; memoryMb: number };
    openPorts?: { ports: { port: number }[] };
    secretIds: string[];
    name: string;
  };
  tags: { tagName: string; tagValue: string }[];
  secretSources: { env?: { contents: Record<string, string> } }[];
};

let emulator: ModalEmulator;
let provider: ModalProvider;
const created: string[] = [];
const logs: string[] = [];

beforeAll(async () => {
  emulator = await startTestEmulator({ log: (line) => logs.push(line) });
  provider = providerFor(emulator, { owner: "tests", runId: "run-1" });
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

const lastCreate = (method: "SandboxCreate" | "SandboxCreateV2") =>
  emulator.calls.requests<CreateRequest>(method).at(-1);

describe("GPU requests", () => {
  test("type and count reach the server on the V1 (GPU) path, upper-cased", async () => {
    const node = await provision({ gpu: { type: "a100-80gb", count: 2 } });
    const request = lastCreate("SandboxCreate");
    expect(request?.definition.resources?.gpuConfig).toMatchObject({ gpuType: "A100-80GB", count: 2 });
    const info = await provider.inspect(node.externalId);
    expect(info.resources?.gpu).toEqual({ type: "A100-80GB", count: 2 });
    // The sandbox really runs (on the local backend, without a GPU).
    expect((await provider.exec(node.externalId, ["echo", "ok"])).stdout).toBe("ok\n");
  });

  test("a missing type defaults to T4", async () => {
    await provision({ gpu: { count: 1 } });
    expect(lastCreate("SandboxCreate")?.definition.resources?.gpuConfig).toMatchObject({ gpuType: "T4", count: 1 });
  });

  test("unknown types and counts beyond the type's limit are rejected before any call", async () => {
    const before = emulator.calls.all().length;
    await expect(provider.provision({ gpu: { type: "V100", count: 1 } })).rejects.toMatchObject({
      code: "invalid_argument",
    });
    await expect(provider.provision({ gpu: { type: "A10", count: 5 } })).rejects.toMatchObject({
      code: "invalid_argument",
      details: { field: "gpu.count" },
    });
    await expect(provider.provision({ gpu: { type: "H100", count: 9 } })).rejects.toMatchObject({
      code: "invalid_argument",
    });
    expect(emulator.calls.all().length).toBe(before);
  });

  test("capabilities list Modal's GPU types", () => {
    expect(provider.capabilities.constraints.gpuTypes).toEqual(
      expect.arrayContaining([
        "T4",
        "L4",
        "A10",
        "L40S",
        "A100",
        "A100-40GB",
        "A100-80GB",
        "RTX-PRO-6000",
        "H100",
        "H100!",
        "H200",
        "B200",
        "B200+",
      ]),
    );
  });

  test("capacity errors fall back to the next GPU type", async () => {
    const fallbackEmulator = await startTestEmulator({ unavailableGpuTypes: ["H100"] });
    try {
      const fallback = providerFor(fallbackEmulator, { gpuFallbacks: ["A100-80GB"] });
      const node = await fallback.provision({ gpu: { type: "H100", count: 2 } });
      const attempts = fallbackEmulator.calls.of("SandboxCreate").map((call) => ({
        gpu: (call.request as CreateRequest).definition.resources?.gpuConfig?.gpuType,
        error: call.error,
      }));
      expect(attempts).toEqual([
        { gpu: "H100", error: "RESOURCE_EXHAUSTED" },
        { gpu: "A100-80GB", error: undefined },
      ]);
      expect((await fallback.inspect(node.externalId)).resources?.gpu).toEqual({ type: "A100-80GB", count: 2 });
      await fallback.destroy(node.externalId);
      const none = providerFor(fallbackEmulator);
      await expect(none.provision({ gpu: { type: "H100", count: 1 } })).rejects.toMatchObject({
        code: "capacity",
        retryable: true,
      });
    } finally {
      await fallbackEmulator.close();
    }
  });

  test("slow scheduling: create blocks until the server assigns a task", async () => {
    const slow = await startTestEmulator({ schedulingDelayMs: 1200 });
    try {
      const started = Date.now();
      const node = await providerFor(slow).provision({ gpu: { type: "L4", count: 1 } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1100);
      expect(slow.calls.of("SandboxGetTaskId").length).toBeGreaterThan(1);
      await providerFor(slow).destroy(node.externalId);
    } finally {
      await slow.close();
    }
  });
});

describe("durations, ports, tags and env", () => {
  test("maxSeconds and idleSeconds become whole-second timeouts; the default lifetime is stated", async () => {
    await provision({ duration: { maxSeconds: 90, idleSeconds: 30 } });
    expect(lastCreate("SandboxCreateV2")?.definition).toMatchObject({ timeoutSecs: 90, idleTimeoutSecs: 30 });
    await provision({});
    expect(lastCreate("SandboxCreateV2")?.definition.timeoutSecs).toBe(3600);
    expect(provider.capabilities.constraints.defaultDurationSeconds).toBe(3600);
  });

  test("invalid durations are rejected with a clear error before any call", async () => {
    const before = emulator.calls.all().length;
    await expect(provider.provision({ duration: { maxSeconds: 1.5 } })).rejects.toMatchObject({
      code: "invalid_argument",
      details: { field: "duration.maxSeconds" },
    });
    await expect(provider.provision({ duration: { maxSeconds: 90_000 } })).rejects.toMatchObject({
      code: "invalid_argument",
      details: { field: "duration.maxSeconds" },
    });
    await expect(provider.provision({ duration: { idleSeconds: 0 } })).rejects.toMatchObject({
      code: "invalid_argument",
    });
    expect(emulator.calls.all().length).toBe(before);
  });

  test("declared ports get tunnels; getUrl returns the tunnel's https URL, which serves the sandbox's port", async () => {
    const port = 18_000 + Math.floor(Math.random() * 2000);
    const node = await provision({ network: { ports: [port] } });
    expect(lastCreate("SandboxCreateV2")?.definition.openPorts?.ports.map((entry) => entry.port)).toEqual([port]);
    await provider.exec(node.externalId, [
      "sh",
      "-c",
      '"$@" >/dev/null 2>&1 </dev/null &',
      "sh",
      "python3",
      "-m",
      "http.server",
      String(port),
    ]);
    const url = (await provider.getExtension(node.externalId, "network")?.getUrl(port)) ?? "";
    // As Modal returns it: a TLS endpoint (the emulator's certificate is trusted by the tests).
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    let status = 0;
    for (let attempt = 0; attempt < 60 && status !== 200; attempt++) {
      status = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
        (response) => response.status,
        () => 0,
      );
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
    await expect(provider.getExtension(node.externalId, "network")?.getUrl(9999)).rejects.toMatchObject({
      code: "invalid_argument",
    });
  });

  test("labels become tags next to the owner, run and creation tags", async () => {
    await provision({ labels: { team: "ml", "openlattice.case": "c1" } });
    const tags = Object.fromEntries(
      (lastCreate("SandboxCreateV2")?.tags ?? []).map((tag) => [tag.tagName, tag.tagValue]),
    );
    expect(tags).toMatchObject({
      team: "ml",
      "openlattice.case": "c1",
      [MANAGED_TAG]: "true",
      [OWNER_TAG]: "tests",
      [RUN_TAG]: "run-1",
    });
    expect(Number(tags[CREATED_TAG])).toBeGreaterThan(Date.now() - 60_000);
  });

  test("env travels as secret sources, never in an argv", async () => {
    const secret = "s3cr3t-value-never-in-argv";
    const node = await provision({ runtime: { image: "python:3.12-slim", env: { APP_TOKEN: secret } } });
    expect(
      lastCreate("SandboxCreateV2")?.secretSources.some((source) => source.env?.contents.APP_TOKEN === secret),
    ).toBe(true);
    const result = await provider.exec(node.externalId, ["sh", "-c", 'printf %s "$APP_TOKEN:$EXTRA"'], {
      env: { EXTRA: "x y" },
    });
    expect(result.stdout).toBe(`${secret}:x y`);
    for (const argv of emulator.calls.argvs()) expect(argv.join(" ")).not.toContain(secret);
  });

  test("the V1 path sends env as an ephemeral secret", async () => {
    await provision({ gpu: { type: "T4", count: 1 }, runtime: { image: "python:3.12-slim", env: { ONLY_V1: "v" } } });
    const secrets = emulator.calls.requests<{ objectCreationType: number; envDict: Record<string, string> }>(
      "SecretGetOrCreate",
    );
    expect(secrets.at(-1)).toMatchObject({ objectCreationType: 5, envDict: { ONLY_V1: "v" } });
    expect(lastCreate("SandboxCreate")?.definition.secretIds.length).toBeGreaterThan(0);
  });
});

describe("efficiency", () => {
  test("steady-state provisioning is one create call, and execs make no re-attach calls", async () => {
    await provision({});
    const mark = emulator.calls.all().length;
    const node = await provision({});
    const methods = emulator.calls
      .all()
      .slice(mark)
      .map((call) => call.method);
    expect(methods).toEqual(["SandboxCreateV2"]);
    await provider.exec(node.externalId, ["true"]);
    await provider.exec(node.externalId, ["true"]);
    const after = emulator.calls
      .all()
      .slice(mark)
      .map((call) => call.method);
    expect(after.filter((method) => /GetTaskId|CommandRouterAccess/.test(method))).toEqual([]);
  });

  test("constructing a provider does no I/O", () => {
    const before = emulator.calls.all().length;
    providerFor(emulator);
    expect(emulator.calls.all().length).toBe(before);
  });
});

describe("retries and faults", () => {
  test("transient codes are retried by the SDK alone (3 retries); the provider adds none on top", async () => {
    const node = await provision({});
    emulator.faults.add({ method: "SandboxTerminateV2", code: Status.UNAVAILABLE, times: 3 });
    await provider.destroy(node.externalId);
    expect(emulator.calls.of("SandboxTerminateV2").filter((call) => call.error === "UNAVAILABLE").length).toBe(3);
    expect((await provider.inspect(node.externalId)).status).toBe("terminated");
    const other = await provision({});
    const before = emulator.calls.of("SandboxTerminateV2").length;
    emulator.faults.add({ method: "SandboxTerminateV2", code: Status.UNAVAILABLE, times: 10 });
    await expect(provider.destroy(other.externalId)).rejects.toMatchObject({ code: "unavailable", retryable: true });
    // One call and the SDK's three retries: nothing more.
    expect(emulator.calls.of("SandboxTerminateV2").length - before).toBe(4);
    emulator.faults.clear();
  });

  test("non-retryable codes are not retried", async () => {
    const node = await provision({});
    const before = emulator.calls.of("SandboxWaitV2").length;
    emulator.faults.add({ method: "SandboxWaitV2", code: Status.INVALID_ARGUMENT });
    await expect(provider.inspect(node.externalId)).rejects.toMatchObject({
      code: "invalid_argument",
      retryable: false,
    });
    expect(emulator.calls.of("SandboxWaitV2").length - before).toBe(1);
  });

  test("provision is not retried by the provider (no idempotency key); the error is typed and retryable", async () => {
    emulator.faults.add({ method: "SandboxCreateV2", code: Status.UNAVAILABLE, times: 10 });
    const before = emulator.calls.of("SandboxCreateV2").length;
    await expect(provider.provision({})).rejects.toMatchObject({ code: "unavailable", retryable: true });
    // 1 call + the SDK's own 3 retries; openlattice adds none for a non-idempotent create.
    expect(emulator.calls.of("SandboxCreateV2").length - before).toBe(4);
    emulator.faults.clear();
  });

  test("healthCheck measures a round trip, and names authentication failures as such", async () => {
    const report = await provider.healthCheck();
    expect(report).toMatchObject({ healthy: true });
    expect(report.latencyMs).toBeGreaterThan(0);
    emulator.faults.add({ method: "AppGetOrCreate", code: Status.UNAUTHENTICATED, message: "bad token" });
    const failed = await provider.healthCheck();
    expect(failed).toMatchObject({ healthy: false, details: { kind: "authentication", code: "authentication" } });
    expect(failed.message).toMatch(/^authentication: .*bad token/);
  });
});

describe("leak sweeping", () => {
  test("sweep terminates labelled sandboxes older than the cut-off, scoped by owner", async () => {
    const sweeper = providerFor(emulator, { owner: "sweeper", runId: "sweep-run" });
    const a = await provision({}, sweeper);
    const b = await provision({}, sweeper);
    const other = await provision({});
    const kept = await sweeper.sweep({ olderThanMs: 3_600_000, owner: "sweeper" });
    expect(kept.terminated).toEqual([]);
    expect(kept.kept.sort()).toEqual([a.externalId, b.externalId].sort());
    const dry = await sweeper.sweep({ olderThanMs: 0, owner: "sweeper", dryRun: true });
    expect(dry.terminated.sort()).toEqual([a.externalId, b.externalId].sort());
    expect((await sweeper.inspect(a.externalId)).status).toBe("running");
    const swept = await sweeper.sweep({ olderThanMs: 0, owner: "sweeper" });
    expect(swept.terminated.sort()).toEqual([a.externalId, b.externalId].sort());
    expect((await sweeper.inspect(a.externalId)).status).toBe("terminated");
    expect((await provider.inspect(other.externalId)).status).toBe("running");
  });
});
