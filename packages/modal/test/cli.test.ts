import { ModalClient } from "modal";
import { afterEach, expect, test, vi } from "vitest";
import { runEmulatorCli, runSweepCli } from "../src/cli/index.js";
import { parseDurationMs } from "../src/cli/parse-duration.js";

afterEach(() => {
  vi.restoreAllMocks();
});

function captureOutput() {
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  const text = (spy: typeof out) => spy.mock.calls.map((call) => String(call[0])).join("");
  return { stdout: () => text(out), stderr: () => text(err) };
}

test("durations need a unit: ms, s, m, h or d", () => {
  expect(parseDurationMs("250ms")).toBe(250);
  expect(parseDurationMs("90s")).toBe(90_000);
  expect(parseDurationMs("15m")).toBe(900_000);
  expect(parseDurationMs("2h")).toBe(7_200_000);
  expect(parseDurationMs("1d")).toBe(86_400_000);
  expect(() => parseDurationMs("2")).toThrow(/with a unit/);
  expect(() => parseDurationMs("soon")).toThrow(/invalid duration/);
});

test("the sweep CLI prints help, and refuses to run without --older-than or with a bare number", async () => {
  const output = captureOutput();
  expect(await runSweepCli(["--help"])).toBe(0);
  expect(output.stdout()).toContain("openlattice-modal-sweep --older-than");
  expect(await runSweepCli([])).toBe(2);
  expect(await runSweepCli(["--bogus"])).toBe(2);
  expect(output.stderr()).toContain("--older-than is required");
  // `2` would mean 2 ms and sweep almost everything: it is a usage error, before any call.
  expect(await runSweepCli(["--older-than", "2"])).toBe(2);
  expect(output.stderr()).toMatch(/--older-than: invalid duration "2": give a number with a unit/);
});

test("the emulator CLI refuses a port that is not a number, with the usage", async () => {
  const output = captureOutput();
  expect(await runEmulatorCli(["--port", "abc"])).toBe(2);
  expect(await runEmulatorCli(["--port", "70000"])).toBe(2);
  expect(output.stderr()).toContain('--port must be a port number from 0 to 65535, not "abc"');
  expect(output.stderr()).toContain("Usage: openlattice-modal-emulator");
  expect(await runEmulatorCli(["--isolation", "vm"])).toBe(2);
  expect(await runEmulatorCli(["--token-id", "ak-x"])).toBe(2);
});

test("the emulator CLI prints the environment to use, and --log prints one line per call", async () => {
  const output = captureOutput();
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const run = runEmulatorCli(["--log", "--isolation", "none"], stopped);
  const deadline = Date.now() + 30_000;
  while (!/MODAL_SERVER_URL=(\S+)/.test(output.stdout()) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = /MODAL_SERVER_URL=(\S+)/.exec(output.stdout())?.[1];
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(output.stdout()).toMatch(/NODE_EXTRA_CA_CERTS=\S+\.pem/);
  const previous = process.env.MODAL_SERVER_URL;
  process.env.MODAL_SERVER_URL = url;
  const client = new ModalClient();
  process.env.MODAL_SERVER_URL = previous;
  await client.apps.fromName("cli-log", { createIfMissing: true });
  client.close();
  stop();
  expect(await run).toBe(0);
  expect(output.stderr()).toMatch(/\[emulator\] control AuthTokenGet OK \d+ms/);
  expect(output.stderr()).toMatch(/\[emulator\] control AppGetOrCreate OK \d+ms appName=cli-log/);
});
