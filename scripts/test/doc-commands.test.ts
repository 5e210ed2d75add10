import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type DocCommand, documentedCommands, forwardedDoubleDash, markdownFiles } from "../doc-commands/extract.ts";
import { type Classification, DOC_COMMANDS, type Expectation, SLOW_MODE } from "../doc-commands/registry.ts";
import { providerAuthorProject, runCommand } from "../doc-commands/run-command.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const documented = documentedCommands(root);
const unique = [...new Set(documented.map((entry) => entry.command))];
const slowMode = process.env[SLOW_MODE.variable] === SLOW_MODE.value;
const where = (command: string) =>
  documented
    .filter((entry) => entry.command === command)
    .map((entry: DocCommand) => `${entry.file}:${entry.line}`)
    .join(", ");
const scripts = (manifest: string): Record<string, string> =>
  JSON.parse(readFileSync(path.join(root, manifest), "utf8")).scripts ?? {};

/** The pnpm script a command runs, and the manifest that must define it (undefined: not a script). */
function scriptOf(command: string): { manifest: string; script: string } | undefined {
  const filtered = /npx -y pnpm@10\.34\.9 --filter @openlattice\/(\S+) run (\S+)/.exec(command);
  if (filtered) {
    // Published packages live under packages/, the others (examples, benchmarks, conformance) at the top.
    const dir = [`packages/${filtered[1]}`, filtered[1] as string].find((candidate) =>
      existsSync(path.join(root, candidate, "package.json")),
    );
    return { manifest: `${dir ?? filtered[1]}/package.json`, script: filtered[2] as string };
  }
  const rootScript = /npx -y pnpm@10\.34\.9 ([a-z][\w:-]*)/.exec(command.split("&&").at(-1) ?? "");
  // pnpm's own commands that the docs use on purpose; any other word must be a script.
  if (!rootScript || ["install", "exec"].includes(rootScript[1] as string)) return undefined;
  return { manifest: "package.json", script: rootScript[1] as string };
}

function check(run: Awaited<ReturnType<typeof runCommand>>, expectation: Expectation, since: number, cwd: string) {
  const output = run.output.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
  const context = `after ${(run.ms / 1000).toFixed(1)} s${run.timedOut ? " (TIMED OUT)" : ""}:\n${output.slice(-6000)}`;
  expect(run.exitCode, context).toBe(expectation.exitCode ?? 0);
  for (const pattern of expectation.output ?? []) expect(output, context).toMatch(pattern);
  for (const pattern of expectation.notOutput ?? []) expect(output, context).not.toMatch(pattern);
  if (expectation.maxLines !== undefined) {
    expect(output.trimEnd().split("\n").length, `fits one screen; ${context}`).toBeLessThanOrEqual(
      expectation.maxLines,
    );
  }
  for (const file of expectation.writes ?? []) {
    const written = statSync(path.join(cwd, file), { throwIfNoEntry: false });
    expect(written?.mtimeMs, `${file} written by this run`).toBeGreaterThanOrEqual(since);
  }
}

async function runClassified(command: string, entry: Extract<Classification, { kind: "ci" | "slow" }>) {
  const cwd = entry.cwd === "provider-author" ? providerAuthorProject(root) : root;
  try {
    const since = Date.now() - 1_000; // mtime granularity
    const run = await runCommand(command, { cwd, timeoutMs: entry.timeoutMs, ...(entry.env && { env: entry.env }) });
    check(run, entry.expect, since, cwd);
  } finally {
    if (cwd !== root) rmSync(cwd, { recursive: true, force: true });
  }
}

describe("every documented command is known", () => {
  it("finds the commands of the top-level, package and example READMEs and docs/", () => {
    const files = new Set(documented.map((entry) => entry.file));
    for (const file of ["README.md", "examples/README.md", "benchmarks/README.md", "docs/implementing-a-provider.md"]) {
      expect([...files]).toContain(file);
    }
  });

  it("classifies each one as ci, slow, covered or self (a new command fails here until it is)", () => {
    const unknown = unique.filter((command) => !(command in DOC_COMMANDS)).map((c) => `${c}  (${where(c)})`);
    expect(unknown, "add these to scripts/doc-commands/registry.ts").toEqual([]);
  });

  it("keeps no classification for a command no document gives any more", () => {
    expect(Object.keys(DOC_COMMANDS).filter((command) => !unique.includes(command))).toEqual([]);
  });

  it("never documents `pnpm <script> -- --flag` (pnpm 10 passes the -- on to the script)", () => {
    const offenders = markdownFiles(root).flatMap((file) =>
      forwardedDoubleDash(readFileSync(path.join(root, file), "utf8")).map((line) => `${file}:${line}`),
    );
    expect(offenders).toEqual([]);
  });

  it("names only pnpm scripts that exist (a pnpm built-in such as `docs` would shadow a script)", () => {
    for (const command of unique) {
      const target = scriptOf(command);
      if (target)
        expect(Object.keys(scripts(target.manifest)), `${command} (${where(command)})`).toContain(target.script);
    }
    expect(Object.keys(scripts("package.json"))).not.toContain("docs");
  });

  it("has every covered command verbatim in the test (or CI script) that runs it", () => {
    for (const [command, entry] of Object.entries(DOC_COMMANDS)) {
      if (entry.kind !== "covered") continue;
      expect(readFileSync(path.join(root, entry.by), "utf8"), `${entry.by} runs ${command}`).toContain(command);
    }
  });

  it("documents slow mode as this test reads it", () => {
    const self = Object.entries(DOC_COMMANDS).filter(([, entry]) => entry.kind === "self");
    expect(self.map(([command]) => command)).toEqual([
      `${SLOW_MODE.variable}=${SLOW_MODE.value} npx -y pnpm@10.34.9 doc-commands`,
    ]);
    expect(scripts("package.json")["doc-commands"]).toBe("vitest run --root scripts");
  });
});

function defineRuns(commands: readonly string[]): void {
  for (const command of commands) {
    const entry = DOC_COMMANDS[command];
    if (entry?.kind === "ci") {
      it(
        `${command}${entry.note ? ` (${entry.note})` : ""}`,
        () => runClassified(command, entry),
        entry.timeoutMs + 30_000,
      );
    } else if (entry?.kind === "slow") {
      it.skipIf(!slowMode)(
        `${command} (slow mode only, ${SLOW_MODE.variable}=${SLOW_MODE.value}: ${entry.why})`,
        () => runClassified(command, entry),
        entry.timeoutMs + 30_000,
      );
    }
  }
}

/**
 * An install relinks node_modules and a build empties dist/ under the other commands' feet:
 * the commands that are only an install or a build run alone, first. A command that installs
 * and then runs something (the README's `install && demo`) runs with the others: after the
 * plain `install --frozen-lockfile` before it, its install finds nothing to change.
 */
const installs = unique.filter((command) =>
  /^npx -y pnpm@10\.34\.9 (install --frozen-lockfile|.* run build)$/.test(command),
);

describe("documented install and build commands run as written, one at a time", () => defineRuns(installs));

// Concurrent: typedoc is CPU-bound while the examples mostly wait on sandboxes, so two cores
// finish them sooner together (maxConcurrency in vitest.config.ts bounds the overlap).
describe.concurrent("documented commands run as written", () =>
  defineRuns(unique.filter((command) => !installs.includes(command))));
