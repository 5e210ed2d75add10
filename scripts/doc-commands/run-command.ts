import { spawn } from "node:child_process";
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface CommandRun {
  readonly exitCode: number | null;
  /** stdout and stderr, interleaved as they came. */
  readonly output: string;
  readonly timedOut: boolean;
  readonly ms: number;
}

/**
 * The environment of a user's shell rather than of the test runner: no VITEST_* or NODE_ENV
 * from vitest, no npm_* variables or node_modules/.bin on PATH from the `pnpm test` around us.
 */
export function userEnvironment(extra: Readonly<Record<string, string | undefined>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VITEST|npm_|PNPM_|TEST$|NODE_ENV$|INIT_CWD$)/.test(key)) continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((entry) => !entry.includes(`${path.sep}node_modules${path.sep}`) && !entry.endsWith("node_modules/.bin"))
    .join(path.delimiter);
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/**
 * Runs `command` verbatim with bash in `cwd`. On timeout the whole process group is killed, so
 * no sandbox or server it started outlives the test.
 */
export function runCommand(
  command: string,
  options: { cwd: string; timeoutMs: number; env?: Readonly<Record<string, string | undefined>> },
): Promise<CommandRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", command], {
      cwd: options.cwd,
      env: userEnvironment(options.env),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    let timedOut = false;
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    }, options.timeoutMs);
    child.on("error", reject);
    child.on("close", (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, output, timedOut, ms: performance.now() - started });
    });
  });
}

/**
 * A provider author's project as docs/implementing-a-provider.md assumes one: a package that
 * installed the suite and has its provider in `./my-provider.ts` (here the from-scratch example
 * provider). `node_modules` is the examples package's, which holds `@openlattice/conformance`.
 */
export function providerAuthorProject(root: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "openlattice-author-"));
  writeFileSync(
    path.join(dir, "package.json"),
    `${JSON.stringify({ name: "my-provider", private: true, type: "module" }, null, 2)}\n`,
  );
  symlinkSync(path.join(root, "examples", "node_modules"), path.join(dir, "node_modules"), "dir");
  const example = path.join(root, "examples", "new-provider", "tiny-provider.ts");
  writeFileSync(path.join(dir, "my-provider.ts"), `export { default } from ${JSON.stringify(example)};\n`);
  return dir;
}
