/**
 * The local engine v2 figures (issue #12): exec, TTI, pooled and cold bursts, idle cost and
 * streaming, each printed as a ratio to a baseline measured interleaved in the same run.
 *
 *   pnpm --filter @openlattice/benchmarks run engine              # full (about 5 minutes on 2 cores)
 *   pnpm --filter @openlattice/benchmarks run engine --quick      # small counts
 *   pnpm --filter @openlattice/benchmarks run engine --tier none  # the none tier
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { round } from "./harness/stats.ts";
import { engineRatios, runLocalEngine } from "./suites/local-engine.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    tier: { type: "string", default: "namespace" },
    out: { type: "string" },
  },
});
const tier = values.tier === "none" ? "none" : "namespace";
const outDir = path.resolve(values.out ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "results"));
const started = new Date();
console.log(
  `local engine v2, ${tier} tier — ${os.cpus().length} cores, node ${process.version}, uid ${process.getuid?.()}`,
);
const results = await runLocalEngine(tier, values.quick);
const ratios = Object.fromEntries(Object.entries(engineRatios(results)).map(([key, value]) => [key, round(value)]));
mkdirSync(outDir, { recursive: true });
const file = path.join(
  outDir,
  `engine-${tier}-${started.toISOString().slice(0, 10)}${values.quick ? "-quick" : ""}.json`,
);
writeFileSync(
  file,
  `${JSON.stringify({ date: started.toISOString(), quick: values.quick, results, ratios }, null, 2)}\n`,
);
const ms = (value: number) => value.toFixed(2);
for (const [mode, pair] of Object.entries(results.exec)) {
  console.log(
    `exec true ${mode.padEnd(11)} p50 ${ms(pair.exec.p50)} ms (p95 ${ms(pair.exec.p95)}); raw spawn p50 ${ms(pair.spawn.p50)} ms`,
  );
}
const { heap } = results;
console.log(
  `exec true alone p50 ${ms(heap.smallHeap.p50)} ms small heap, ${ms(heap.largeHeap.p50)} ms with ${heap.largeHeapMiB} MiB live; ` +
    `raw spawn ${ms(heap.spawnSmall.p50)} → ${ms(heap.spawnLarge.p50)} ms`,
);
console.log(`cold TTI p50 ${ms(results.coldTti.tti.p50)} ms; raw bwrap p50 ${ms(results.coldTti.bwrap.p50)} ms`);
console.log(`load average ${results.loadAverage.map((value) => value.toFixed(1)).join(" → ")}`);
for (const [name, entry] of [
  ["pooled burst", results.pooledBurst],
  ["cold burst", results.coldBurst],
] as const) {
  console.log(
    `${name} p50 ${ms(entry.ms.p50)} p95 ${ms(entry.ms.p95)} ms, ${entry.succeeded}/${entry.runs}, ` +
      `worst stall ${ms(entry.maxStallMs)} ms (longest GC ${ms(entry.maxGcMs)} ms)`,
  );
}
for (const [name, value] of Object.entries(ratios)) console.log(`ratio: ${name} = ${value}`);
console.log(`wrote ${file}`);
process.exit(0);
