import { describe, expect, it } from "vitest";
import { describeProvider } from "../src/index.js";
import { createReferenceProvider } from "../src/reference/index.js";
import { matchesAny, resolveConfig } from "../src/suite/suite-options.js";

const createProvider = () => createReferenceProvider();

describe("describeProvider options", () => {
  it("refuses options that would declare capabilities: they come from the provider", () => {
    const options = { capabilities: { snapshot: false } } as never;
    expect(() => resolveConfig({ name: "x", createProvider, options })).toThrow(/read from provider.capabilities/);
    expect(() => resolveConfig({ name: "x", createProvider, options: { supportsFiles: false } as never })).toThrow(
      /capabilities/,
    );
  });

  it("refuses unknown options, bad timeouts and a missing factory", () => {
    expect(() => resolveConfig({ name: "x", createProvider, options: { colour: 1 } as never })).toThrow(
      /unknown option/,
    );
    expect(() => resolveConfig({ name: "x", createProvider, options: { timeouts: { caseMs: -1 } } })).toThrow(
      /positive/,
    );
    expect(() => resolveConfig({ name: "x", createProvider: undefined as never })).toThrow(/createProvider/);
    expect(() => resolveConfig({ name: "", createProvider })).toThrow(/name/);
  });

  it("applies defaults and a fresh run id", () => {
    const a = resolveConfig({ name: "x", createProvider });
    const b = resolveConfig({ name: "x", createProvider });
    expect(a.runId).not.toBe(b.runId);
    expect(a.largeOutputBytes).toBe(32 * 1024 * 1024);
    expect(a.timeouts.caseMs).toBe(180_000);
  });

  it("matches ids exactly or by a prefix ending in a dot", () => {
    expect(matchesAny("exec.cwd.exact", ["exec."])).toBe(true);
    expect(matchesAny("exec.cwd.exact", ["exec.cwd.exact"])).toBe(true);
    expect(matchesAny("exec.cwd.exact", ["exec.cwd"])).toBe(false);
  });

  it("explains itself when called outside a vitest test file", () => {
    const saved = process.env.VITEST;
    delete process.env.VITEST;
    try {
      expect(() => describeProvider({ name: "x", createProvider })).toThrow(/must be called from a test file/);
    } finally {
      process.env.VITEST = saved;
    }
  });
});

describe("openlattice-conformance flags", () => {
  it("turn into suite options: sizes with units, timeouts by name, concurrency, probe URL", async () => {
    const { parseCliArgs } = await import("../src/cli/parse-cli-args.js");
    const args = parseCliArgs([
      "p.ts",
      "--large-file-bytes=2MiB",
      "--large-stream-bytes=1GiB",
      "--large-output-bytes",
      "1048576",
      "--timeout",
      "caseMs=1000,healthMs=50",
      "--concurrency",
      "4",
      "--probe-url",
      "http://10.0.0.1:8080/",
      "--ttl",
      "120",
    ]);
    if (args === "help") throw new Error("unexpected help");
    expect(args.concurrency).toBe(4);
    expect(args.options).toMatchObject({
      largeFileBytes: 2 * 1024 * 1024,
      largeStreamBytes: 1024 * 1024 * 1024,
      largeOutputBytes: 1024 * 1024,
      timeouts: { caseMs: 1000, healthMs: 50 },
      concurrent: true,
      probeUrl: "http://10.0.0.1:8080/",
      ttlSeconds: 120,
    });
    expect(() => parseCliArgs(["p.ts", "--ttl", "1MiB"])).toThrow(/--ttl must be a positive whole number/);
    expect(() => parseCliArgs(["p.ts", "--probe-url", "ftp://x"])).toThrow(/http/);
    expect(() => resolveConfig({ name: "x", createProvider, options: { probeUrl: "not a url" } })).toThrow(/probeUrl/);
  });
});
