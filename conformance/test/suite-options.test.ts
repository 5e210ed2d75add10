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
