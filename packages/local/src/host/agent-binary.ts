import { accessSync, constants, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_NAME = "@openlattice/local";

/** Name of the prebuilt agent for an architecture, as the package build writes it into `bin/`. */
export function agentBinaryName(arch: string = process.arch): string {
  return `openlattice-agent-linux-${arch}`;
}

/** This module's file, in the ESM source, the ESM bundle and the CJS bundle alike. */
function thisFile(): string {
  return typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);
}

/** The directory of this package's package.json, found upwards from this module (src/ or dist/). */
function packageRoot(): string | undefined {
  let dir = path.dirname(thisFile());
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string };
      if (manifest.name === PACKAGE_NAME) return dir;
    } catch {
      // Not here.
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Locates the agent binary: `explicit` when given, else `bin/openlattice-agent-linux-<arch>` of
 * this package (built from `agent/` by the package build, shipped prebuilt in the tarball).
 */
export function findAgentBinary(explicit?: string): { path: string } | { reason: string } {
  if (process.platform !== "linux") {
    return { reason: `the sandbox agent runs on Linux only (this is ${process.platform})` };
  }
  let candidate = explicit;
  if (!candidate) {
    const root = packageRoot();
    if (!root) return { reason: `cannot find the ${PACKAGE_NAME} package directory` };
    candidate = path.join(root, "bin", agentBinaryName());
  }
  try {
    accessSync(candidate, constants.X_OK);
    return { path: candidate };
  } catch {
    return {
      reason: `the sandbox agent ${candidate} is missing or not executable; build it with \`npx -y pnpm@10.34.9 --filter ${PACKAGE_NAME} run build\` (needs gcc, or musl-gcc for a static binary)`,
    };
  }
}
