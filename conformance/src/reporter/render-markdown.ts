import type { Outcome } from "../suite/describe-provider.js";
import type { ConformanceReport } from "./report-model.js";

const SYMBOL: Record<Outcome, string> = {
  pass: "✅ pass",
  fail: "❌ fail",
  unsupported: "➖ unsupported",
  "not-run": "⚠️ not-run",
};

/** Renders the report as markdown: verdicts, the capability matrix (areas × providers), then every requirement. */
export function renderMarkdown(report: ConformanceReport): string {
  const lines: string[] = [];
  lines.push(`# openlattice conformance report`, "");
  lines.push(
    `Suite ${report.suite.name}@${report.suite.version}, Provider spec ${report.suite.specificationVersion}, Node ${report.node}, ${report.generatedAt}`,
    "",
  );
  if (report.errors.length > 0) {
    lines.push(
      "**Errors outside the cases** (they make the run untrustworthy):",
      "",
      ...report.errors.map((error) => `- ${oneLine(error)}`),
      "",
    );
  }
  if (report.providers.length === 0) {
    lines.push("**No conformance tests ran.** Nothing was checked; this is not a pass.");
    return `${lines.join("\n")}\n`;
  }
  lines.push(
    "| Provider | Verdict | pass | fail | unsupported | not-run | MUST failed | SHOULD failed |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const provider of report.providers) {
    const s = provider.summary;
    lines.push(
      `| ${provider.provider} | **${provider.verdict}** | ${s.pass} | ${s.fail} | ${s.unsupported} | ${s["not-run"]} | ${provider.failedByLevel.MUST} | ${provider.failedByLevel.SHOULD} |`,
    );
  }
  lines.push("", "## Capability matrix", "");
  const areas = [...new Set(report.providers.flatMap((provider) => Object.keys(provider.areas)))];
  lines.push(`| Area | ${report.providers.map((provider) => provider.provider).join(" | ")} |`);
  lines.push(`| --- | ${report.providers.map(() => "---").join(" | ")} |`);
  for (const area of areas) {
    lines.push(`| ${area} | ${report.providers.map((provider) => cell(provider.areas[area])).join(" | ")} |`);
  }
  for (const provider of report.providers) {
    lines.push(
      "",
      `## ${provider.provider} (run ${provider.runId})`,
      "",
      "| Requirement | Level | Outcome | Detail |",
      "| --- | --- | --- | --- |",
    );
    for (const result of provider.results) {
      const detail = [result.reason, ...result.notes].filter(Boolean).join("; ");
      lines.push(
        `| \`${result.id}\` | ${result.level} | ${SYMBOL[result.outcome]}${result.expectedFailure ? " (expected)" : ""} | ${oneLine(detail)} |`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

function cell(outcome: Outcome | undefined): string {
  return outcome === undefined ? "" : SYMBOL[outcome];
}

/** Keeps a table cell on one line and short. */
function oneLine(text: string): string {
  const flat = text.replaceAll("|", "\\|").replace(/\s*\n\s*/g, " ⏎ ");
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}
