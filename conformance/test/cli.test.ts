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
    expect(wrong.stderr).toContain("must export a Provider factory function, a Provider class or a Provider instance");
    expect(cli("x.ts", "--timeout", "nope=1").stderr).toContain('unknown timeout "nope"');
    expect(cli("x.ts", "--large-file-bytes", "lots").stderr).toContain(
      "--large-file-bytes must be a positive whole number",
    );
  });

  it("accepts a class export (one instance per case) and an instance export (second-instance checks not-run)", () => {
    const dir = scratch();
    const only = ["--only", "provider.,sandbox.list.shared"];
    const viaClass = cli("test/fixtures/class-provider-module.ts", ...only, "--json", join(dir, "class.json"));
    expect(viaClass.code, viaClass.stderr).toBe(3);
    const classReport = JSON.parse(readFileSync(join(dir, "class.json"), "utf8")) as ConformanceReport;
    const outcomes = (report: ConformanceReport) =>
      Object.fromEntries(
        (report.providers[0]?.results ?? [])
          .filter((result) => result.id.startsWith("provider.") || result.id === "sandbox.list.shared")
          .map((result) => [result.id, result.outcome]),
      );
    expect(classReport.providers[0]?.provider).toBe("cli-class");
    expect(outcomes(classReport)).toEqual({
      "provider.spec-version": "pass",
      "provider.capabilities.valid": "pass",
      "sandbox.list.shared": "pass",
    });
    const viaInstance = cli("test/fixtures/instance-provider-module.ts", ...only, "--json", join(dir, "instance.json"));
    expect(viaInstance.code, viaInstance.stderr).toBe(3);
    const instanceReport = JSON.parse(readFileSync(join(dir, "instance.json"), "utf8")) as ConformanceReport;
    expect(outcomes(instanceReport)).toEqual({
      "provider.spec-version": "pass",
      "provider.capabilities.valid": "pass",
      "sandbox.list.shared": "not-run",
    });
    expect(
      instanceReport.providers[0]?.results.find((result) => result.id === "sandbox.list.shared")?.reason,
    ).toContain("one shared instance");
  });

  it("runs without --image on the provider's default image, and not-runs provisioning cases when there is none", () => {
    const dir = scratch();
    const run = cli(
      "test/fixtures/no-default-image-module.ts",
      "--only",
      "sandbox.provision.node,spec.invalid.rejected",
      "--timeout",
      "caseMs=30000",
      "--json",
      join(dir, "r.json"),
    );
    expect(run.code, run.stderr).toBe(3);
    const results = JSON.parse(readFileSync(join(dir, "r.json"), "utf8")).providers[0].results as {
      id: string;
      outcome: string;
      reason?: string;
    }[];
    const node = results.find((result) => result.id === "sandbox.provision.node");
    expect(node?.outcome).toBe("not-run");
    expect(node?.reason).toContain("declares no capabilities.constraints.defaultImage");
    expect(results.find((result) => result.id === "spec.invalid.rejected")?.outcome).toBe("pass");
    const withImage = cli(
      "test/fixtures/no-default-image-module.ts",
      "--only",
      "sandbox.provision.node",
      "--image",
      "host",
      "--json",
      join(dir, "i.json"),
    );
    expect(withImage.code, withImage.stderr).toBe(3);
    const nodeWithImage = JSON.parse(readFileSync(join(dir, "i.json"), "utf8")).providers[0].results.find(
      (result: { id: string }) => result.id === "sandbox.provision.node",
    );
    expect(nodeWithImage?.outcome).toBe("pass");
  });
});
