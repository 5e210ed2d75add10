import { describe, expect, it } from "vitest";
import {
  InvalidArgumentError,
  openSandbox,
  parseExecRequest,
  parseProcessStart,
  parseTerminalSize,
} from "../src/index.js";
import { RecordingProvider } from "./recording-provider.js";

function failure(run: () => unknown): { code: string; field?: string } {
  try {
    run();
  } catch (error) {
    return error as { code: string; field?: string };
  }
  throw new Error("accepted");
}

describe("pty options", () => {
  it("defaults a terminal to 80x24 and keeps given sizes", () => {
    expect(parseExecRequest(["sh"], { pty: true }).pty).toEqual({ cols: 80, rows: 24 });
    expect(parseExecRequest(["sh"], { pty: true, cols: 132, rows: 50 }).pty).toEqual({ cols: 132, rows: 50 });
    expect(parseExecRequest(["sh"], {}).pty).toBeUndefined();
  });

  it.each([
    [{ pty: "yes" }, "pty"],
    [{ pty: true, cols: 0 }, "cols"],
    [{ pty: true, rows: 1.5 }, "rows"],
    [{ cols: 100 }, "cols"],
  ])("rejects %j naming %s", (options, field) => {
    expect(failure(() => parseExecRequest(["sh"], options))).toMatchObject({ code: "invalid_argument", field });
  });

  it("refuses a terminal with unsupported when the capabilities have none", () => {
    expect(failure(() => parseExecRequest(["sh"], { pty: true }, "x", { pty: false }))).toMatchObject({
      code: "unsupported",
    });
    expect(parseExecRequest(["sh"], { pty: true }, "x", { pty: true }).pty).toEqual({ cols: 80, rows: 24 });
  });
});

describe("parseProcessStart", () => {
  it("validates like exec and keeps stdin, callbacks and the terminal", () => {
    const onStdout = (_text: string) => {};
    const request = parseProcessStart(["python3", "-i"], { stdin: "x", onStdout, pty: true, cwd: "app" });
    expect(request).toMatchObject({ argv: ["python3", "-i"], cwd: "app", pty: { cols: 80, rows: 24 } });
    expect(request.onStdout).toBe(onStdout);
    expect(Array.from(request.stdin ?? [])).toEqual([0x78]);
    expect(failure(() => parseProcessStart(["a", "b\u0000"], {}))).toMatchObject({ field: "argv[1]" });
  });

  it("refuses a signal: background processes are stopped with kill", () => {
    const error = failure(() => parseProcessStart(["sleep", "1"], { signal: new AbortController().signal }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ field: "signal" });
  });

  it("validates resize sizes", () => {
    expect(parseTerminalSize(100, 40)).toEqual({ cols: 100, rows: 40 });
    expect(failure(() => parseTerminalSize(0, 40))).toMatchObject({ field: "cols" });
    expect(failure(() => parseTerminalSize(100, undefined))).toMatchObject({ field: "rows" });
  });
});

describe("Sandbox handle", () => {
  it("names the provider when processes, file streams, watch or lifetime are missing", async () => {
    const sandbox = await openSandbox(new RecordingProvider(), {});
    for (const name of ["processes", "fileStreams", "fileWatch", "lifetime"] as const) {
      expect(() => sandbox[name]).toThrow(expect.objectContaining({ code: "unsupported", feature: name }));
    }
  });
});
