import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CallRecorder, type ModalEmulator, type ModalProvider, type RecordedCall } from "../src/index.js";
import { providerFor, startTestEmulator } from "./support/fixture.js";

/**
 * What one `exec` puts on the wire, read from the calls the emulator recorded: how many round
 * trips it waits for in sequence, and that stdin, output and the exit travel concurrently.
 */
let emulator: ModalEmulator;
let provider: ModalProvider;
let sandboxId: string;

beforeAll(async () => {
  emulator = await startTestEmulator();
  provider = providerFor(emulator);
  sandboxId = (await provider.provision({})).externalId;
  // The first exec resolves the workdir and warms the router channel; measure the ones after.
  await provider.exec(sandboxId, ["true"]);
});

afterAll(async () => {
  await provider?.destroy(sandboxId).catch(() => undefined);
  await emulator?.close();
});

/** The calls of the one exec `argv` (its TaskExecStart and everything sharing its execId). */
function callsOfExec(program: string): RecordedCall[] {
  const start = emulator.calls
    .of("TaskExecStart")
    .filter((call) => (call.request as { commandArgs: string[] }).commandArgs.includes(program))
    .at(-1);
  const execId = (start?.request as { execId?: string } | undefined)?.execId;
  return emulator.calls
    .all()
    .filter((call) => call.service === "router" && (call.request as { execId?: string } | null)?.execId === execId);
}

describe("exec on the wire", () => {
  test("with empty stdin: 5 RPCs in 2 waves (start; then EOF, both reads and the wait together)", async () => {
    // A slow answer to the EOF makes any call that waited for it visibly later: without the
    // delay, client-side scheduling noise of a few ms could pass for a dependency.
    emulator.faults.add({ method: "TaskExecStdinWrite", code: Status.OK, delayMs: 300 });
    const result = await provider.exec(sandboxId, ["echo", "waves"]);
    expect(result.stdout).toBe("waves\n");
    const waves = CallRecorder.waves(callsOfExec("waves")).map(({ call, wave }) => ({ method: call.method, wave }));
    expect(waves.filter((entry) => entry.wave === 1)).toEqual([{ method: "TaskExecStart", wave: 1 }]);
    expect(
      waves
        .filter((entry) => entry.wave === 2)
        .map((entry) => entry.method)
        .sort(),
    ).toEqual(["TaskExecStdinWrite", "TaskExecStdioRead", "TaskExecStdioRead", "TaskExecWait"]);
    expect(Math.max(...waves.map((entry) => entry.wave))).toBe(2);
    const eof = callsOfExec("waves").find((call) => call.method === "TaskExecStdinWrite")?.request as {
      eof: boolean;
      data: Uint8Array;
    };
    expect({ eof: eof.eof, bytes: eof.data.byteLength }).toEqual({ eof: true, bytes: 0 });
  });

  test("with 40 MiB of stdin, output is read and the exit awaited while stdin is still being sent", async () => {
    const stdin = new Uint8Array(40 * 1024 * 1024).fill(0x61);
    const result = await provider.exec(sandboxId, ["sh", "-c", "echo started; wc -c", "stdin-40"], { stdin });
    expect(result.stdout).toBe(`started\n${stdin.byteLength}\n`);
    const calls = callsOfExec("stdin-40");
    const writes = calls.filter((call) => call.method === "TaskExecStdinWrite");
    // 1 MiB per message, then EOF.
    expect(writes.length).toBe(41);
    // Both reads and the wait went out with the first stdin message, not after the last: the
    // second message can only follow the first one's answer.
    const second = writes.map((call) => call.timing.received).sort((a, b) => a - b)[1] ?? 0;
    const readsAndWait = calls.filter((call) => call.method === "TaskExecStdioRead" || call.method === "TaskExecWait");
    expect(readsAndWait).toHaveLength(3);
    for (const call of readsAndWait) expect(call.timing.received).toBeLessThan(second);
  });

  test("a command that reopens /dev/stdin after the client's EOF still reads it (stdin is a pipe, as on Modal)", async () => {
    // `tailscale up --auth-key=file:/dev/stdin` does this; on a named FIFO whose writers are
    // gone the reopen blocks forever.
    const result = await provider.exec(sandboxId, ["sh", "-c", "sleep 1; cat /dev/stdin; [ -p /dev/stdin ]"], {
      stdin: "key-bytes",
      timeoutMs: 15_000,
    });
    expect(result).toMatchObject({ exitCode: 0, stdout: "key-bytes", timedOut: false });
  });

  test("env names Modal refuses fail as invalid_argument naming the variable, before any RPC", async () => {
    const before = emulator.calls.all().length;
    await expect(provider.exec(sandboxId, ["true"], { env: { "BAD-KEY": "x" } })).rejects.toMatchObject({
      code: "invalid_argument",
      details: { field: 'env["BAD-KEY"]' },
    });
    await expect(provider.exec(sandboxId, ["true"], { env: { "1X": "x" } })).rejects.toMatchObject({
      code: "invalid_argument",
      details: { field: 'env["1X"]' },
    });
    expect(emulator.calls.all().length).toBe(before);
  });

  test("cwd and env are native to the exec request; argv arrives verbatim, with no shell", async () => {
    const result = await provider.exec(sandboxId, ["sh", "-c", 'printf "%s|%s" "$(pwd)" "$V"', "native"], {
      cwd: "/tmp",
      env: { V: "a b'c" },
    });
    expect(result.stdout).toBe("/tmp|a b'c");
    const start = callsOfExec("native").find((call) => call.method === "TaskExecStart")?.request as {
      workdir: string;
      commandArgs: string[];
      secretSources: { env?: { contents: Record<string, string> } }[];
    };
    expect(start.workdir).toBe("/tmp");
    expect(start.commandArgs).toEqual(["sh", "-c", 'printf "%s|%s" "$(pwd)" "$V"', "native"]);
    expect(start.secretSources.map((source) => source.env?.contents)).toEqual([{ V: "a b'c" }]);
  });
});
