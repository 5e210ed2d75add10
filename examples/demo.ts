/**
 * `pnpm demo`: the quickstart on the local provider, then the conformance suite against the
 * same provider, in one screen: what ran, how long it took, a one-line verdict and where the
 * full report was written. Runs from source, so a fresh clone needs no build first.
 *
 * Run: pnpm demo   (or: pnpm --filter @openlattice/examples run demo)
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const tsx = path.join(here, "node_modules", ".bin", "tsx");
const reports = path.join(here, "reports");
const report = { json: path.join(reports, "local-conformance.json"), md: path.join(reports, "local-conformance.md") };
// Paths are printed relative to where the user typed the command (pnpm runs us in examples/).
const shown = (file: string) => path.relative(process.env.INIT_CWD ?? process.cwd(), file) || ".";
const seconds = (from: number) => `${((performance.now() - from) / 1000).toFixed(1)} s`;

/** Runs a child with the source condition; stdout is inherited unless `onStderr` wants both. */
function run(argv: string[], onStderr?: (line: string) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ["--conditions=@openlattice/source", ...argv], {
      cwd: here,
      stdio: ["ignore", onStderr ? "ignore" : "inherit", onStderr ? "pipe" : "inherit"],
    });
    let pending = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) onStderr?.(line);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 1));
  });
}

console.log(
  `openlattice demo on Node ${process.version}: the quickstart, then the conformance suite (local provider)\n`,
);
let clock = performance.now();
const quickstart = await run(["quickstart.ts"]);
console.log(
  `\nquickstart (examples/quickstart.ts) ${quickstart === 0 ? "finished" : `FAILED (exit ${quickstart})`} in ${seconds(clock)}`,
);
if (quickstart !== 0) process.exit(quickstart);

// The conformance CLI from source; its markdown report goes to a file, its progress to one line.
mkdirSync(reports, { recursive: true });
const conformanceRoot = path.dirname(createRequire(import.meta.url).resolve("@openlattice/conformance/package.json"));
const cli = path.join(conformanceRoot, "src", "cli", "cli.ts");
const failures: string[] = [];
const tty = process.stdout.isTTY;
// The egress cases need a URL that a sandbox with egress "all" reaches and one with egress
// "none" must not: a server on the host's loopback, for the suite's whole run.
const probe = createServer((_request, response) => response.end("probe"));
await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
const probeUrl = `http://127.0.0.1:${(probe.address() as { port: number }).port}/`;
clock = performance.now();
const code = await run(
  [
    cli,
    "local-provider.ts",
    "--image",
    "host",
    "--probe-url",
    probeUrl,
    "--json",
    report.json,
    "--markdown",
    report.md,
  ],
  (line) => {
    const progress = /^\[\s*(\d+)\/(\d+)\]\s+\S+\s+(\S+)\s+(\S+)/.exec(line);
    if (progress && tty) process.stdout.write(`\r\x1b[2Kconformance: ${progress[1]}/${progress[2]} ${progress[4]}`);
    if (progress && progress[3] !== "pass" && progress[3] !== "unsupported") failures.push(line.trim());
    if (!progress && /error/i.test(line)) failures.push(line.trim());
  },
);
if (tty) process.stdout.write("\r\x1b[2K");
probe.close();
let verdict = `no report (exit ${code})`;
try {
  const provider = JSON.parse(readFileSync(report.json, "utf8")).providers[0];
  const { pass, fail, unsupported, "not-run": notRun } = provider.summary;
  verdict =
    `${provider.provider} (${provider.declaredCapabilities.isolation} isolation) is ${provider.verdict}: ` +
    `${pass} pass, ${unsupported} unsupported (verified), ${fail} fail, ${notRun} not run`;
} catch {
  // No JSON: the CLI failed before writing it; its error lines are printed below.
}
console.log(`conformance suite: ${verdict}, in ${seconds(clock)}`);
for (const line of failures.slice(0, 10)) console.log(`  ${line}`);
console.log(`full report: ${shown(report.md)} (JSON: ${shown(report.json)})`);
process.exitCode = code;
