/**
 * Runs every benchmark, prints ratios against baselines measured in the same run, and writes
 * `<date>.json` plus SVG charts to `reports/bench/` (a scratch folder git ignores). Only
 * `--update-figures` writes the committed figures in `benchmarks/results/` that the READMEs show.
 *
 *   pnpm bench                       # full run
 *   pnpm bench --quick               # small counts, for a smoke run
 *   pnpm bench --out <dir>           # write somewhere else
 *   pnpm bench --update-figures      # full run that replaces the committed JSON and charts
 *   pnpm bench --live                # also run the Modal TTI against real Modal (needs MODAL_TOKEN_ID/SECRET)
 *
 * Every `suites/*.ts` file that exports a `benchSuite` (see harness/suite.ts) runs after the
 * built-in suites. Timings depend on the machine and its load: compare ratios, not absolute
 * numbers, across runs.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseFlags } from "./harness/args.ts";
import { renderCharts } from "./harness/charts.ts";
import { round } from "./harness/stats.ts";
import { type BenchSuiteResult, discoverSuites } from "./harness/suite.ts";

const USAGE = "bench [--quick] [--live] [--out <dir> | --update-figures]";
const values = parseFlags(USAGE, {
  quick: { type: "boolean", default: false },
  live: { type: "boolean", default: false },
  out: { type: "string" },
  "update-figures": { type: "boolean", default: false },
});
const here = path.dirname(fileURLToPath(import.meta.url));
function refuse(message: string): never {
  console.error(`${message}\nusage: ${USAGE}`);
  process.exit(2);
}
// Checked before anything is measured, so a bad invocation fails in a second, not minutes later.
if (values["update-figures"] && values.quick)
  refuse("--update-figures needs a full run: quick counts are not published");
if (values["update-figures"] && values.out) refuse("--update-figures writes benchmarks/results/; drop --out");
if (values.live && (!process.env.MODAL_TOKEN_ID || !process.env.MODAL_TOKEN_SECRET))
  refuse("--live measures real Modal: set MODAL_TOKEN_ID and MODAL_TOKEN_SECRET");
// The suites (and the providers and SDKs they load) are imported only once the flags are valid.
const [
  { runBaselines },
  { runExec },
  { runImagePull },
  { runLocalTti },
  { runModalEmulator },
  { runModalLive },
  { runSnapshots },
] = await Promise.all([
  import("./suites/baselines.ts"),
  import("./suites/exec.ts"),
  import("./suites/images.ts"),
  import("./suites/local-tti.ts"),
  import("./suites/modal-emulator.ts"),
  import("./suites/modal-live.ts"),
  import("./suites/snapshot.ts"),
]);
const quick = values.quick;
const outDir = path.resolve(
  values["update-figures"] ? path.join(here, "results") : (values.out ?? path.join(here, "..", "reports", "bench")),
);
const runs = quick ? { sequential: 5, staggered: 5, burst: 10 } : { sequential: 100, staggered: 100, burst: 100 };
const log = (line: string) => console.log(line);

const started = new Date();
log(
  `openlattice benchmarks — ${os.cpus().length} cores, ${os.platform()} ${os.release()}, node ${process.version}${quick ? " (quick)" : ""}`,
);

log("baselines: raw spawn and raw bwrap …");
const baselines = await runBaselines(quick ? 10 : 100);
// Exec first: the burst suites leave the machine busy reclaiming hundreds of sandboxes.
log("exec latency, throughput and streaming …");
const streamBytes = quick ? 64 * 1024 * 1024 : 1024 * 1024 * 1024;
const exec = await runExec(baselines.bwrap ? "namespace" : "none", {
  latencyRuns: quick ? 20 : 300,
  throughputOps: quick ? 40 : 500,
  streamBytes,
});
log("local provider, namespace tier …");
const localNamespace = baselines.bwrap ? await runLocalTti("namespace", runs, !quick) : undefined;
log("local provider, none tier …");
const localNone = await runLocalTti("none", runs, false);
log("Modal provider through the emulator …");
const modalEmulator = await runModalEmulator(runs);
const modalLive = values.live
  ? await runModalLive(quick ? { sequential: 3, staggered: 3, burst: 5 } : runs)
  : undefined;
log("snapshot cost …");
const snapshots = await runSnapshots(
  quick
    ? [{ workspaceMiB: 10, changedPercent: 1 }]
    : [
        { workspaceMiB: 10, changedPercent: 1 },
        { workspaceMiB: 100, changedPercent: 1 },
        { workspaceMiB: 100, changedPercent: 10 },
        { workspaceMiB: 300, changedPercent: 1 },
      ],
);
log("image pull next to skopeo …");
const images = await runImagePull(quick ? 1 : 3);

const extraSuites: Record<string, BenchSuiteResult> = {};
for (const suite of await discoverSuites(path.join(here, "suites"))) {
  log(`${suite.title} …`);
  extraSuites[suite.name] = await suite.run({ quick, log });
}

const seqP50 = (result: { tti: { mode: string; ms: { p50: number } }[] } | undefined) =>
  result?.tti.find((entry) => entry.mode === "sequential")?.ms.p50 ?? Number.NaN;
const ratios = {
  "local namespace TTI p50 / raw bwrap p50": seqP50(localNamespace) / (baselines.bwrap?.p50 ?? Number.NaN),
  "local namespace TTI p50 / raw spawn p50": seqP50(localNamespace) / baselines.spawn.p50,
  "local none TTI p50 / raw spawn p50": seqP50(localNone) / baselines.spawn.p50,
  "modal emulator TTI p50 / local namespace TTI p50": seqP50(modalEmulator) / seqP50(localNamespace),
  "exec true p50 / raw spawn p50": exec.latency.p50 / baselines.spawn.p50,
  ...Object.fromEntries(
    snapshots.map((row) => [
      `second snapshot / first, time (${row.workspaceMiB} MiB, ${row.changedPercent}% changed)`,
      row.secondMs / row.firstMs,
    ]),
  ),
  ...images.ratios,
  ...Object.fromEntries(
    snapshots.map((row) => [
      `second snapshot / first, new bytes (${row.workspaceMiB} MiB, ${row.changedPercent}% changed)`,
      row.secondNewBytes / row.firstNewBytes,
    ]),
  ),
  ...Object.fromEntries(
    Object.entries(extraSuites).flatMap(([name, result]) =>
      Object.entries(result.ratios ?? {}).map(([key, value]) => [`${name}: ${key}`, value]),
    ),
  ),
};

const results = {
  date: started.toISOString(),
  quick,
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    platform: os.platform(),
    release: os.release(),
    node: process.version,
  },
  baselines,
  tti: { localNamespace, localNone, modalEmulator, ...(modalLive && { modalLive }) },
  exec,
  snapshots,
  images,
  suites: Object.fromEntries(Object.entries(extraSuites).map(([name, result]) => [name, result.data])),
  ratios: Object.fromEntries(Object.entries(ratios).map(([key, value]) => [key, round(value)])),
};

mkdirSync(outDir, { recursive: true });
const jsonPath = path.join(outDir, `${started.toISOString().slice(0, 10)}${quick ? "-quick" : ""}.json`);
writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
const charts: Record<string, string> = { ...renderCharts(results) };
for (const result of Object.values(extraSuites)) Object.assign(charts, result.charts);
for (const [name, svg] of Object.entries(charts)) writeFileSync(path.join(outDir, name), svg);

log("");
const fmt = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : "n/a");
log(
  `raw spawn /bin/true p50 ${fmt(baselines.spawn.p50)} ms; raw bwrap /bin/true p50 ${fmt(baselines.bwrap?.p50 ?? Number.NaN)} ms`,
);
for (const [name, result] of Object.entries(results.tti)) {
  for (const entry of result?.tti ?? []) {
    log(
      `TTI ${name.padEnd(15)} ${entry.mode.padEnd(10)} p50 ${fmt(entry.ms.p50).padStart(8)} p95 ${fmt(entry.ms.p95).padStart(8)} ` +
        `p99 ${fmt(entry.ms.p99).padStart(8)} ms, success ${entry.succeeded}/${entry.runs}`,
    );
  }
}
log(
  `exec true p50 ${fmt(exec.latency.p50)} ms; throughput ${Object.entries(exec.throughput)
    .map(([key, value]) => `${key}: ${value.toFixed(0)}/s`)
    .join(", ")}`,
);
log(
  `streamed ${(exec.streaming.bytes / 1024 / 1024).toFixed(0)} MiB at ${exec.streaming.mibPerSecond.toFixed(0)} MiB/s, ` +
    `RSS growth ${exec.streaming.rssGrowthMiB.toFixed(1)} MiB`,
);
if (images.skipped) log(`image pull: skipped (${images.skipped})`);
else if (images.median) {
  const m = images.median;
  log(
    `image pull (${images.image?.files} files, ${((images.image?.compressedBytes ?? 0) / 1e6).toFixed(1)} MB): first ${fmt(m.firstPullMs)} ms, ` +
      `second ${fmt(m.secondResolveMs)} ms, after restart ${fmt(m.restartResolveMs)} ms; ` +
      `skopeo copy ${fmt(m.skopeoCopyMs)} ms, skopeo copy + umoci unpack ${fmt(m.skopeoUmociMs)} ms`,
  );
}
for (const result of Object.values(extraSuites)) for (const line of result.summary) log(line);
for (const [name, value] of Object.entries(results.ratios)) log(`ratio: ${name} = ${fmt(value)}`);
const elapsed = ((Date.now() - started.getTime()) / 1000).toFixed(0);
log(`\nwrote ${jsonPath} and ${Object.keys(charts).join(", ")} in ${outDir} (bench took ${elapsed} s)`);
if (!values["update-figures"])
  log("the committed figures in benchmarks/results/ are unchanged (--update-figures replaces them)");
