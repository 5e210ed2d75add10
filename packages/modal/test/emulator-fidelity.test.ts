import { type App, type Image, ModalClient, type Sandbox } from "modal";
import { createChannel, createClient, Metadata, Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadModalDefinitions, type ModalEmulator } from "../src/index.js";
import { startTestEmulator } from "./support/fixture.js";

/**
 * The emulator behaves like Modal where a user of the unmodified SDK can notice: commands start
 * at once and read stdin as it streams, main processes that exit finish the sandbox at once,
 * Modal's limits are enforced, unsupported options fail loudly, and tunnels speak TLS.
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
  app = await modal.apps.fromName("fidelity", { createIfMissing: true });
  image = modal.images.fromRegistry("python:3.12-slim");
});

afterAll(async () => {
  await Promise.allSettled(sandboxes.map((sb) => sb.terminate()));
  for (const sb of sandboxes) sb.detach();
  modal?.close();
  delete process.env.MODAL_SERVER_URL;
  await emulator?.close();
});

async function create(params: Parameters<ModalClient["sandboxes"]["create"]>[2] = {}): Promise<Sandbox> {
  const sb = await modal.sandboxes.create(app, image, params);
  sandboxes.push(sb);
  return sb;
}

describe("exec", () => {
  test("a command starts at once, before any stdin, and reads stdin written later", async () => {
    const sb = await create();
    const started = Date.now();
    const proc = await sb.exec(["sh", "-c", "echo started; read line; echo got:$line; read more; echo got:$more"], {
      mode: "text",
    });
    const reader = proc.stdout.getReader();
    const first = await reader.read();
    // Output arrived with stdin still open: the command did not wait for EOF or a grace period.
    expect(first.value).toBe("started\n");
    expect(Date.now() - started).toBeLessThan(900);
    const writer = proc.stdin.getWriter();
    await writer.write("one\n");
    let seen = "";
    while (!seen.includes("got:one")) seen += (await reader.read()).value ?? "";
    // Stdin written after the command produced output still reaches it.
    await writer.write("two\n");
    while (!seen.includes("got:two")) seen += (await reader.read()).value ?? "";
    await writer.close();
    expect(await proc.wait()).toBe(0);
    expect(seen).toBe("got:one\ngot:two\n");
  });

  test("EOF on stdin ends a reader; stdin arriving after the command exited goes nowhere", async () => {
    const sb = await create();
    const cat = await sb.exec(["cat"]);
    const writer = cat.stdin.getWriter();
    await writer.write("a");
    await writer.write("b");
    await writer.close();
    expect(await cat.stdout.readText()).toBe("ab");
    expect(await cat.wait()).toBe(0);
    const done = await sb.exec(["true"]);
    expect(await done.wait()).toBe(0);
    // The process is gone; a late write is accepted and dropped, as on a closed pipe.
    await done.stdin.getWriter().write("late");
  });

  test("pty execs fail loudly", async () => {
    const sb = await create();
    await expect(sb.exec(["true"], { pty: true })).rejects.toThrow(/does not support PTY/);
  });

  test("commands run as root, as on Modal", async () => {
    const sb = await create();
    const id = await sb.exec(["id", "-u"]);
    expect(await id.stdout.readText()).toBe("0\n");
  });
});

describe("sandbox lifecycle", () => {
  test("a sandbox whose main command exited is finished at once, with its exit code", async () => {
    const sb = await create({ command: ["sh", "-c", "exit 3"] });
    const started = Date.now();
    expect(await sb.wait()).toBe(3);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await sb.poll()).toBe(3);
  });

  test("lifetimes over 24 h are refused", async () => {
    await expect(create({ timeoutMs: (24 * 3600 + 1) * 1000 })).rejects.toThrow(/at most 86400 seconds/);
  });

  test("GPU types and counts are validated as Modal does", async () => {
    await expect(create({ gpu: "NOTAGPU:3" })).rejects.toThrow(/Invalid GPU type 'NOTAGPU'/);
    await expect(create({ gpu: "H100:64" })).rejects.toThrow(/At most 8 H100 GPUs/);
    await expect(create({ gpu: "A10:5" })).rejects.toThrow(/At most 4 A10 GPUs/);
  });

  test("CPU, memory and tag limits are enforced", async () => {
    await expect(create({ cpu: 10_000 })).rejects.toThrow(/cpu must be between/);
    await expect(create({ memoryMiB: 64 })).rejects.toThrow(/memory must be between/);
    const tags = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`t${i}`, "v"]));
    await expect(create({ tags })).rejects.toThrow(/at most 100 tags/);
    await expect(create({ tags: { ok: "x".repeat(513) } })).rejects.toThrow(/longer than 512/);
    // Within Modal's range but beyond this host: accepted (such a limit limits nothing here).
    const big = await create({ cpu: 32, cpuLimit: 32, memoryMiB: 4096 });
    expect(await (await big.exec(["true"])).wait()).toBe(0);
  });

  test("a hard memory limit is enforced inside the sandbox", async () => {
    const sb = await create({ memoryMiB: 128, memoryLimitMiB: 128 });
    const hog = await sb.exec(["python3", "-c", "b = bytearray(512 * 1024 * 1024); print('survived')"]);
    const out = await hog.stdout.readText();
    const code = await hog.wait();
    expect({ out, killed: code !== 0 }).toEqual({ out: "", killed: true });
  });

  test("unsupported options fail loudly instead of being ignored", async () => {
    await expect(create({ pty: true })).rejects.toThrow(/does not support PTY sandboxes/);
    await expect(create({ outboundDomainAllowlist: ["pypi.org"] })).rejects.toThrow(/outbound allowlists/);
    await expect(create({ experimentalOptions: { fancy: true } })).rejects.toThrow(/experimental options/);
    const failed = emulator.calls.of("SandboxCreateV2").filter((call) => call.error === "UNIMPLEMENTED");
    expect(failed.length).toBeGreaterThanOrEqual(3);
  });
});

describe("snapshots and tunnels", () => {
  test("snapshotFilesystem captures files outside the workdir too", async () => {
    const sb = await create({ workdir: "/work" });
    const write = await sb.exec([
      "sh",
      "-c",
      "echo in-workdir > kept.txt && mkdir -p /tmp/outside && echo in-tmp > /tmp/outside/kept.txt",
    ]);
    expect(await write.wait()).toBe(0);
    const snapshot = await sb.snapshotFilesystem();
    const fromImage = await modal.sandboxes.create(app, await modal.images.fromId(snapshot.imageId), {
      workdir: "/work",
    });
    sandboxes.push(fromImage);
    const read = await fromImage.exec(["sh", "-c", "cat kept.txt /tmp/outside/kept.txt"]);
    expect(await read.stdout.readText()).toBe("in-workdir\nin-tmp\n");
  });

  test("Tunnel.url works as returned: TLS with the emulator's certificate", async () => {
    const port = 21_000 + Math.floor(Math.random() * 10_000);
    const sb = await create({ encryptedPorts: [port] });
    const server = await sb.exec([
      "sh",
      "-c",
      '"$@" >/dev/null 2>&1 </dev/null &',
      "sh",
      "python3",
      "-c",
      `import http.server as h
class H(h.BaseHTTPRequestHandler):
  def do_GET(s):
    s.send_response(200); s.send_header('Content-Length','2'); s.end_headers(); s.wfile.write(b'ok')
  def log_message(s,*a): pass
h.HTTPServer(('0.0.0.0',${port}),H).serve_forever()`,
    ]);
    expect(await server.wait()).toBe(0);
    const url = (await sb.tunnels())[port]?.url ?? "";
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    let body = "";
    for (let attempt = 0; attempt < 50 && body !== "ok"; attempt++) {
      body = await fetch(url, { signal: AbortSignal.timeout(2000) })
        .then((response) => response.text())
        .catch(() => "");
      if (body !== "ok") await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(body).toBe("ok");
  });
});

describe("credentials", () => {
  test("with credentials configured, wrong secrets and tokens the emulator did not issue are refused", async () => {
    const strict = await startTestEmulator({ credentials: { tokenId: "ak-right", tokenSecret: "as-right" } });
    const previous = process.env.MODAL_SERVER_URL;
    process.env.MODAL_SERVER_URL = strict.url;
    const wrong = new ModalClient({ tokenId: "ak-right", tokenSecret: "as-wrong" });
    const right = new ModalClient({ tokenId: "ak-right", tokenSecret: "as-right" });
    process.env.MODAL_SERVER_URL = previous;
    try {
      await expect(wrong.apps.fromName("x", { createIfMissing: true })).rejects.toMatchObject({
        code: Status.UNAUTHENTICATED,
      });
      const strictApp = await right.apps.fromName("x", { createIfMissing: true });
      const sb = await right.sandboxes.create(strictApp, right.images.fromRegistry("python:3.12-slim"));
      const ok = await sb.exec(["true"]);
      expect(await ok.wait()).toBe(0);
      // A router call with a token the emulator never signed.
      const definitions = loadModalDefinitions();
      const channel = createChannel(`127.0.0.1:${strict.port}`);
      const router = createClient(definitions.router as never, channel) as unknown as {
        taskExecPoll(request: object, options: object): Promise<unknown>;
      };
      const claims = Buffer.from(JSON.stringify({ sub: "ta-x", exp: Date.now() / 1000 + 600 })).toString("base64url");
      const metadata = Metadata({ authorization: `Bearer e30.${claims}.forged` });
      await expect(router.taskExecPoll({ taskId: "ta-x", execId: "e" }, { metadata })).rejects.toMatchObject({
        code: Status.UNAUTHENTICATED,
      });
      channel.close();
      expect(strict.calls.of("TaskExecPoll").at(-1)?.authenticated).toBe(false);
      await sb.terminate();
      sb.detach();
    } finally {
      wrong.close();
      right.close();
      await strict.close();
    }
  });
});
