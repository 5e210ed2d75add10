import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runDocumentedCommand } from "./run-example.js";

const reports = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "reports");

describe("new-provider example", () => {
  it("the from-scratch provider passes the conformance CLI, with unsupported features verified", async () => {
    const run = await runDocumentedCommand("npx -y pnpm@10.34.9 --filter @openlattice/examples run new-provider");
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toMatch(/\| tiny \| \*\*conformant\*\* \| \d+ \| 0 \| \d+ \| 0 \| 0 \| 0 \|/);
    const report = readFileSync(path.join(reports, "tiny-conformance.json"), "utf8");
    expect(report).toContain('"snapshot.restore.isolated"');
    expect(readFileSync(path.join(reports, "tiny-conformance.xml"), "utf8")).toContain("<testsuite");
  });
});
