#!/usr/bin/env node
/**
 * The smoke subset `.ci/run` runs on Node 22 and 24 after the whole suite ran on Node 20: the
 * tests whose behaviour can differ between Node versions (child processes, streams, sockets,
 * gRPC, module loading, syntax), without the heavy suites that only re-check version-independent
 * logic (the providers' conformance runs, the broken-provider self-tests, tarball packing,
 * benchmarks, the documented commands). The conformance suite itself runs here against its
 * reference provider; the providers' own paths run through their unit tests.
 * Needs a build (`pnpm build`) first, like `pnpm test` does.
 *
 *   npx -y pnpm@10.34.9 test:smoke            # on whatever Node is first on PATH
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Each file, and why it is in the subset. */
const SMOKE_FILES = {
  "packages/core/test": "validation, errors, retries, redaction, the Sandbox handle: every core path",
  "packages/local/test/exec.test.ts": "child processes, pipes and the agent protocol on this Node, both tiers",
  "packages/local/test/processes.test.ts": "background processes: attach, replay, kill through the agent",
  "packages/local/test/pty.test.ts": "terminals through the agent",
  "packages/local/test/file-streams.test.ts": "file streams (Node streams and backpressure)",
  "packages/local/test/ports.test.ts": "the port relay (sockets)",
  "packages/modal/test/sdk-against-emulator.test.ts": "the modal SDK's own calls on this Node",
  "packages/modal/test/exec-wire.test.ts": "the real modal SDK (gRPC streams) against the emulator: exec",
  "packages/modal/test/processes.test.ts": "gRPC streams of background processes",
  "packages/modal/test/pty.test.ts": "Modal terminals through the SDK",
  "conformance/test/reference-provider.test.ts": "the whole conformance suite, against its reference provider",
  "examples/test/readme-snippet.test.ts": "the README snippets, the .mjs one on plain node; await using per version",
};

const missing = Object.keys(SMOKE_FILES).filter((file) => !existsSync(path.join(root, file)));
if (missing.length > 0) {
  console.error(`smoke: these files no longer exist, update scripts/smoke.mjs: ${missing.join(", ")}`);
  process.exit(2);
}
console.log(`smoke subset on Node ${process.version}: ${Object.keys(SMOKE_FILES).length} entries`);
const vitest = path.join(root, "node_modules", ".bin", "vitest");
// The default reporter only: the full run's JUnit and conformance reports stay as they are.
const result = spawnSync(
  vitest,
  ["run", "--reporter=default", "--typecheck.enabled=false", ...Object.keys(SMOKE_FILES)],
  { cwd: root, stdio: "inherit" },
);
process.exit(result.status ?? 1);
