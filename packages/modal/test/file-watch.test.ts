import type { FileEvent, FileWatchExtension } from "@openlattice/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ModalEmulator, ModalProvider } from "../src/index.js";
import { watchCommandArgv } from "../src/provider/fs-tools-watch-command.js";
import { providerFor, startTestEmulator } from "./support/fixture.js";

/**
 * The `fileWatch` extension over Modal's fs-tools `Watch`, through the real SDK and the
 * emulator: changes made by commands are reported as create/modify/delete, the watch is in
 * place when `watch` resolves, and it ends at once when aborted or returned.
 */
let emulator: ModalEmulator;
let provider: ModalProvider;
let sandboxId: string;
let fileWatch: FileWatchExtension;

beforeAll(async () => {
  emulator = await startTestEmulator();
  provider = providerFor(emulator);
  sandboxId = (await provider.provision({})).externalId;
  fileWatch = provider.getExtension(sandboxId, "fileWatch") as FileWatchExtension;
});

afterAll(async () => {
  await provider?.destroy(sandboxId).catch(() => undefined);
  await emulator?.close();
});

const sh = async (script: string) => {
  const result = await provider.exec(sandboxId, ["sh", "-c", script]);
  expect(result.exitCode, result.stderr).toBe(0);
};

/** Collects `count` events (or fails after 15 s). */
async function take(events: AsyncIterable<FileEvent>, count: number): Promise<FileEvent[]> {
  const seen: FileEvent[] = [];
  const iterator = events[Symbol.asyncIterator]();
  const deadline = setTimeout(() => void iterator.return?.(), 15_000);
  try {
    while (seen.length < count) {
      const next = await iterator.next();
      if (next.done) break;
      seen.push(next.value);
    }
  } finally {
    clearTimeout(deadline);
  }
  return seen;
}

describe("watching", () => {
  test("a directory: create, modify and delete by a command, right after watch resolved", async () => {
    await sh("mkdir -p /tmp/w1");
    const controller = new AbortController();
    const events = await fileWatch.watch("/tmp/w1", { signal: controller.signal });
    // No delay: the watch is in place once the promise resolved.
    await sh("echo a > /tmp/w1/f; sleep 0.5; echo b >> /tmp/w1/f; sleep 0.5; rm /tmp/w1/f");
    const seen = await take(events, 3);
    controller.abort();
    expect(seen).toEqual([
      { type: "create", path: "/tmp/w1/f" },
      { type: "modify", path: "/tmp/w1/f" },
      { type: "delete", path: "/tmp/w1/f" },
    ]);
    // The probe files that confirmed the watch were removed and never reported.
    expect((await provider.exec(sandboxId, ["ls", "-A", "/tmp/w1"])).stdout).toBe("");
  });

  test("recursive watches see nested changes; plain ones only the directory's own entries", async () => {
    await sh("mkdir -p /tmp/w2");
    const deep = await fileWatch.watch("/tmp/w2", { recursive: true });
    const flat = await fileWatch.watch("/tmp/w2");
    await sh("mkdir /tmp/w2/sub; sleep 0.5; echo x > /tmp/w2/sub/inner; sleep 0.5; echo y > /tmp/w2/top");
    expect(await take(deep, 3)).toEqual([
      { type: "create", path: "/tmp/w2/sub" },
      { type: "create", path: "/tmp/w2/sub/inner" },
      { type: "create", path: "/tmp/w2/top" },
    ]);
    expect(await take(flat, 2)).toEqual([
      { type: "create", path: "/tmp/w2/sub" },
      { type: "create", path: "/tmp/w2/top" },
    ]);
    await deep[Symbol.asyncIterator]().return?.();
    await flat[Symbol.asyncIterator]().return?.();
  });

  test("a single file, by a relative path: its modification and its removal", async () => {
    await sh("echo start > /workspace/watched.txt");
    const events = await fileWatch.watch("watched.txt");
    // A file has no probe: the watch resolved once started (the emulator starts it once in place).
    await sh("echo more >> /workspace/watched.txt; sleep 0.5; rm /workspace/watched.txt");
    expect(await take(events, 2)).toEqual([
      { type: "modify", path: "/workspace/watched.txt" },
      { type: "delete", path: "/workspace/watched.txt" },
    ]);
  });

  test("aborting or returning ends an idle watch at once", async () => {
    await sh("mkdir -p /tmp/w3");
    const controller = new AbortController();
    const events = await fileWatch.watch("/tmp/w3", { signal: controller.signal });
    const pending = events[Symbol.asyncIterator]().next();
    const started = Date.now();
    controller.abort();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(Date.now() - started).toBeLessThan(1000);

    const other = (await fileWatch.watch("/tmp/w3"))[Symbol.asyncIterator]();
    const waiting = other.next();
    await other.return?.();
    expect(await waiting).toEqual({ value: undefined, done: true });
  });
});

describe("protocol and errors", () => {
  test("the watch command is the one the SDK's filesystem.watch sends", async () => {
    const sandbox = await provider.client.sandboxes.fromId(sandboxId);
    await sh("mkdir -p /tmp/w4");
    const iterator = sandbox.filesystem
      .watch("/tmp/w4", { filter: ["Create", "Modify", "Remove"], recursive: true })
      [Symbol.asyncIterator]();
    const first = iterator.next();
    // Once the emulator answered that TaskExecStart, the SDK's watch is in place.
    const find = () =>
      emulator.calls
        .of("TaskExecStart")
        .filter((call) => call.endedAt !== undefined)
        .map((call) => (call.request as { commandArgs: string[] }).commandArgs)
        .find((argv) => argv[1]?.includes("/tmp/w4"));
    let sent = find();
    for (let attempt = 0; attempt < 600 && !sent; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      sent = find();
    }
    expect(sent).toEqual(watchCommandArgv("/tmp/w4", true));
    await sh("touch /tmp/w4/end");
    await first;
    await iterator.return?.();
    sandbox.detach();
  });

  test("a missing path is not_found; bad options name the field", async () => {
    await expect(fileWatch.watch("/tmp/no-such-dir")).rejects.toMatchObject({ code: "not_found" });
    await expect(fileWatch.watch("")).rejects.toMatchObject({ details: { field: "path" } });
    await expect(fileWatch.watch("/tmp", { recursive: "yes" } as never)).rejects.toMatchObject({
      details: { field: "recursive" },
    });
    await expect(fileWatch.watch("/tmp", { depth: 2 } as never)).rejects.toMatchObject({
      details: { field: "depth" },
    });
  });
});
