import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const examplesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repositoryRoot = path.resolve(examplesDir, "..");
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
  return run(tsx, ["--conditions=@openlattice/source", file, ...args], examplesDir, env, timeoutMs);
}

/**
 * Runs a command exactly as examples/README.md writes it, from the repository root (pnpm and
 * all). The doc-commands test checks that every string passed here is a documented command.
 */
export function runDocumentedCommand(
  command: string,
  env: Record<string, string> = {},
  timeoutMs = 110_000,
): Promise<ExampleRun> {
  return run("bash", ["-c", command], repositoryRoot, env, timeoutMs);
}

function run(
  program: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<ExampleRun> {
  const cache = mkdtempSync(path.join(os.tmpdir(), "openlattice-example-"));
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd,
      env: { ...process.env, XDG_CACHE_HOME: cache, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    // The whole group: through pnpm, the example is a grandchild.
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), timeoutMs);
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
