import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const examplesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tsx = path.join(examplesDir, "node_modules", ".bin", "tsx");

export interface ExampleRun {
  readonly exitCode: number | null;
  readonly output: string;
  /** Entries left in the local provider's sandbox state directory after the example exited. */
  readonly leftoverSandboxes: string[];
}

/**
 * Runs an example as a user would (tsx, workspace sources) with its own cache directory, so
 * that anything it leaves behind can be counted.
 */
export function runExample(
  file: string,
  args: readonly string[] = [],
  env: Record<string, string> = {},
  timeoutMs = 110_000,
): Promise<ExampleRun> {
  const cache = mkdtempSync(path.join(os.tmpdir(), "openlattice-example-"));
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ["--conditions=@openlattice/source", file, ...args], {
      cwd: examplesDir,
      env: { ...process.env, XDG_CACHE_HOME: cache, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (exitCode) => {
      clearTimeout(timer);
      const sandboxesDir = path.join(cache, "openlattice", "local", "sandboxes");
      let leftoverSandboxes: string[] = [];
      try {
        leftoverSandboxes = readdirSync(sandboxesDir);
      } catch {
        // No sandbox directory: nothing was left.
      }
      rmSync(cache, { recursive: true, force: true });
      resolve({ exitCode, output, leftoverSandboxes });
    });
  });
}
