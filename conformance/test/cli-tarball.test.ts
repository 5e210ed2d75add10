/**
 * SLOW (about 30-60 s) and needs the npm registry: packs @openlattice/core and this package,
 * installs the tarballs plus vitest into a scratch project that has nothing else, and runs the
 * installed CLI against a TypeScript provider module. Skip with OPENLATTICE_SKIP_TARBALL_TEST=1.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REQUIREMENTS } from "../src/index.js";
import type { ConformanceReport } from "../src/reporter/index.js";

const conformanceDir = new URL("..", import.meta.url).pathname;
const coreDir = new URL("../../packages/core/", import.meta.url).pathname;
const PNPM = ["-y", "pnpm@10.34.9"];
const scratch = mkdtempSync(join(tmpdir(), "olc-tarball-"));
const env = {
  ...process.env,
  VITEST: undefined,
  VITEST_POOL_ID: undefined,
  VITEST_WORKER_ID: undefined,
  NODE_OPTIONS: undefined,
};

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, {
    cwd,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    // npm pack and npm install took over 120 s on a 2-core machine under load 14.
    timeout: 300_000,
  });
}

describe.skipIf(process.env.OPENLATTICE_SKIP_TARBALL_TEST === "1")(
  "CLI from packed tarballs in a scratch project [slow, network]",
  () => {
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));

    it("installs, runs against a TypeScript provider module and writes markdown, JSON and JUnit", {
      timeout: 600_000,
    }, () => {
      // Pack what a user would get: this package freshly built, core as built by the workspace build.
      if (!existsSync(join(coreDir, "dist/index.js")))
        run("npx", [...PNPM, "--filter", "@openlattice/core", "run", "build"], coreDir);
      run("npx", [...PNPM, "--filter", "@openlattice/conformance", "run", "build"], conformanceDir);
      run("npx", [...PNPM, "pack", "--pack-destination", scratch], coreDir);
      run("npx", [...PNPM, "pack", "--pack-destination", scratch], conformanceDir);
      const tarball = (prefix: string) => readdirSync(scratch).find((name) => name.startsWith(prefix)) as string;
      const project = join(scratch, "project");
      run("mkdir", ["-p", project], scratch);
      writeFileSync(
        join(project, "package.json"),
        JSON.stringify({
          name: "scratch",
          private: true,
          type: "module",
          dependencies: {
            "@openlattice/core": `file:../${tarball("openlattice-core-")}`,
            "@openlattice/conformance": `file:../${tarball("openlattice-conformance-")}`,
            vitest: "4.1.12",
          },
        }),
      );
      writeFileSync(
        join(project, "provider.ts"),
        readFileSync(new URL("./fixtures/reference-provider-module.ts", import.meta.url), "utf8"),
      );
      run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], project);

      const bin = join(project, "node_modules/.bin/openlattice-conformance");
      const result = spawnSync(
        bin,
        [
          "provider.ts",
          "--image",
          "host",
          "--concurrency",
          "4",
          "--json",
          "out/report.json",
          "--junit",
          "out/report.xml",
        ],
        {
          cwd: project,
          env,
          encoding: "utf8",
          timeout: 120_000,
        },
      );
      expect(result.status, result.stderr).toBe(0);
      const total = REQUIREMENTS.length;
      expect(result.stderr).toContain(`[${total}/${total}]`);
      expect(result.stdout).toContain("| cli-reference | **conformant** |");
      expect(result.stdout).toContain("## Capability matrix");
      const report = JSON.parse(readFileSync(join(project, "out/report.json"), "utf8")) as ConformanceReport;
      const [provider] = report.providers;
      expect(provider?.verdict).toBe("conformant");
      // Limits, egress, metrics and GPUs: declared absent by the reference, and verified so.
      expect(provider?.summary).toEqual({ pass: total - 8, fail: 0, unsupported: 8, "not-run": 0 });
      expect(provider?.declaredCapabilities).toMatchObject({
        isolation: "none",
        snapshot: true,
        snapshotTypes: ["filesystem"],
      });
      expect(provider?.areas).toMatchObject({ exec: "pass", files: "pass", metrics: "unsupported" });
      const junit = readFileSync(join(project, "out/report.xml"), "utf8");
      expect(junit.match(/<testcase /g)).toHaveLength(total);
      expect(junit).toContain('failures="0"');

      // The same install reports a broken provider and exits 1.
      writeFileSync(
        join(project, "broken.ts"),
        readFileSync(new URL("./fixtures/exit-code-zero-module.ts", import.meta.url), "utf8"),
      );
      const broken = spawnSync(bin, ["broken.ts", "--only", "exec.exit-code.", "--json", "out/broken.json"], {
        cwd: project,
        env,
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(broken.status, broken.stderr).toBe(1);
      const brokenReport = JSON.parse(readFileSync(join(project, "out/broken.json"), "utf8")) as ConformanceReport;
      expect(
        brokenReport.providers[0]?.results.filter((entry) => entry.outcome === "fail").map((entry) => entry.id),
      ).toEqual(["exec.exit-code.nonzero", "exec.exit-code.not-found", "exec.exit-code.signal"]);
    });
  },
);
