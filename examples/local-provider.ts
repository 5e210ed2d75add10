/**
 * The local provider as a conformance CLI module: `openlattice-conformance local-provider.ts`
 * calls the default export once per case for a fresh provider (auto tier, one state dir for the
 * run, so fresh instances share their sandboxes as a restarted orchestrator would).
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
  // The demo's egress probe listens on the host's loopback, which sandboxes reach only with
  // allowHostLoopback (off by default: packages/local's hardening tests check that it is closed).
  return new LocalProvider({ stateDir, allowHostLoopback: true });
}
