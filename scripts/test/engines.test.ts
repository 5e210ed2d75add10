import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");
const engines = (manifest: string): string | undefined => JSON.parse(read(manifest)).engines?.node;

/**
 * `.ci/run` installs on each tested version, and `.npmrc` makes pnpm refuse a Node outside any
 * package's range; this keeps the ranges and the tested versions in one story.
 */
describe("engines and the Node versions CI tests", () => {
  const ci = read(".ci/run");
  const full = /^FULL_NODE=(\S+)$/m.exec(ci)?.[1];
  const smoke = /^SMOKE_NODES=\(([^)]*)\)$/m.exec(ci)?.[1]?.split(/\s+/).filter(Boolean) ?? [];

  it("every published package declares the root's range", () => {
    const range = engines("package.json");
    expect(range).toBe("^20.19.0 || >=22.12.0");
    for (const manifest of [
      "packages/core/package.json",
      "packages/local/package.json",
      "packages/modal/package.json",
      "conformance/package.json",
    ]) {
      expect(engines(manifest), manifest).toBe(range);
    }
  });

  it("CI runs the whole suite on the oldest supported major and the smoke subset on 22 and 24", () => {
    expect(full?.split(".")[0]).toBe("20");
    expect(smoke.map((version) => version.split(".")[0])).toEqual(["22", "24"]);
    for (const version of [full, ...smoke]) expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(read(".npmrc").split("\n")).toContain("engine-strict=true");
  });

  it("the README's stated versions are the ones CI runs", () => {
    expect(read("README.md")).toContain("Node 20.19+, 22.12+ or 24 — CI runs all three");
  });
});
