import { createHash } from "node:crypto";
import type { ProcessesExtension } from "@openlattice/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ModalEmulator, type ModalProvider, PROCESS_OUTPUT_BUFFER_BYTES } from "../src/index.js";
import { providerFor, startTestEmulator } from "./support/fixture.js";

/**
 * The `processes` extension through the real `modal` SDK against the emulator: background
 * processes that outlive the handle and the provider instance that started them, the output
 * ring buffer and its replay, stdin, signals to a whole tree, and listing across instances.
 */
let emulator: ModalEmulator;
let provider: ModalProvider;
let sandboxId: string;
let processes: ProcessesExtension;

beforeAll(async () => {
  emulator = await startTestEmulator();
  provider = providerFor(emulator);
  const port = 18_000 + Math.floor(Math.random() * 2000);
  sandboxId = (await provider.provision({ network: { ports: [port] }, labels: { port: String(port) } })).externalId;
  processes = provider.getExtension(sandboxId, "processes") as ProcessesExtension;
});

afterAll(async () => {
  await provider?.destroy(sandboxId).catch(() => undefined);
  await emulator?.close();
});

async function until<T>(read: () => Promise<T> | T, ok: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("background processes", () => {
  test("a server started in the background serves, outlives its handle and its provider instance, and is killed", async () => {
    const port = Number((await provider.inspect(sandboxId)).labels.port);
    let log = "";
    const server = await processes.start(["python3", "-u", "-m", "http.server", String(port)], {
      cwd: "/tmp",
      onStdout: (chunk) => {
        log += chunk;
      },
    });
    expect(server.pid).toBeGreaterThan(0);
    await until(
      () => log,
      (text) => text.includes("Serving HTTP"),
      "the server's start line",
    );
    const url = (await provider.getExtension(sandboxId, "network")?.getUrl(port)) ?? "";
    const get = () =>
      fetch(url, { signal: AbortSignal.timeout(3000) }).then(
        (response) => response.status,
        () => 0,
      );
    await until(get, (status) => status === 200, "the server through its tunnel");
    server.detach();

    // Another provider instance (another orchestrator) sees it running and reaches it.
    const other = providerFor(emulator);
    const seen = await other.getExtension(sandboxId, "processes")?.list();
    expect(seen?.find((entry) => entry.pid === server.pid)).toMatchObject({
      argv: ["python3", "-u", "-m", "http.server", String(port)],
      state: "running",
      pty: false,
    });
    const curl = await other.exec(sandboxId, [
      "python3",
      "-c",
      `import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:${port}/").status)`,
    ]);
    expect(curl.stdout.trim()).toBe("200");
    // It cannot follow output it did not read from the start; it says so.
    await expect(other.getExtension(sandboxId, "processes")?.attach(server.pid)).rejects.toMatchObject({
      code: "unsupported",
    });

    // The starting instance can still attach, and replays what the server printed.
    const again = await processes.attach(server.pid, { fromStart: true });
    await server.kill();
    const result = await again.wait();
    expect(result.exitCode).toBe(143);
    expect(result.stdout).toContain("Serving HTTP");
    expect(again.outputDropped).toBe(false);
    expect(await get()).toBe(0);
    const ended = await until(
      async () => (await other.getExtension(sandboxId, "processes")?.list())?.find((p) => p.pid === server.pid),
      (entry) => entry?.state === "exited" && entry.exitCode !== undefined,
      "the exit in another instance's list",
    );
    expect(ended).toMatchObject({ exitCode: 143, signal: "SIGTERM" });
  });

  test("the output ring keeps the newest processOutputBufferBytes per stream; attach replays it and says what was dropped", async () => {
    expect(provider.capabilities.constraints.processOutputBufferBytes).toBe(PROCESS_OUTPUT_BUFFER_BYTES);
    const big = await processes.start(
      ["sh", "-c", 'head -c 3000000 /dev/zero | tr "\\0" x; echo; echo END; echo small >&2'],
      // The starting handle keeps nothing for wait(); the ring buffer is what attach replays.
      { maxOutputBytes: 0 },
    );
    expect((await big.wait()).stdout).toBe("");
    let replayed = 0;
    let tail = "";
    const late = await processes.attach(big.pid, {
      fromStart: true,
      onStdoutBytes: (chunk) => {
        replayed += chunk.byteLength;
      },
      onStdout: (chunk) => {
        tail = (tail + chunk).slice(-5);
      },
    });
    const result = await late.wait();
    expect(late.outputDropped).toBe(true);
    expect(replayed).toBe(PROCESS_OUTPUT_BUFFER_BYTES);
    expect(tail).toBe("\nEND\n");
    expect(result.stderr).toBe("small\n");

    const small = await processes.start(["sh", "-c", "echo one; echo two >&2"]);
    await small.wait();
    const full = await processes.attach(small.pid, { fromStart: true });
    expect(full.outputDropped).toBe(false);
    expect(await full.wait()).toMatchObject({ exitCode: 0, stdout: "one\n", stderr: "two\n" });
  });

  test("attach without fromStart follows only new output; stdin is written, closed, then refused", async () => {
    let printed = "";
    const proc = await processes.start(["sh", "-c", 'echo before; read line; echo "got $line"; cat'], {
      onStdout: (chunk) => {
        printed += chunk;
      },
    });
    const starter: string[] = [];
    await until(
      () => printed,
      (text) => text === "before\n",
      "the first line",
    );
    const follower = await processes.attach(proc.pid, { onStdout: (chunk) => starter.push(chunk) });
    await proc.write("hello\n");
    await proc.write(new TextEncoder().encode("rest"));
    await proc.closeStdin();
    const followed = await follower.wait();
    expect(followed.exitCode).toBe(0);
    expect(followed.stdout).toBe("got hello\nrest");
    expect(starter.join("")).toBe("got hello\nrest");
    expect((await proc.wait()).stdout).toBe("before\ngot hello\nrest");
    await expect(proc.write("late")).rejects.toMatchObject({ code: "conflict" });
  });

  test("kill ends the whole process tree; SIGKILL reads as 137 and list shows it", async () => {
    const tree = await processes.start([
      "sh",
      "-c",
      "sleep 301 & echo $! > /tmp/c1; (sleep 302 & echo $! > /tmp/c2; wait) & wait",
    ]);
    const pids = await until(
      async () => (await provider.exec(sandboxId, ["sh", "-c", "cat /tmp/c1 /tmp/c2 2>/dev/null"])).stdout.split(/\s+/),
      (values) => values.filter(Boolean).length === 2,
      "the children's pids",
    );
    await tree.kill("SIGKILL");
    expect((await tree.wait()).exitCode).toBe(137);
    const alive = await until(
      async () =>
        (
          await provider.exec(sandboxId, [
            "sh",
            "-c",
            'for p in "$@"; do [ -e /proc/$p ] && ! grep -q ") Z" /proc/$p/stat && echo $p; done; true',
            "sh",
            ...pids.filter(Boolean),
          ])
        ).stdout.trim(),
      (text) => text === "",
      "the children to be gone",
    );
    expect(alive).toBe("");
    expect((await processes.list()).find((entry) => entry.pid === tree.pid)).toMatchObject({
      state: "exited",
      exitCode: 137,
      signal: "SIGKILL",
    });
  });

  test("env reaches the process without entering argv; a timeout kills it and wait says so", async () => {
    const token = `tok-${Math.random().toString(36).slice(2)}`;
    const digest = createHash("sha256").update(token).digest("hex");
    const proc = await processes.start(["sh", "-c", 'printf %s "$TOKEN" | sha256sum; sleep 30'], {
      env: { TOKEN: token },
      timeoutMs: 1500,
    });
    const result = await proc.wait();
    expect(result).toMatchObject({ timedOut: true, exitCode: 137 });
    expect(result.stdout.split(" ")[0]).toBe(digest);
    const argvs = emulator.calls.requests<{ commandArgs: string[] }>("TaskExecStart").map((r) => r.commandArgs);
    expect(argvs.some((argv) => argv.join(" ").includes("sha256sum"))).toBe(true);
    expect(argvs.some((argv) => argv.join(" ").includes(token))).toBe(false);
  });
});

describe("bad input", () => {
  test("every bad argument is an invalid_argument error naming the field", async () => {
    await expect(processes.start([])).rejects.toMatchObject({ code: "invalid_argument", details: { field: "argv" } });
    await expect(processes.start(["true"], { signal: AbortSignal.timeout(1000) } as never)).rejects.toMatchObject({
      code: "invalid_argument",
      details: { field: "signal" },
    });
    await expect(processes.start(["true"], { env: { "A B": "x" } })).rejects.toMatchObject({
      code: "invalid_argument",
    });
    await expect(processes.attach(0)).rejects.toMatchObject({ details: { field: "pid" } });
    await expect(processes.attach(999_999)).rejects.toMatchObject({ code: "not_found" });
    const proc = await processes.start(["sleep", "30"]);
    await expect(processes.attach(proc.pid, { fromStart: "yes" } as never)).rejects.toMatchObject({
      details: { field: "fromStart" },
    });
    await expect(processes.attach(proc.pid, { follow: true } as never)).rejects.toMatchObject({
      details: { field: "follow" },
    });
    await expect(proc.kill("SIGFOO")).rejects.toMatchObject({ details: { field: "signal" } });
    await expect(proc.resize(100, 40)).rejects.toMatchObject({ details: { field: "resize" } });
    await expect(proc.write(42 as never)).rejects.toMatchObject({ details: { field: "data" } });
    await proc.kill("KILL");
    expect((await proc.wait()).exitCode).toBe(137);
  });
});
