import { describe, expect, it } from "vitest";
import { createExecResult, exitCodeForSignal, OutputCollector } from "../src/index.js";

describe("OutputCollector", () => {
  it("forwards every chunk, keeps up to maxBytes and flags truncation", () => {
    const seen: number[] = [];
    const collector = new OutputCollector(5, (chunk) => seen.push(chunk.byteLength));
    collector.push(new Uint8Array([1, 2, 3]));
    collector.push(new Uint8Array([4, 5, 6, 7]));
    collector.push(new Uint8Array([8]));
    expect(seen).toEqual([3, 4, 1]);
    expect(Array.from(collector.bytes())).toEqual([1, 2, 3, 4, 5]);
    expect(collector.truncated).toBe(true);
    expect(collector.totalBytes).toBe(8);
  });

  it("copies chunks so a producer reusing its buffer cannot corrupt the result", () => {
    const collector = new OutputCollector();
    const buffer = new Uint8Array([1, 2]);
    collector.push(buffer);
    buffer[0] = 9;
    collector.push(buffer);
    expect(Array.from(collector.bytes())).toEqual([1, 2, 9, 2]);
    expect(collector.truncated).toBe(false);
  });

  it("keeps nothing with maxBytes 0 but still streams", () => {
    let streamed = 0;
    const collector = new OutputCollector(0, (chunk) => {
      streamed += chunk.byteLength;
    });
    collector.push(new Uint8Array(10));
    expect(collector.bytes().byteLength).toBe(0);
    expect(collector.truncated).toBe(true);
    expect(streamed).toBe(10);
  });
});

describe("createExecResult", () => {
  it("decodes text once and keeps the exact bytes", () => {
    const stdoutBytes = new Uint8Array([0x68, 0x69, 0xff]);
    const result = createExecResult({ exitCode: 3, stdoutBytes, stderrBytes: new Uint8Array(), durationMs: 2 });
    expect(result.stdout).toBe("hi\uFFFD");
    expect(result.stdoutBytes).toBe(stdoutBytes);
    expect(result).toMatchObject({ exitCode: 3, stderr: "", timedOut: false, truncated: false, durationMs: 2 });
  });

  it("maps signals to 128 + number", () => {
    expect(exitCodeForSignal("SIGKILL")).toBe(137);
    expect(exitCodeForSignal("SIGTERM")).toBe(143);
    expect(exitCodeForSignal(null)).toBe(128);
  });
});
