import { ModalClient, NotFoundError } from "modal";
import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadModalDefinitions, type ModalEmulator, ModalProvider } from "../src/index.js";
import { startTestEmulator } from "./support/fixture.js";

/**
 * What a user of the emulator does: run their own, unmodified `modal` SDK code against it. The
 * env must point at the emulator before the client is built; `MODAL_CONFIG_PATH` was set by
 * the setup file before `modal` was imported.
 */
let emulator: ModalEmulator;
let modal: ModalClient;

beforeAll(async () => {
  emulator = await startTestEmulator();
  process.env.MODAL_SERVER_URL = emulator.url;
  modal = new ModalClient();
});

afterAll(async () => {
  modal?.close();
  delete process.env.MODAL_SERVER_URL;
  await emulator?.close();
});

describe("the unmodified modal SDK against the emulator", () => {
  test("serves the installed SDK's own definitions", () => {
    const definitions = loadModalDefinitions();
    expect(emulator.sdkVersion).toBe("0.11.1");
    expect(definitions.control.fullName).toBe("modal.client.ModalClient");
    expect(definitions.router.fullName).toBe("modal.task_command_router.TaskCommandRouter");
    expect(Object.keys(definitions.control.methods)).toContain("sandboxCreateV2");
  });

  test("V2 sandbox: create, exec (text and binary), filesystem, list, terminate, poll", async () => {
    const app = await modal.apps.fromName("user-app", { createIfMissing: true });
    const image = modal.images.fromRegistry("alpine:3.21");
    const sb = await modal.sandboxes.create(app, image, {
      env: { GREETING: "hi" },
      workdir: "/work",
      timeoutMs: 600_000,
      tags: { suite: "sdk" },
    });
    const text = await sb.exec(["sh", "-c", 'echo "$GREETING from $(pwd)"; printf oops >&2; exit 7']);
    const greeting = await text.stdout.readText();
    expect(greeting).toMatch(/^hi from \/(.*\/)?work\n$/);
    // The sandbox's view of /work (the local backend's none tier relocates it).
    const work = greeting.slice("hi from ".length).trim();
    expect(await text.stderr.readText()).toBe("oops");
    expect(await text.wait()).toBe(7);

    const binary = await sb.exec(["printf", "\\377\\000\\001"], { mode: "binary" });
    await binary.stdin.close();
    expect([...(await binary.stdout.readBytes())]).toEqual([0xff, 0x00, 0x01]);
    expect(await binary.wait()).toBe(0);

    await sb.filesystem.writeText("hello", `${work}/dir/a.txt`);
    expect(await sb.filesystem.readText(`${work}/dir/a.txt`)).toBe("hello");
    expect((await sb.filesystem.listFiles(`${work}/dir`)).map((entry) => entry.name)).toEqual(["a.txt"]);
    await expect(sb.filesystem.readText(`${work}/missing`)).rejects.toThrow(/No such file/);

    const listed: string[] = [];
    for await (const found of modal.sandboxes.list({ appId: app.appId, tags: { suite: "sdk" } })) {
      listed.push(found.sandboxId);
    }
    expect(listed).toEqual([sb.sandboxId]);

    expect(await sb.poll()).toBeNull();
    await sb.terminate();
    expect(await sb.poll()).toBe(137);
    sb.detach();
    expect(emulator.calls.of("SandboxCreateV2")).toHaveLength(1);
    expect(emulator.calls.all().every((call) => call.authenticated)).toBe(true);
  });

  test("V1 (GPU) sandbox: the GPU request is recorded and the sandbox runs without a GPU", async () => {
    const app = await modal.apps.fromName("user-app", { createIfMissing: true });
    const sb = await modal.sandboxes.create(app, modal.images.fromRegistry("python:3.12-slim"), {
      gpu: "H100:4",
      env: { V1: "yes" },
    });
    expect(
      emulator.calls.requests<{ definition: { resources: { gpuConfig: unknown } } }>("SandboxCreate").at(-1)?.definition
        .resources.gpuConfig,
    ).toMatchObject({ gpuType: "H100", count: 4 });
    const proc = await sb.exec(["sh", "-c", 'printf %s "$V1"']);
    expect(await proc.stdout.readText()).toBe("yes");
    await sb.terminate();
    sb.detach();
  });

  test("snapshotFilesystem → images.fromId → create restores the files", async () => {
    const app = await modal.apps.fromName("user-app", { createIfMissing: true });
    const sb = await modal.sandboxes.create(app, modal.images.fromRegistry("alpine:3.21"), { workdir: "/work" });
    const write = await sb.exec(["sh", "-c", "echo kept > state.txt"]);
    expect(await write.wait()).toBe(0);
    const snapshot = await sb.snapshotFilesystem();
    await sb.terminate();
    const restored = await modal.sandboxes.create(app, await modal.images.fromId(snapshot.imageId), {
      workdir: "/work",
    });
    const read = await restored.exec(["cat", "state.txt"]);
    expect(await read.stdout.readText()).toBe("kept\n");
    await restored.terminate();
    await expect(modal.images.fromId("im-doesnotexist")).rejects.toBeInstanceOf(NotFoundError);
  });

  test("fault injection reaches the SDK as a gRPC status", async () => {
    emulator.faults.add({ method: "AppGetOrCreate", code: Status.PERMISSION_DENIED, message: "no access" });
    await expect(modal.apps.fromName("denied", { createIfMissing: true })).rejects.toMatchObject({
      code: Status.PERMISSION_DENIED,
    });
  });

  test("with credentials configured, other tokens are rejected as UNAUTHENTICATED", async () => {
    const strict = await startTestEmulator({ credentials: { tokenId: "ak-right", tokenSecret: "as-right" } });
    try {
      const provider = new ModalProvider({ serverUrl: strict.url, tokenId: "ak-wrong", tokenSecret: "as-wrong" });
      const report = await provider.healthCheck();
      expect(report.healthy).toBe(false);
      expect(report.details).toMatchObject({ code: "authentication" });
      const good = new ModalProvider({ serverUrl: strict.url, tokenId: "ak-right", tokenSecret: "as-right" });
      expect((await good.healthCheck()).healthy).toBe(true);
    } finally {
      await strict.close();
    }
  });

  test("methods the emulator does not implement answer UNIMPLEMENTED, naming the method", async () => {
    await expect(modal.volumes.fromName("v", { createIfMissing: true })).rejects.toThrow(
      /does not implement VolumeGetOrCreate/,
    );
  });
});
