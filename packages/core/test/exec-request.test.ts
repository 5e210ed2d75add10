import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_OUTPUT_BYTES,
  InvalidArgumentError,
  MAX_ARGV_BYTES,
  MAX_OUTPUT_BYTES_LIMIT,
  parseExecRequest,
} from "../src/index.js";

function fieldOf(argv: unknown, options?: unknown): string {
  try {
    parseExecRequest(argv, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as InvalidArgumentError).field;
  }
  throw new Error("request was accepted");
}

describe("parseExecRequest", () => {
  it("passes hostile but valid values through unchanged", () => {
    const argv = ["printf", "%s", "$(rm -rf /)", "`id`", "*", "a b", "line\nbreak", "-n", "", "\u202eRTL", "é", "👩‍💻"];
    const env = { "A B": "$HOME", X: "", ünï: "`x`" };
    const request = parseExecRequest(argv, { cwd: "../odd dir", env, timeoutMs: 5, maxOutputBytes: 0 });
    expect(request.argv).toEqual(argv);
    expect(request.env).toEqual(env);
    expect(request.cwd).toBe("../odd dir");
    expect(request.timeoutMs).toBe(5);
    expect(request.maxOutputBytes).toBe(0);
  });

  it("applies the default output cap, so no provider can forget to bound what it keeps", () => {
    expect(parseExecRequest(["true"], undefined).maxOutputBytes).toBe(DEFAULT_MAX_OUTPUT_BYTES);
    expect(parseExecRequest(["true"], {}).maxOutputBytes).toBe(DEFAULT_MAX_OUTPUT_BYTES);
    expect(parseExecRequest(["true"], { maxOutputBytes: MAX_OUTPUT_BYTES_LIMIT }).maxOutputBytes).toBe(
      MAX_OUTPUT_BYTES_LIMIT,
    );
  });

  it("passes text and byte callbacks through separately", () => {
    const onStdout = (_chunk: string) => {};
    const onStderrBytes = (_chunk: Uint8Array) => {};
    const request = parseExecRequest(["true"], { onStdout, onStderrBytes });
    expect(request.onStdout).toBe(onStdout);
    expect(request.onStderrBytes).toBe(onStderrBytes);
    expect(request.onStdoutBytes).toBeUndefined();
  });

  it("encodes string stdin as UTF-8 and keeps bytes as given", () => {
    expect(Array.from(parseExecRequest(["cat"], { stdin: "é" }).stdin ?? [])).toEqual([0xc3, 0xa9]);
    const bytes = new Uint8Array([0, 255, 10]);
    expect(parseExecRequest(["cat"], { stdin: bytes }).stdin).toBe(bytes);
  });

  it("copies argv so later mutation by the caller changes nothing", () => {
    const argv = ["echo", "a"];
    const request = parseExecRequest(argv, undefined);
    argv[1] = "b";
    expect(request.argv).toEqual(["echo", "a"]);
  });

  it.each([
    ["echo", undefined, "argv"],
    [[], undefined, "argv"],
    [[""], undefined, "argv[0]"],
    [["echo", 1], undefined, "argv[1]"],
    [["echo", "a\u0000b"], undefined, "argv[1]"],
    [["echo", "x".repeat(MAX_ARGV_BYTES)], undefined, "argv"],
    [["echo"], "opts", "options"],
    [["echo"], { timeout: 5 }, "timeout"],
    [["echo"], { cwd: "" }, "cwd"],
    [["echo"], { cwd: "/a\u0000" }, "cwd"],
    [["echo"], { env: [] }, "env"],
    [["echo"], { env: { "A=B": "1" } }, 'env["A=B"]'],
    [["echo"], { env: { "": "1" } }, 'env[""]'],
    [["echo"], { env: { A: 1 } }, 'env["A"]'],
    [["echo"], { env: JSON.parse('{"__proto__":"x"}') }, 'env["__proto__"]'],
    [["echo"], { env: { A: "\u0000" } }, 'env["A"]'],
    [["echo"], { timeoutMs: 0 }, "timeoutMs"],
    [["echo"], { timeoutMs: 1.5 }, "timeoutMs"],
    [["echo"], { timeoutMs: 2 ** 31 }, "timeoutMs"],
    [["echo"], { maxOutputBytes: -1 }, "maxOutputBytes"],
    [["echo"], { stdin: 5 }, "stdin"],
    [["echo"], { onStdout: "log" }, "onStdout"],
    [["echo"], { onStderr: {} }, "onStderr"],
    [["echo"], { onStdoutBytes: "x" }, "onStdoutBytes"],
    [["echo"], { maxOutputBytes: MAX_OUTPUT_BYTES_LIMIT + 1 }, "maxOutputBytes"],
    [["echo"], { signal: {} }, "signal"],
  ])("rejects argv %j with options %j naming %s", (argv, options, field) => {
    expect(fieldOf(argv, options)).toBe(field);
  });

  it("accepts every NUL-free argv exactly as given (property)", () => {
    const arg = fc.string({ unit: "grapheme", maxLength: 64 }).filter((value) => !value.includes("\u0000"));
    fc.assert(
      fc.property(fc.array(arg, { minLength: 1, maxLength: 8 }), (rest) => {
        const argv = ["prog", ...rest];
        expect(parseExecRequest(argv, undefined).argv).toEqual(argv);
      }),
      { numRuns: 300 },
    );
  });

  it("rejects every argv containing NUL, naming its index (property)", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.nat({ max: 5 }), (before, after, index) => {
        const argv = ["prog", ...Array.from({ length: index }, () => "ok"), `${before}\u0000${after}`];
        expect(fieldOf(argv)).toBe(`argv[${index + 1}]`);
      }),
      { numRuns: 200 },
    );
  });
});
