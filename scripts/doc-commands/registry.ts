/**
 * Every documented command, classified. The doc-commands test fails on a documented command
 * missing here (classify it) and on an entry here that no document gives any more (remove it).
 *
 * - `ci`: run verbatim by the doc-commands test in every `pnpm test`; cheap enough for CI.
 * - `slow`: run verbatim only in slow mode (`OPENLATTICE_DOC_COMMANDS=slow`): minutes long.
 * - `covered`: run verbatim in CI by another test, with assertions of its own; that file must
 *   contain the exact command string, so the two cannot drift apart.
 * - `self`: the command that runs this test in slow mode; running it from inside would recurse.
 */

/** What a run must show. */
export interface Expectation {
  /** Exit status; 0 unless said otherwise. */
  readonly exitCode?: number;
  /** Patterns the combined stdout and stderr must match. */
  readonly output?: readonly RegExp[];
  /** Patterns it must not match. */
  readonly notOutput?: readonly RegExp[];
  /** At most this many lines of output (the demo must fit one screen). */
  readonly maxLines?: number;
  /** Repository-relative (or, with `cwd: "provider-author"`, project-relative) files the run writes. */
  readonly writes?: readonly string[];
}

interface Runnable {
  readonly timeoutMs: number;
  readonly expect: Expectation;
  /** Variables set (a string) or removed (undefined) for the run. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where it runs: the repository root, or a provider author's project (see providerAuthorProject). */
  readonly cwd?: "root" | "provider-author";
  /** Why the environment or directory differs from a plain shell at the root, when it does. */
  readonly note?: string;
}

export type Classification =
  | ({ readonly kind: "ci" } & Runnable)
  | ({ readonly kind: "slow"; readonly why: string } & Runnable)
  | { readonly kind: "covered"; readonly by: string }
  | { readonly kind: "self" };

/** The env var that turns on slow mode, and its value. */
export const SLOW_MODE = { variable: "OPENLATTICE_DOC_COMMANDS", value: "slow" } as const;

/** Modal examples must never reach real Modal (or spend money) from a test: no credentials. */
const OFFLINE = { MODAL_TOKEN_ID: undefined, MODAL_TOKEN_SECRET: undefined } as const;
const OFFLINE_NOTE = "Modal credentials are removed, so the example runs against the offline emulator";

const EXAMPLES = "npx -y pnpm@10.34.9 --filter @openlattice/examples run";

