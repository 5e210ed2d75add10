import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ConformanceReport } from "../src/reporter/index.js";

const packageDir = new URL("..", import.meta.url).pathname;
const scratchDirs: string[] = [];

/** A temp directory for one test's report files, removed after the file. */
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "olc-cli-"));
  scratchDirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI from source (through tsx), as `openlattice-conformance` would run from dist. */
function cli(...args: string[]) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "src/cli/cli.ts", ...args], {
    cwd: packageDir,
    encoding: "utf8",
    timeout: 120_000,
    env: {
      ...process.env,
      VITEST: undefined,
      VITEST_POOL_ID: undefined,
      VITEST_WORKER_ID: undefined,
      NODE_OPTIONS: undefined,
    },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("openlattice-conformance CLI (from source)", () => {
  it("exits 1 when a MUST requirement fails, and reports exactly the violated ids", () => {
    const dir = scratch();
    const run = cli(
      "test/fixtures/exit-code-zero-module.ts",
      "--only",
      "exec.exit-code.",
      "--json",
      join(dir, "r.json"),
    );
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(readFileSync(join(dir, "r.json"), "utf8")) as ConformanceReport;
    const [provider] = report.providers;
    expect(provider?.provider).toBe("cli-exit-code-zero");
    expect(provider?.verdict).toBe("non-conformant");
    expect(provider?.results.filter((result) => result.outcome === "fail").map((result) => result.id)).toEqual([
      "exec.exit-code.nonzero",
      "exec.exit-code.not-found",
      "exec.exit-code.signal",
    ]);
    expect(run.stdout).toContain("**non-conformant**");
    expect(run.stderr).toMatch(/✗ fail +exec\.exit-code\.nonzero/);
  });

  it("exits 3 (incomplete, never green) when MUST requirements did not run, and writes all three reports", () => {
    const dir = scratch();
    const run = cli(
      "test/fixtures/reference-provider-module.ts",
      "--only",
      "exec.argv.,files.",
      "--json",
      join(dir, "r.json"),
      "--junit",
      join(dir, "r.xml"),
      "--markdown",
      join(dir, "r.md"),
    );
    expect(run.code, run.stderr).toBe(3);
    const report = JSON.parse(readFileSync(join(dir, "r.json"), "utf8")) as ConformanceReport;
    expect(report.providers[0]?.verdict).toBe("incomplete");
    expect(report.providers[0]?.summary.fail).toBe(0);
    expect(report.providers[0]?.results.find((result) => result.id === "files.list")?.outcome).toBe("pass");
    expect(readFileSync(join(dir, "r.xml"), "utf8")).toContain(
      '<skipped message="not-run: excluded by options.only"/>',
    );
    expect(readFileSync(join(dir, "r.md"), "utf8")).toBe(run.stdout);
  });

  it("exits 2 with a clear message for bad usage and for a module without a provider factory", () => {
    const usage = cli();
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("missing <provider-module>");
    const missing = cli("test/fixtures/does-not-exist.ts");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("provider module not found");
    const wrong = cli("test/fixtures/not-a-provider-module.ts");
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("must export a function that returns a fresh Provider");
  });
});
