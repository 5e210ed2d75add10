/**
 * Checks the tiny provider with the conformance CLI, exactly as a provider author would from a
 * project that installed `@openlattice/conformance`: it prints progress, a capability matrix
 * and writes JSON and JUnit reports, and exits non-zero if a MUST requirement fails.
 *
 * Run: pnpm --filter @openlattice/examples run new-provider
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const reports = path.join(here, "..", "reports");
mkdirSync(reports, { recursive: true });
const cli = path.join(here, "..", "node_modules", ".bin", "openlattice-conformance");
const result = spawnSync(
  cli,
  [
    path.join(here, "tiny-provider.ts"),
    "--image",
    "host",
    "--json",
    path.join(reports, "tiny-conformance.json"),
    "--junit",
    path.join(reports, "tiny-conformance.xml"),
  ],
  { stdio: "inherit" },
);
process.exitCode = result.status ?? 1;
