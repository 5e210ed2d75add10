import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const root = path.resolve(dir, "..");
const cache = mkdtempSync(path.join(os.tmpdir(), "ol-bench-smoke-"));
const engineOut = mkdtempSync(path.join(os.tmpdir(), "ol-bench-engine-"));
afterAll(() => {
  rmSync(cache, { recursive: true, force: true });
  rmSync(engineOut, { recursive: true, force: true });
});
const tsx = path.join(dir, "node_modules", ".bin", "tsx");

/**
 * Runs a command exactly as benchmarks/README.md writes it, from the repository root (the
 * doc-commands test checks that these strings are the documented ones).
 */
function runDocumented(command: string, timeout: number) {
  return spawnSync("bash", ["-c", command], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, XDG_CACHE_HOME: cache },
    timeout,
  });
}

/** Content hashes of the committed figures, which a quick run must leave alone. */
function committedFigures(): Record<string, string> {
  const results = path.join(dir, "results");
  return Object.fromEntries(
    readdirSync(results).map((name) => [
      name,
      createHash("sha256")
        .update(readFileSync(path.join(results, name)))
        .digest("hex"),
    ]),
  );
}

describe("benchmarks (quick mode, so the runner never rots; timings are not asserted)", () => {
  it("npx -y pnpm@10.34.9 bench --quick writes JSON and every chart to reports/bench, committed figures untouched", () => {
    const before = committedFigures();
    // About 80 s alone; three times that beside the other test files on 2 cores.
    const run = runDocumented("npx -y pnpm@10.34.9 bench --quick", 450_000);
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(committedFigures()).toEqual(before);
    const out = path.join(root, "reports", "bench");
    const json = /wrote (\S+-quick\.json) and /.exec(run.stdout)?.[1];
    expect(json, output).toBeDefined();
    expect(path.dirname(json!)).toBe(out);
    expect(output).toContain("the committed figures in benchmarks/results/ are unchanged");
    const files = readdirSync(out);
    for (const chart of ["exec.svg", "snapshot.svg", "tti-burst.svg", "tti-sequential.svg"]) {
      expect(files).toContain(chart);
      expect(readFileSync(path.join(out, chart), "utf8")).toMatch(/^<svg [^>]+>[\s\S]*<\/svg>\n$/);
    }
    const results = JSON.parse(readFileSync(json!, "utf8"));
    for (const result of [results.tti.localNone, results.tti.modalEmulator]) {
      for (const entry of result.tti) expect(entry.succeeded, JSON.stringify(entry.errors)).toBe(entry.runs);
    }
    expect(results.exec.streaming.bytes).toBe(64 * 1024 * 1024);
    expect(results.snapshots[0].secondNewBytes).toBeLessThan(results.snapshots[0].firstNewBytes);
    expect(Object.keys(results.ratios).length).toBeGreaterThan(4);
    expect(typeof results.suites).toBe("object");
  });

  it("the engine figures refuse a bad tier and quick counts for publishing, before measuring anything", () => {
    const before = committedFigures();
    for (const [flags, message] of [
      ["--tier nones", '--tier must be namespace or none, not "nones"'],
      ["--quick --update-figures", "--update-figures needs a full run"],
    ]) {
      const run = runDocumented(`npx -y pnpm@10.34.9 --filter @openlattice/benchmarks run engine ${flags}`, 60_000);
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toContain(message);
    }
    expect(committedFigures()).toEqual(before);
  });

  it("refuses to publish quick counts as the committed figures, before measuring anything", () => {
    const before = committedFigures();
    const run = runDocumented("npx -y pnpm@10.34.9 bench --quick --update-figures", 60_000);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--update-figures needs a full run");
    expect(run.stdout).not.toContain("baselines:");
    expect(committedFigures()).toEqual(before);
  });

  it("npx -y pnpm@10.34.9 soak --seconds 15 --concurrency 3 ends with no leftovers, untyped errors or leaked descriptors", () => {
    const run = runDocumented("npx -y pnpm@10.34.9 soak --seconds 15 --concurrency 3", 120_000);
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    const report = JSON.parse(run.stdout.slice(run.stdout.indexOf("{"), run.stdout.lastIndexOf("}") + 1));
    expect(report.cycles).toBeGreaterThan(5);
    expect(report.leftovers).toEqual({ listed: 0, sandboxDirs: 0, snapshots: 0 });
    expect(report.errors).toEqual({});
  });

  it("the local engine figures run end to end (quick mode: every run succeeds, every figure is finite)", () => {
    const run = spawnSync(
      tsx,
      ["--conditions=@openlattice/source", "--expose-gc", "engine.ts", "--quick", "--tier", "none", "--out", engineOut],
      { cwd: dir, encoding: "utf8", env: { ...process.env, XDG_CACHE_HOME: cache }, timeout: 240_000 },
    );
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    const file = readdirSync(engineOut).find((name) => name.startsWith("engine-none-") && name.endsWith("-quick.json"));
    const { results, ratios } = JSON.parse(readFileSync(path.join(engineOut, file!), "utf8"));
    for (const burst of [results.pooledBurst, results.coldBurst]) expect(burst.succeeded).toBe(burst.runs);
    expect(Object.values(ratios).every((value) => typeof value === "number")).toBe(true);
    expect(results.streaming.bytes.mibPerSecond).toBeGreaterThan(0);
  });
});
