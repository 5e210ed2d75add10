/**
 * The local provider as a conformance CLI module: `openlattice-conformance local-provider.ts`
 * calls the default export once per case for a fresh provider (auto tier, own state dir).
 *
 * Run by `pnpm demo` (examples/demo.ts), which prints the verdict and writes the full report.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Provider } from "@openlattice/core";
import { LocalProvider } from "@openlattice/local";

const stateDir = mkdtempSync(path.join(os.tmpdir(), "openlattice-matrix-"));
process.once("exit", () => rmSync(stateDir, { recursive: true, force: true }));

export default function createProvider(): Provider {
  return new LocalProvider({ stateDir });
}
