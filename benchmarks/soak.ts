/**
 * Soak: provision → exec → write → snapshot → restore → exec → destroy cycles on the local
 * provider for a bounded time, then a report of throughput, errors, open file descriptors,
 * memory and leftovers. Exits non-zero when anything is left behind, an untyped error occurred,
 * file descriptors leaked or memory grew by more than 64 MiB.
 *
 *   pnpm soak                          # 10 minutes, 4 workers
 *   pnpm soak --seconds 60 --concurrency 8
 */
import { parseFlags } from "./harness/args.ts";
import { runSoak } from "./suites/soak.ts";

const values = parseFlags("soak [--seconds 600] [--concurrency 4]", {
  seconds: { type: "string", default: "600" },
  concurrency: { type: "string", default: "4" },
});
const report = await runSoak({ seconds: Number(values.seconds), concurrency: Number(values.concurrency) });
console.log(JSON.stringify(report, null, 2));
const problems: string[] = [];
if (report.leftovers.listed || report.leftovers.sandboxDirs || report.leftovers.snapshots) problems.push("leftovers");
if (report.errors.untyped) problems.push("untyped errors");
if (report.openFds.end > report.openFds.start + 8) problems.push("file descriptors leaked");
if (report.rssMiB.end - report.rssMiB.start > 64) problems.push("memory grew");
console.log(
  problems.length
    ? `SOAK FAILED: ${problems.join(", ")}`
    : `soak ok: ${report.cycles} cycles, ${report.cyclesPerSecond.toFixed(1)}/s`,
);
process.exitCode = problems.length ? 1 : 0;
