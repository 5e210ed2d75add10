import { type App, type Image, ModalClient, type Sandbox, SandboxFilesystemNotFoundError } from "modal";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ModalEmulator } from "../src/index.js";
import { startTestEmulator } from "./support/fixture.js";

/**
 * The interactive parts of Modal's protocol, through the unmodified SDK: PTY execs (a real
 * terminal made inside the backend sandbox), commands that keep running and printing while
 * nobody reads them, `filesystem.watch`, and stdin that cannot outrun the command.
 */
let emulator: ModalEmulator;
let modal: ModalClient;
let app: App;
let image: Image;
const sandboxes: Sandbox[] = [];

beforeAll(async () => {
  emulator = await startTestEmulator();
  process.env.MODAL_SERVER_URL = emulator.url;
  modal = new ModalClient();
  app = await modal.apps.fromName("interactive", { createIfMissing: true });
  image = modal.images.fromRegistry("python:3.12-slim");
});

afterAll(async () => {
  await Promise.allSettled(sandboxes.map((sb) => sb.terminate()));
  for (const sb of sandboxes) sb.detach();
  modal?.close();
  delete process.env.MODAL_SERVER_URL;
  await emulator?.close();
});

async function create(): Promise<Sandbox> {
  const sb = await modal.sandboxes.create(app, image, { timeoutMs: 600_000 });
  sandboxes.push(sb);
  return sb;
}

/** Reads `stream` in the background; `until(text)` resolves once the output contains it. */
function follow(stream: AsyncIterable<string>) {
  let seen = "";
  let wake: (() => void) | undefined;
  const done = (async () => {
    for await (const chunk of stream) {
      seen += chunk;
      wake?.();
    }
  })();
  return {
    get text() {
      return seen;
    },
    done,
    async until(text: string): Promise<string> {
      while (!seen.includes(text)) await new Promise<void>((resolve) => (wake = resolve));
      return seen;
    },
  };
}

describe("PTY execs", () => {
  test("run under a terminal of Modal's size, stderr merged into stdout, typed input echoed", async () => {
    const sb = await create();
    const proc = await sb.exec(["sh", "-c", 'tty; stty size; echo "$TERM"; echo oops >&2; read x; echo "got $x"'], {
      pty: true,
    });
    const out = follow(proc.stdout);
    await out.until("oops");
    await proc.stdin.getWriter().write("typed\n");
    expect(await proc.wait()).toBe(0);
    await out.done;
    const lines = out.text.split("\r\n");
    expect(lines[0]).toMatch(/^\/dev\/pts\/\d+$/);
    // The SDK always asks for 24 rows of 80 columns (defaultSandboxPTYInfo).
    expect(lines.slice(1, 4)).toEqual(["24 80", "xterm-256color", "oops"]);
    // The terminal echoes what is typed, then the command's answer.
    expect(lines.slice(4)).toEqual(["typed", "got typed", ""]);
    expect(await proc.stderr.readText()).toBe("");
  });

  test("Ctrl-C interrupts the foreground job of an interactive shell", async () => {
    const sb = await create();
    const proc = await sb.exec(["sh", "-i"], { pty: true });
    const out = follow(proc.stdout);
    const keys = proc.stdin.getWriter();
    await keys.write("sleep 300; echo slept\n");
    await out.until("sleep 300");
    const before = Date.now();
    await keys.write("\x03");
    await keys.write("echo after-interrupt\n");
    await out.until("after-interrupt\r\n");
    expect(Date.now() - before).toBeLessThan(10_000);
    expect(out.text).toContain("^C");
    // The echoed command line contains "slept"; its output line never came.
    expect(out.text).not.toContain("\r\nslept\r\n");
    await keys.write("exit 4\n");
    expect(await proc.wait()).toBe(4);
  });
});

describe("output and stdin", () => {
  test("a command keeps running and printing while nobody reads; its output is there later", async () => {
    const sb = await create();
    const proc = await sb.exec([
      "sh",
      "-c",
      "for i in 1 2 3 4 5; do echo line$i; sleep 0.1; done; echo done > /tmp/finished",
    ]);
    // Nobody reads stdout: the command still finishes on its own.
    const check = async () => (await sb.exec(["cat", "/tmp/finished"])).stdout.readText();
    let finished = "";
    for (let attempt = 0; attempt < 50 && finished !== "done\n"; attempt += 1) {
      finished = await check().catch(() => "");
      if (finished !== "done\n") await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(finished).toBe("done\n");
    expect(await proc.stdout.readText()).toBe("line1\nline2\nline3\nline4\nline5\n");
    expect(await proc.wait()).toBe(0);
  });

  test("stdin for a command that does not read is held back (the writer waits) instead of piling up", async () => {
    const sb = await create();
    const proc = await sb.exec(["sh", "-c", "sleep 2; date +%s%3N > /tmp/reading; cat > /dev/null"], {
      mode: "binary",
    });
    const writer = proc.stdin.getWriter();
    const chunk = new Uint8Array(1024 * 1024);
    // 24 MiB: more than the emulator queues (8 MiB) plus what one batch in flight holds (8 MiB).
    for (let i = 0; i < 24; i += 1) await writer.write(chunk);
    const lastWriteAnswered = Date.now();
    await writer.close();
    expect(await proc.wait()).toBe(0);
    const reading = Number(await (await sb.exec(["cat", "/tmp/reading"])).stdout.readText());
    // The last write was answered only after the command had started to read.
    expect(lastWriteAnswered).toBeGreaterThanOrEqual(reading);
  });
});

describe("filesystem.watch", () => {
  test("reports create, modify and remove in a directory, and ends when the iterator is closed", async () => {
    const sb = await create();
    await (await sb.exec(["mkdir", "-p", "/tmp/watched"])).wait();
    const events = sb.filesystem.watch("/tmp/watched")[Symbol.asyncIterator]();
    const first = events.next();
    // The emulator answers the watch's TaskExecStart once the watch is in place.
    const watchStarted = () =>
      emulator.calls
        .of("TaskExecStart")
        .some(
          (call) =>
            call.endedAt &&
            JSON.stringify(call.request).includes("/tmp/watched") &&
            JSON.stringify(call.request).includes("Watch"),
        );
    while (!watchStarted()) await new Promise((resolve) => setTimeout(resolve, 20));
    const writer = await sb.exec([
      "sh",
      "-c",
      "echo a > /tmp/watched/f; sleep 0.5; echo b >> /tmp/watched/f; sleep 0.5; rm /tmp/watched/f",
    ]);
    expect(await writer.wait()).toBe(0);
    const seen = [await first, await events.next(), await events.next()].map((result) => result.value);
    expect(seen).toEqual([
      { eventType: "Create", paths: ["/tmp/watched/f"] },
      { eventType: "Modify", paths: ["/tmp/watched/f"] },
      { eventType: "Remove", paths: ["/tmp/watched/f"] },
    ]);
    expect((await events.return?.())?.done).toBe(true);
  });

  test("a missing path fails with the SDK's not-found error", async () => {
    const sb = await create();
    const watch = async () => {
      for await (const _event of sb.filesystem.watch("/tmp/no-such-dir")) break;
    };
    await expect(watch()).rejects.toBeInstanceOf(SandboxFilesystemNotFoundError);
  });
});
