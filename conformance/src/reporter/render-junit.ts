import type { ConformanceReport } from "./report-model.js";

/**
 * Renders JUnit XML: one testsuite per provider, one testcase per requirement. `fail` is a
 * `<failure>`; `unsupported` and `not-run` are `<skipped>` with the outcome in the message (so CI
 * views keep them apart); level and outcome are also properties.
 */
export function renderJunit(report: ConformanceReport): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const total = report.providers.reduce((sum, provider) => sum + provider.results.length, 0);
  const failures = report.providers.reduce((sum, provider) => sum + provider.summary.fail, 0);
  out.push(`<testsuites name="openlattice-conformance" tests="${total}" failures="${failures}" errors="0">`);
  for (const provider of report.providers) {
    const skipped = provider.summary.unsupported + provider.summary["not-run"];
    const time = provider.results.reduce((sum, result) => sum + (result.durationMs ?? 0), 0) / 1000;
    out.push(
      `  <testsuite name="${xml(provider.provider)}" tests="${provider.results.length}" failures="${provider.summary.fail}" errors="0" skipped="${skipped}" time="${time.toFixed(3)}">`,
    );
    out.push("    <properties>");
    out.push(`      <property name="runId" value="${xml(provider.runId)}"/>`);
    out.push(`      <property name="verdict" value="${provider.verdict}"/>`);
    out.push(`      <property name="suiteVersion" value="${xml(report.suite.version)}"/>`);
    out.push("    </properties>");
    for (const result of provider.results) {
      const seconds = ((result.durationMs ?? 0) / 1000).toFixed(3);
      out.push(
        `    <testcase classname="${xml(`${provider.provider}.${result.area}`)}" name="${xml(`${result.id} [${result.level}] ${result.title}`)}" time="${seconds}">`,
      );
      out.push("      <properties>");
      out.push(`        <property name="requirement" value="${xml(result.id)}"/>`);
      out.push(`        <property name="level" value="${result.level}"/>`);
      out.push(`        <property name="outcome" value="${result.outcome}"/>`);
      out.push("      </properties>");
      if (result.outcome === "fail") {
        out.push(
          `      <failure message="${xml(firstLine(result.reason ?? "failed"))}">${xml(result.reason ?? "")}</failure>`,
        );
      } else if (result.outcome !== "pass") {
        out.push(`      <skipped message="${xml(`${result.outcome}: ${result.reason ?? ""}`)}"/>`);
      }
      out.push("    </testcase>");
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return `${out.join("\n")}\n`;
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? "";
}

/** Escapes text for XML attributes and content, dropping characters XML 1.0 cannot carry. */
function xml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;");
}
