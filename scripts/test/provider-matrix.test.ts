import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runCommand } from "../doc-commands/run-command.ts";

/**
 * scripts/provider-matrix.mjs in a scratch copy of the repository root: the real package.json
 * (so the documented `docs:providers` script is the one run), the real script (linked, so it
 * finds biome and biome.json in the repository), and a README and report made here.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const scratch = mkdtempSync(path.join(os.tmpdir(), "openlattice-matrix-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
copyFileSync(path.join(root, "package.json"), path.join(scratch, "package.json"));
mkdirSync(path.join(scratch, "scripts"));
mkdirSync(path.join(scratch, "reports"));
symlinkSync(path.join(root, "scripts", "provider-matrix.mjs"), path.join(scratch, "scripts", "provider-matrix.mjs"));

const README =
  "# t\n\nBefore the table.\n\n<!-- provider-matrix:start -->\nold table\n<!-- provider-matrix:end -->\n\nAfter.\n";
const reference = { snapshot: true, snapshotTypes: ["filesystem"], gpu: false, tailscale: false, limitations: {} };
const areas = { provider: "pass", exec: "pass", metrics: "pass" };
const provider = (name: string, capabilities: object, areaOutcomes: object = areas) => ({
  provider: name,
  verdict: "conformant",
  summary: { pass: 7, unsupported: 0, fail: 0, "not-run": 0 },
  declaredCapabilities: capabilities,
  areas: areaOutcomes,
});
const fullReport = () => ({
  providers: [
    // Not in the table's order: the columns must not follow the report's.
    provider(
      "modal (emulator)",
      { ...reference, isolation: "vm", gpu: true, constraints: { gpuTypes: ["T4", "H100"] } },
      {
        ...areas,
        metrics: "unsupported",
      },
    ),
    provider("local-none", { ...reference, isolation: "none", egress: ["all"] }),
    provider("local-namespace", { ...reference, isolation: "namespace", egress: ["none", "all"] }),
    provider("reference", { isolation: "none" }),
  ],
});

function setUp(report: object, readme = README): void {
  writeFileSync(path.join(scratch, "README.md"), readme);
  writeFileSync(path.join(scratch, "reports", "conformance.json"), JSON.stringify(report));
}
const readme = () => readFileSync(path.join(scratch, "README.md"), "utf8");
const run = (command: string, ci?: "true") =>
  runCommand(command, { cwd: scratch, timeoutMs: 60_000, env: { CI: ci } }).then((result) => ({
    ...result,
    output: result.output.trim(),
  }));
const check = (ci?: "true") => run("node scripts/provider-matrix.mjs --check", ci);

describe("the README provider table", () => {
  it("npx -y pnpm@10.34.9 docs:providers writes it from the report, formatted as biome wants it, and --check then passes", async () => {
    setUp(fullReport());
    const stale = await check();
    expect(stale.exitCode).toBe(1);
    expect(stale.output).toContain("README.md's provider table is stale");
    expect(stale.output).toContain("  - old table");
    expect(stale.output).toContain("Run `npx -y pnpm@10.34.9 docs:providers`");

    const write = await run("npx -y pnpm@10.34.9 docs:providers");
    expect(write.exitCode, write.output).toBe(0);
    const text = readme();
    expect(text.startsWith("# t\n\nBefore the table.\n\n<!-- provider-matrix:start -->\n")).toBe(true);
    expect(text.endsWith("<!-- provider-matrix:end -->\n\nAfter.\n")).toBe(true);
    expect(text).toMatch(
      /^\| {17}\| \*\*local \(namespace\)\*\* +\| \*\*local \(none\)\*\* +\| \*\*modal \(via emulator\)\*\* +\|$/m,
    );
    expect(text).toMatch(/\| snapshots +\| filesystem +\| filesystem +\| filesystem +\|/);
    expect(text).toMatch(/\| GPU +\| no +\| no +\| T4, H100 +\|/);
    expect(text).toMatch(/\| egress policies +\| none, all +\| all +\| +\|/);
    expect(text).toMatch(/\| metrics +\| ✅ verified +\| ✅ verified +\| ➖ unsupported \(verified\) +\|/);
    expect(text).not.toContain("**reference**");
    const formatted = execFileSync(
      path.join(root, "node_modules", ".bin", "biome"),
      ["format", "--stdin-file-path=README.md"],
      {
        cwd: root,
        input: text,
        encoding: "utf8",
      },
    );
    expect(formatted).toBe(text);

    expect((await check("true")).exitCode).toBe(0);
    const again = await run("node scripts/provider-matrix.mjs --write");
    expect(again.exitCode).toBe(0);
    expect(readme()).toBe(text);
  });

  it("a changed requirement count makes it stale, and the message shows the row", async () => {
    setUp(fullReport());
    await run("node scripts/provider-matrix.mjs --write");
    const report = fullReport();
    report.providers[1]!.summary.pass = 8;
    setUp(report, readme());
    const stale = await check();
    expect(stale.exitCode).toBe(1);
    expect(stale.output).toMatch(
      /\+ \| verdict +\| conformant \(7 pass.*\| conformant \(8 pass, 0 unsupported, 0 fail\)/,
    );
  });

  it.each([
    [
      "without bubblewrap (no namespace results)",
      (r: ReturnType<typeof fullReport>) => {
        r.providers = r.providers.filter((entry) => entry.provider !== "local-namespace");
      },
      /has no results for local-namespace/,
    ],
    [
      "without writable cgroups",
      (r: ReturnType<typeof fullReport>) => {
        (r.providers[1]!.declaredCapabilities as { limitations: object }).limitations = {
          metrics: "no writable cgroup",
        };
      },
      /lacks writable cgroups here \(metrics limited\)/,
    ],
    [
      "with a GPU",
      (r: ReturnType<typeof fullReport>) => {
        (r.providers[1]!.declaredCapabilities as { gpu: boolean }).gpu = true;
      },
      /has a GPU/,
    ],
  ])(
    "on a host %s: --check says why it cannot check and passes, fails under CI; --write refuses",
    async (_, change, why) => {
      const report = fullReport();
      change(report);
      setUp(report);
      const local = await check();
      expect(local.exitCode, local.output).toBe(0);
      expect(local.output).toMatch(/^provider table not checked: /);
      expect(local.output).toMatch(why);
      expect(local.output).toContain("reference host verified: Linux, root, bubblewrap, writable cgroups, no GPU");
      const ci = await check("true");
      expect(ci.exitCode).toBe(1);
      expect(ci.output).toMatch(why);
      expect(ci.output).toContain("CI must be that host");
      const write = await run("node scripts/provider-matrix.mjs --write");
      expect(write.exitCode).toBe(1);
      expect(write.output).toContain("refusing to write a table for this host");
      expect(readme()).toBe(README);
    },
  );

  it("without a report it names the command that writes one", async () => {
    rmSync(path.join(scratch, "reports", "conformance.json"), { force: true });
    const result = await check();
    expect(result.exitCode).toBe(1);
    expect(result.output).toMatch(/cannot read reports\/conformance\.json .*`npx -y pnpm@10\.34\.9 test`/);
  });
});
