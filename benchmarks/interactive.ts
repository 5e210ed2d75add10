/**
 * The interactive-sandbox figures (issue #14) on the local provider: attach latency next to an
 * exec, PTY key round trip next to a plain pipe, streamed-file throughput and host RSS growth
 * next to `exec cat` and a host file write, all in the same run.
 *
 *   npx -y pnpm@10.34.9 --filter @openlattice/benchmarks run interactive            # 512 MiB file, 200 samples
 *   npx -y pnpm@10.34.9 --filter @openlattice/benchmarks run interactive --quick    # 64 MiB, 30 samples
 *   npx -y pnpm@10.34.9 --filter @openlattice/benchmarks run interactive --tier none
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseFlags } from "./harness/args.ts";
import { runInteractive } from "./suites/interactive.ts";

const values = parseFlags("interactive.ts [--quick] [--tier namespace|none] [--out DIR]", {
  quick: { type: "boolean", default: false },
  tier: { type: "string", default: "namespace" },
  out: { type: "string" },
});
const tier = values.tier === "none" ? "none" : "namespace";
// Like the other bench scripts, results go to reports/bench/ (git ignores it).
const outDir = path.resolve(
  values.out ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "reports", "bench"),
);
const started = new Date();
console.log(`interactive sandboxes, ${tier} tier — ${os.cpus().length} cores, node ${process.version}`);
const r = await runInteractive(tier, values.quick);
mkdirSync(outDir, { recursive: true });
const file = path.join(
  outDir,
  `interactive-${tier}-${started.toISOString().slice(0, 10)}${values.quick ? "-quick" : ""}.json`,
);
writeFileSync(file, `${JSON.stringify({ date: started.toISOString(), quick: values.quick, results: r }, null, 2)}\n`);
const ms = (v: number) => v.toFixed(2);
const fs = r.fileStreams;
console.log(
  `attach to first replayed byte p50 ${ms(r.attach.attach.p50)} ms (p95 ${ms(r.attach.attach.p95)}); exec true p50 ${ms(r.attach.exec.p50)} ms`,
);
console.log(
  `PTY key round trip p50 ${ms(r.ptyRoundTrip.pty.p50)} ms (p95 ${ms(r.ptyRoundTrip.pty.p95)}); pipe p50 ${ms(r.ptyRoundTrip.pipe.p50)} ms`,
);
console.log(
  `${(fs.bytes / 1024 / 1024).toFixed(0)} MiB writeStream ${fs.write.mibPerSecond.toFixed(0)} MiB/s (RSS +${fs.write.rssGrowthMiB.toFixed(1)} MiB), ` +
    `readStream ${fs.read.mibPerSecond.toFixed(0)} MiB/s (RSS +${fs.read.rssGrowthMiB.toFixed(1)} MiB); ` +
    `exec cat ${fs.execCatMiBPerSecond.toFixed(0)} MiB/s, host file write ${fs.hostWriteMiBPerSecond.toFixed(0)} MiB/s`,
);
console.log(`ratio: attach p50 / exec true p50 = ${r.attach.ratio.toFixed(2)}`);
console.log(`ratio: PTY round trip p50 / pipe round trip p50 = ${r.ptyRoundTrip.ratio.toFixed(2)}`);
console.log(`ratio: readStream / exec cat throughput = ${(fs.read.mibPerSecond / fs.execCatMiBPerSecond).toFixed(2)}`);
console.log(
  `ratio: writeStream / host file write throughput = ${(fs.write.mibPerSecond / fs.hostWriteMiBPerSecond).toFixed(2)}`,
);
console.log(
  `ratio: peak RSS growth / file size = ${(Math.max(fs.read.rssGrowthMiB, fs.write.rssGrowthMiB) / (fs.bytes / 1024 / 1024)).toFixed(3)}`,
);
console.log(`wrote ${file}`);
