import { describe, expect, it } from "vitest";
import {
  collectorsFor,
  createExecResult,
  DEFAULT_MAX_OUTPUT_BYTES,
  exitCodeForSignal,
  OutputCollector,
  parseExecRequest,
} from "../src/index.js";

describe("OutputCollector", () => {
  it("forwards every chunk, keeps up to maxBytes and flags truncation", () => {
    const seen: number[] = [];
    const collector = new OutputCollector(5, { onBytes: (chunk) => seen.push(chunk.byteLength) });
    collector.push(new Uint8Array([1, 2, 3]));
    collector.push(new Uint8Array([4, 5, 6, 7]));
    collector.push(new Uint8Array([8]));
    expect(seen).toEqual([3, 4, 1]);
    expect(Array.from(collector.bytes())).toEqual([1, 2, 3, 4, 5]);
    expect(collector.truncated).toBe(true);
    expect(collector.totalBytes).toBe(8);
  });

  it("keeps nothing with maxBytes 0 but still streams", () => {
    let streamed = 0;
    const collector = new OutputCollector(0, { onBytes: (chunk) => (streamed += chunk.byteLength) });
    collector.push(new Uint8Array(10));
    expect(collector.bytes().byteLength).toBe(0);
    expect(collector.truncated).toBe(true);
    expect(streamed).toBe(10);
  });

  it("decodes text incrementally: a character split across chunks arrives whole", () => {
    const text: string[] = [];
    const collector = new OutputCollector(DEFAULT_MAX_OUTPUT_BYTES, { onText: (chunk) => text.push(chunk) });
    const bytes = new TextEncoder().encode("é👩‍💻ok");
    // Every byte its own chunk: the worst split a pipe can produce.
    for (const byte of bytes) collector.push(new Uint8Array([byte]));
    collector.end();
    expect(text.join("")).toBe("é👩‍💻ok");
    expect(text.every((chunk) => !chunk.includes("\uFFFD"))).toBe(true);
  });

  it("flushes an incomplete final character as U+FFFD at end()", () => {
    const text: string[] = [];
    const collector = new OutputCollector(10, { onText: (chunk) => text.push(chunk) });
    collector.push(new Uint8Array([0x61, 0xc3]));
    expect(text).toEqual(["a"]);
    collector.end();
    expect(text).toEqual(["a", "\uFFFD"]);
  });

  it("defaults to DEFAULT_MAX_OUTPUT_BYTES kept, so huge output is bounded", () => {
    const collector = new OutputCollector();
    const mib = new Uint8Array(1024 * 1024);
    for (let index = 0; index < DEFAULT_MAX_OUTPUT_BYTES / mib.byteLength + 2; index++) collector.push(mib);
    expect(collector.bytes().byteLength).toBe(DEFAULT_MAX_OUTPUT_BYTES);
    expect(collector.truncated).toBe(true);
    expect(collector.totalBytes).toBe(DEFAULT_MAX_OUTPUT_BYTES + 2 * mib.byteLength);
  });

  it("keeps the first callback error and stops forwarding, still collecting the output", () => {
    const seen: number[] = [];
    const collector = new OutputCollector(100, {
      onBytes: (chunk) => {
        seen.push(chunk.byteLength);
        throw new Error(`callback failed on ${chunk.byteLength}`);
      },
    });
    collector.push(new Uint8Array(1));
    collector.push(new Uint8Array(2));
    expect(seen).toEqual([1]);
    expect((collector.callbackError as Error).message).toBe("callback failed on 1");
    expect(collector.bytes().byteLength).toBe(3);
  });

  it("collectorsFor wires each stream's text and byte callbacks and the request's cap", () => {
    const seen: string[] = [];
    const request = parseExecRequest(["x"], {
      maxOutputBytes: 3,
      onStdout: (chunk: string) => seen.push(`out:${chunk}`),
      onStderrBytes: (chunk: Uint8Array) => seen.push(`errbytes:${chunk.byteLength}`),
    });
    const { stdout, stderr } = collectorsFor(request);
    stdout.push(new TextEncoder().encode("hello"));
    stderr.push(new Uint8Array(2));
    expect(seen).toEqual(["out:hello", "errbytes:2"]);
    expect(new TextDecoder().decode(stdout.bytes())).toBe("hel");
    expect(stdout.truncated).toBe(true);
    expect(stderr.truncated).toBe(false);
  });
});

describe("createExecResult", () => {
  it("decodes text once and keeps the exact bytes", () => {
    const stdoutBytes = new Uint8Array([0x68, 0x69, 0xff]);
    const result = createExecResult({ exitCode: 3, stdoutBytes, stderrBytes: new Uint8Array(), durationMs: 2 });
    expect(result.stdout).toBe("hi\uFFFD");
    expect(result.stdoutBytes).toBe(stdoutBytes);
    expect(result).toMatchObject({ exitCode: 3, stderr: "", timedOut: false, truncated: false, durationMs: 2 });
    expect("oomKilled" in result).toBe(false);
  });

  it("carries oomKilled only when the backend knows", () => {
    const empty = new Uint8Array();
    const result = createExecResult({
      exitCode: 137,
      stdoutBytes: empty,
      stderrBytes: empty,
      oomKilled: true,
      durationMs: 1,
    });
    expect(result.oomKilled).toBe(true);
  });

  it("maps signals to 128 + number", () => {
    expect(exitCodeForSignal("SIGKILL")).toBe(137);
    expect(exitCodeForSignal("SIGTERM")).toBe(143);
    expect(exitCodeForSignal(null)).toBe(128);
  });
});
