import type { ProcessesExtension, ProcessHandle } from "@openlattice/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ModalEmulator, ModalProvider } from "../src/index.js";
import { providerFor, startTestEmulator } from "./support/fixture.js";

/**
 * PTYs on Modal through the real SDK: Modal's exec PTY (which the SDK always asks for as
 * 80x24) sized to the caller's `cols`/`rows`, resized on a running process, typed into,
 * interrupted with Ctrl-C and ended with Ctrl-D.
 */
let emulator: ModalEmulator;
let provider: ModalProvider;
let sandboxId: string;
let processes: ProcessesExtension;

beforeAll(async () => {
  emulator = await startTestEmulator();
  provider = providerFor(emulator);
  sandboxId = (await provider.provision({})).externalId;
  processes = provider.getExtension(sandboxId, "processes") as ProcessesExtension;
});

afterAll(async () => {
  await provider?.destroy(sandboxId).catch(() => undefined);
  await emulator?.close();
});

/** A terminal session: what it printed so far, and a wait for text to appear after a mark. */
async function shell(options: { cols?: number; rows?: number } = {}) {
  let screen = "";
  const handle = await processes.start(["sh", "-i"], {
    pty: true,
    ...options,
    env: { PS1: "$ " },
    onStdout: (chunk) => {
      screen += chunk;
    },
  });
  let mark = 0;
  const expectOutput = async (pattern: RegExp): Promise<string> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const match = pattern.exec(screen.slice(mark));
      if (match) {
        mark += match.index + match[0].length;
        return match[0];
      }
      if (Date.now() > deadline) throw new Error(`no ${pattern} in ${JSON.stringify(screen.slice(mark))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { handle, expectOutput, screen: () => screen };
}

describe("exec with pty", () => {
  test("the command has a terminal of the asked size; stderr arrives on stdout", async () => {
    const result = await provider.exec(sandboxId, ["sh", "-c", "tty; stty size; echo oops >&2"], {
      pty: true,
      cols: 132,
      rows: 43,
    });
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split("\r\n");
    expect(lines[0]).toMatch(/^\/dev\/pts\/\d+$/);
    expect(lines.slice(1)).toEqual(["43 132", "oops", ""]);
    expect(result.stderr).toBe("");
    // Without pty there is no terminal.
    const plain = await provider.exec(sandboxId, ["tty"]);
    expect(plain.exitCode).toBe(1);
    expect(plain.stdout.trim()).toBe("not a tty");
  });

  test("stdin is typed into the terminal and ended with Ctrl-D, even after an unfinished line", async () => {
    const result = await provider.exec(sandboxId, ["sh", "-c", 'read x; echo "got $x"; cat; echo done'], {
      pty: true,
      stdin: "first\nsecond",
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("got first\r\n");
    expect(result.stdout).toMatch(/second.*done\r\n$/s);
  });

  test("terminal sizes are validated", async () => {
    await expect(provider.exec(sandboxId, ["true"], { cols: 100 })).rejects.toMatchObject({
      code: "invalid_argument",
      details: { field: "cols" },
    });
    await expect(provider.exec(sandboxId, ["true"], { pty: true, rows: 0 })).rejects.toMatchObject({
      details: { field: "rows" },
    });
  });
});

describe("processes with pty", () => {
  let session: Awaited<ReturnType<typeof shell>>;
  let handle: ProcessHandle;

  beforeAll(async () => {
    session = await shell({ cols: 100, rows: 30 });
    handle = session.handle;
    await session.expectOutput(/\$ $/m);
  });

  test("stty size reports the start size, then the size after resize", async () => {
    await handle.write("tty; stty size\n");
    await session.expectOutput(/\/dev\/pts\/\d+\r\n30 100\r\n/);
    await handle.resize(120, 40);
    await handle.write("stty size\n");
    await session.expectOutput(/\r\n40 120\r\n/);
    await expect(handle.resize(0, 10)).rejects.toMatchObject({ details: { field: "cols" } });
    expect((await processes.list()).find((entry) => entry.pid === handle.pid)).toMatchObject({
      pty: true,
      state: "running",
    });
  });

  test("Ctrl-C interrupts the foreground job; Ctrl-D (closeStdin) ends the shell", async () => {
    await handle.write("sleep 300; echo slept\n");
    await session.expectOutput(/sleep 300; echo slept\r\n/);
    const interrupted = Date.now();
    await handle.write("\x03");
    await handle.write("echo after-interrupt\n");
    await session.expectOutput(/\r\nafter-interrupt\r\n/);
    expect(Date.now() - interrupted).toBeLessThan(10_000);
    expect(session.screen()).not.toContain("\r\nslept\r\n");
    await handle.closeStdin();
    const result = await handle.wait();
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe("");
  });
});