export const DOC_COMMANDS: Readonly<Record<string, Classification>> = {
  // README.md, set-up command (1).
  "npx -y pnpm@10.34.9 install --frozen-lockfile && npx -y pnpm@10.34.9 demo": {
    kind: "ci",
    timeoutMs: 240_000,
    expect: {
      output: [
        /^openlattice demo on Node v\d+/m,
        /quickstart \(examples\/quickstart\.ts\) finished in \d+\.\d s/,
        /^conformance suite: local \((namespace|none) isolation\) is conformant: \d+ pass, \d+ unsupported \(verified\), 0 fail, 0 not run, in \d+\.\d s$/m,
        /^full report: examples\/reports\/local-conformance\.md/m,
      ],
      maxLines: 40,
      writes: ["examples/reports/local-conformance.md", "examples/reports/local-conformance.json"],
    },
  },
  // README.md, set-up command (2): exactly what CI runs.
  "npx -y pnpm@10.34.9 install --frozen-lockfile && npx -y pnpm@10.34.9 test": { kind: "covered", by: ".ci/run" },
  "npx -y pnpm@10.34.9 api-docs": {
    kind: "ci",
    // typedoc over every package: about a minute alone, past 240 s on 2 loaded cores.
    timeoutMs: 600_000,
    expect: { writes: ["docs/api/index.html"], notOutput: [/available at the following URL/] },
  },
  // Rewrites README.md from the last whole run's report: run verbatim on a scratch copy.
  "npx -y pnpm@10.34.9 docs:providers": { kind: "covered", by: "scripts/test/provider-matrix.test.ts" },
  // README.md and examples/README.md: run against an image of a loopback registry (CI has no Docker Hub).
  "npx -y pnpm@10.34.9 --filter @openlattice/examples run registry-image python:3.12-slim": {
    kind: "covered",
    by: "examples/test/registry-image.test.ts",
  },
  "OPENLATTICE_DOC_COMMANDS=slow npx -y pnpm@10.34.9 doc-commands": { kind: "self" },

  // benchmarks/README.md
  "npx -y pnpm@10.34.9 bench": {
    kind: "slow",
    why: "the full benchmark takes minutes",
    timeoutMs: 1_200_000,
    expect: {
      output: [/the committed figures in benchmarks\/results\/ are unchanged/, /bench took \d+ s/],
      writes: ["reports/bench/tti-sequential.svg"],
    },
  },
  "npx -y pnpm@10.34.9 bench --quick": { kind: "covered", by: "benchmarks/test/bench-smoke.test.ts" },
  "npx -y pnpm@10.34.9 bench --live": {
    kind: "ci",
    timeoutMs: 60_000,
    env: OFFLINE,
    note: "without Modal credentials, which it says it needs: it must refuse before measuring anything",
    expect: { exitCode: 2, output: [/--live measures real Modal: set MODAL_TOKEN_ID and MODAL_TOKEN_SECRET/] },
  },
  "npx -y pnpm@10.34.9 --filter @openlattice/benchmarks run engine": {
    kind: "slow",
    why: "the full engine figures take about 5 minutes",
    timeoutMs: 900_000,
    expect: { output: [/cold TTI p50/, /load average/] },
  },
  "npx -y pnpm@10.34.9 --filter @openlattice/benchmarks run interactive": {
    kind: "slow",
    why: "a 512 MiB file through writeStream and readStream plus 200-sample latencies: about a minute under load",
    timeoutMs: 600_000,
    expect: { output: [/ratio: attach p50 \/ exec true p50 = /, /wrote .*reports\/bench\/interactive-namespace-/] },
  },
  "npx -y pnpm@10.34.9 soak": {
    kind: "slow",
    why: "a 10-minute soak",
    timeoutMs: 900_000,
    expect: { output: [/soak ok: \d+ cycles/] },
  },
  "npx -y pnpm@10.34.9 soak --seconds 15 --concurrency 3": {
    kind: "covered",
    by: "benchmarks/test/bench-smoke.test.ts",
  },

  // examples/README.md
  "npx -y pnpm@10.34.9 install --frozen-lockfile": {
    kind: "ci",
    timeoutMs: 120_000,
    expect: { notOutput: [/ERR_PNPM/] },
  },
  "npx -y pnpm@10.34.9 examples": {
    kind: "slow",
    why: "the examples project again, which every pnpm test runs already",
    timeoutMs: 600_000,
    expect: { output: [/Test Files\s+\S*\s*\d+ passed/] },
  },
  [`${EXAMPLES} quickstart`]: { kind: "covered", by: "examples/test/local-examples.test.ts" },
  [`${EXAMPLES} orchestrate`]: { kind: "covered", by: "examples/test/local-examples.test.ts" },
  [`${EXAMPLES} orchestrate --jobs 1000 --cancel-after-ms 300`]: {
    kind: "covered",
    by: "examples/test/local-examples.test.ts",
  },
  [`${EXAMPLES} expose-port`]: { kind: "covered", by: "examples/test/local-examples.test.ts" },
  [`${EXAMPLES} snapshot-restore`]: { kind: "covered", by: "examples/test/local-examples.test.ts" },
  [`${EXAMPLES} modal-gpu --gpu H100 --count 1`]: {
    kind: "ci",
    timeoutMs: 120_000,
    env: OFFLINE,
    note: OFFLINE_NOTE,
    expect: { output: [/the server received the GPU request as H100 x 1/, /sandbox destroyed/] },
  },
  [`TS_AUTHKEY=… ${EXAMPLES} tailscale`]: {
    kind: "ci",
    timeoutMs: 60_000,
    env: OFFLINE,
    note: OFFLINE_NOTE,
    expect: { output: [/needs real Modal/] },
  },
  [`${EXAMPLES} new-provider`]: { kind: "covered", by: "examples/test/new-provider-example.test.ts" },
  [`${EXAMPLES} background-server`]: { kind: "covered", by: "examples/test/interactive-examples.test.ts" },
  [`${EXAMPLES} interactive-shell`]: {
    kind: "ci",
    timeoutMs: 120_000,
    note: "without a terminal it types nothing, exits the shell and ends",
    expect: { output: [/the shell exited with code 0/] },
  },
  [`${EXAMPLES} interactive-shell --type 'tty;;stty size'`]: {
    kind: "covered",
    by: "examples/test/interactive-examples.test.ts",
  },
  [`${EXAMPLES} interactive-shell --modal`]: {
    kind: "covered",
    by: "examples/test/interactive-examples.test.ts",
  },

  // packages/modal/README.md
  "npx -y pnpm@10.34.9 exec vitest run --project modal": {
    kind: "slow",
    why: "the modal project again, which every pnpm test runs already",
    timeoutMs: 600_000,
    env: OFFLINE,
    note: "Modal credentials are removed: the live tests would create billable sandboxes",
    expect: { output: [/Test Files\s+\S*\s*\d+ passed/] },
  },

  // conformance/BROKEN-PROVIDERS.md
  "OLC_UPDATE_CATALOGUE=1 npx -y pnpm@10.34.9 exec vitest run --project conformance test/broken-coverage.test.ts": {
    kind: "slow",
    why: "rewrites a committed file, which every pnpm test already checks for staleness (broken-coverage.test.ts)",
    timeoutMs: 300_000,
    expect: { output: [/Test Files\s+1 passed/], writes: ["conformance/BROKEN-PROVIDERS.md"] },
  },

  // packages/local/README.md
  "npx -y pnpm@10.34.9 --filter @openlattice/local run build": {
    kind: "slow",
    why: "every pnpm test runs this build script already (pnpm -r run build); 1-3 minutes again",
    timeoutMs: 300_000,
    expect: { writes: ["packages/local/dist/index.js"], notOutput: [/ERR_PNPM/] },
  },

  // docs/implementing-a-provider.md
  "npx openlattice-conformance ./my-provider.ts --image host --json report.json --junit junit.xml": {
    kind: "ci",
    timeoutMs: 180_000,
    cwd: "provider-author",
    note: "in a provider author's project whose my-provider.ts is the example provider",
    expect: {
      output: [/\| tiny \| \*\*conformant\*\* \|/],
      writes: ["report.json", "junit.xml"],
    },
  },
};
