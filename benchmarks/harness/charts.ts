import { PUBLISHED_SOURCE, PUBLISHED_TTI } from "./published.ts";
import type { Summary } from "./stats.ts";
import { type ChartRow, renderBarChart } from "./svg-chart.ts";
import type { TtiResult } from "./tti.ts";

interface ChartInput {
  readonly baselines: { readonly spawn: Summary; readonly bwrap: Summary | undefined };
  readonly tti: Readonly<Record<string, { readonly tti: readonly TtiResult[] } | undefined>>;
  readonly exec: { readonly latency: Summary; readonly throughput: Readonly<Record<string, number>> };
  readonly snapshots: readonly {
    workspaceMiB: number;
    changedPercent: number;
    firstMs: number;
    secondMs: number;
    restoreMs: number;
  }[];
}

const LABELS: Record<string, string> = {
  localNamespace: "openlattice local (namespace)",
  localNone: "openlattice local (none)",
  modalEmulator: "openlattice modal via emulator",
  modalLive: "openlattice modal (live)",
};

function ttiRows(input: ChartInput, mode: "sequential" | "burst"): ChartRow[] {
  const rows: ChartRow[] = [];
  for (const [key, result] of Object.entries(input.tti)) {
    const entry = result?.tti.find((item) => item.mode === mode);
    if (entry) rows.push({ label: LABELS[key] ?? key, values: [entry.ms.p50, entry.ms.p95] });
  }
  if (mode === "sequential") {
    rows.push({
      label: "baseline: raw spawn /bin/true",
      values: [input.baselines.spawn.p50, input.baselines.spawn.p95],
    });
    if (input.baselines.bwrap) {
      rows.push({
        label: "baseline: raw bwrap /bin/true",
        values: [input.baselines.bwrap.p50, input.baselines.bwrap.p95],
      });
    }
  }
  for (const published of PUBLISHED_TTI) {
    const [p50, p95] = published[mode];
    rows.push({ label: `${published.provider} (published)`, values: [p50, p95], external: true });
  }
  return rows;
}

/** The README's charts, by file name. */
export function renderCharts(input: ChartInput): Record<string, string> {
  const note = `hatched: ${PUBLISHED_SOURCE}, measured elsewhere — see benchmarks/README.md`;
  return {
    "tti-sequential.svg": renderBarChart({
      title: "Time to interactive, sequential (create → first command done)",
      unit: "ms",
      series: ["p50", "p95"],
      rows: ttiRows(input, "sequential"),
      logScale: true,
      note,
    }),
    "tti-burst.svg": renderBarChart({
      title: "Time to interactive, burst (all sandboxes created at once)",
      unit: "ms",
      series: ["p50", "p95"],
      rows: ttiRows(input, "burst"),
      logScale: true,
      note,
    }),
    "exec.svg": renderBarChart({
      title: "Exec latency of `true` on a warm sandbox vs process start",
      unit: "ms",
      series: ["p50", "p95"],
      rows: [
        { label: "openlattice local exec", values: [input.exec.latency.p50, input.exec.latency.p95] },
        { label: "baseline: raw spawn /bin/true", values: [input.baselines.spawn.p50, input.baselines.spawn.p95] },
      ],
    }),
    "snapshot.svg": renderBarChart({
      title: "Local snapshot cost: first snapshot vs second after a change",
      unit: "ms",
      series: ["first", "second", "restore"],
      rows: input.snapshots.map((row) => ({
        label: `${row.workspaceMiB} MiB workspace, ${row.changedPercent}% changed`,
        values: [row.firstMs, row.secondMs, row.restoreMs],
      })),
      logScale: true,
    }),
  };
}
