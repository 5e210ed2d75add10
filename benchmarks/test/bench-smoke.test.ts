import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tsx = path.join(dir, "node_modules", ".bin", "tsx");
const out = mkdtempSync(path.join(os.tmpdir(), "ol-bench-smoke-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("benchmarks (quick mode, so the runner never rots; timings are not asserted)", () => {
  it("pnpm bench writes the JSON results and every chart, with all runs succeeding", () => {
    const run = spawnSync(tsx, ["--conditions=@openlattice/source", "--expose-gc", "run.ts", "--quick", "--out", out], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, XDG_CACHE_HOME: out },
      timeout: 280_000,
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    const files = readdirSync(out);
    expect(files.filter((name) => name.endsWith(".svg")).sort()).toEqual([
      "exec.svg",
      "snapshot.svg",
      "tti-burst.svg",
      "tti-sequential.svg",
    ]);
    const json = files.find((name) => name.endsWith("-quick.json"));
    const results = JSON.parse(readFileSync(path.join(out, json!), "utf8"));
    for (const result of [results.tti.localNone, results.tti.modalEmulator]) {
      for (const entry of result.tti) expect(entry.succeeded, JSON.stringify(entry.errors)).toBe(entry.runs);
    }
    expect(results.exec.streaming.bytes).toBe(64 * 1024 * 1024);
    expect(results.snapshots[0].secondNewBytes).toBeLessThan(results.snapshots[0].firstNewBytes);
    expect(Object.keys(results.ratios).length).toBeGreaterThan(4);
    for (const svg of files.filter((name) => name.endsWith(".svg"))) {
      expect(readFileSync(path.join(out, svg), "utf8")).toMatch(/^<svg [^>]+>[\s\S]*<\/svg>\n$/);
    }
  });

  it("a short soak ends with no leftovers, no untyped errors and no leaked descriptors", () => {
    const run = spawnSync(
      tsx,
      ["--conditions=@openlattice/source", "--expose-gc", "soak.ts", "--seconds", "15", "--concurrency", "3"],
      {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, XDG_CACHE_HOME: out },
        timeout: 120_000,
      },
    );
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    const report = JSON.parse(run.stdout.slice(0, run.stdout.lastIndexOf("}") + 1));
    expect(report.cycles).toBeGreaterThan(5);
    expect(report.leftovers).toEqual({ listed: 0, sandboxDirs: 0, snapshots: 0 });
    expect(report.errors).toEqual({});
  });

  it("the local engine figures run end to end (quick mode: every run succeeds, every figure is finite)", () => {
    const run = spawnSync(
      tsx,
      ["--conditions=@openlattice/source", "--expose-gc", "engine.ts", "--quick", "--tier", "none", "--out", out],
      { cwd: dir, encoding: "utf8", env: { ...process.env, XDG_CACHE_HOME: out }, timeout: 240_000 },
    );
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    const file = readdirSync(out).find((name) => name.startsWith("engine-none-") && name.endsWith("-quick.json"));
    const { results, ratios } = JSON.parse(readFileSync(path.join(out, file!), "utf8"));
    for (const burst of [results.pooledBurst, results.coldBurst]) expect(burst.succeeded).toBe(burst.runs);
    expect(Object.values(ratios).every((value) => typeof value === "number")).toBe(true);
    expect(results.streaming.bytes.mibPerSecond).toBeGreaterThan(0);
  });
});
