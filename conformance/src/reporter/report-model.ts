import pkg from "../../package.json" with { type: "json" };
import { REQUIREMENTS, type RequirementLevel } from "../requirements/requirement-list.js";
import { NOT_RUN_PREFIX, UNSUPPORTED_PREFIX } from "../suite/case-signals.js";
import type { ConformanceTaskMeta, Outcome } from "../suite/describe-provider.js";

/** The result of one requirement for one provider. */
export interface RequirementResult {
  readonly id: string;
  readonly level: RequirementLevel;
  readonly area: string;
  readonly title: string;
  readonly outcome: Outcome;
  /** Why it failed, was unsupported or did not run. */
  readonly reason?: string;
  readonly durationMs?: number;
  /** Notes the case recorded (`ctx.annotate`). */
  readonly notes: readonly string[];
  /** Listed in `expectFailures` (suite self-tests). */
  readonly expectedFailure?: boolean;
}

/**
 * `conformant`: no MUST failed or went unrun. `non-conformant`: a MUST failed. `incomplete`: no
 * MUST failed but some did not run, so the run proves nothing about them.
 */
export type Verdict = "conformant" | "non-conformant" | "incomplete";

export interface ProviderReport {
  readonly provider: string;
  readonly runId: string;
  /** What the provider declared (`provider.capabilities`), next to what the run verified (`areas`). */
  readonly declaredCapabilities?: unknown;
  readonly verdict: Verdict;
  readonly summary: Readonly<Record<Outcome, number>>;
  /** Failed requirements by level, e.g. `{ MUST: 1, SHOULD: 0, MAY: 0 }`. */
  readonly failedByLevel: Readonly<Record<RequirementLevel, number>>;
  /** The capability matrix: each area's combined outcome (`fail` beats `not-run` beats `pass`; all-unsupported is `unsupported`). */
  readonly areas: Readonly<Record<string, Outcome>>;
  readonly results: readonly RequirementResult[];
}

/** The whole report, as written by `--json`. */
export interface ConformanceReport {
  readonly schemaVersion: 1;
  readonly suite: { readonly name: string; readonly version: string; readonly specificationVersion: string };
  readonly generatedAt: string;
  readonly node: string;
  readonly providers: readonly ProviderReport[];
  /** Errors outside any case: a test file or provider module that failed to load, unhandled rejections. */
  readonly errors: readonly string[];
}

/** The parts of vitest's `TestCase` the report needs (so it can be built from plain data in tests). */
export interface TestCaseLike {
  meta(): { openlattice?: ConformanceTaskMeta };
  result(): { state: string; note?: string; errors?: readonly { message?: string }[] };
  diagnostic(): { duration: number } | undefined;
  annotations(): readonly { message: string; type: string }[];
}

/** Outcome of a test: the one the case recorded, else derived from vitest's state and skip note. */
export function outcomeOf(test: TestCaseLike): { outcome: Outcome; reason?: string } {
  const meta = test.meta().openlattice;
  const result = test.result();
  const error = result.errors?.[0]?.message;
  if (meta?.outcome !== undefined) {
    return { outcome: meta.outcome, reason: meta.reason ?? (meta.outcome === "fail" ? error : undefined) };
  }
  if (result.state === "passed") return { outcome: "pass" };
  if (result.state === "failed") return { outcome: "fail", reason: error ?? "failed" };
  const note = result.note ?? "";
  if (note.startsWith(UNSUPPORTED_PREFIX))
    return { outcome: "unsupported", reason: note.slice(UNSUPPORTED_PREFIX.length) };
  if (note.startsWith(NOT_RUN_PREFIX)) return { outcome: "not-run", reason: note.slice(NOT_RUN_PREFIX.length) };
  return { outcome: "not-run", reason: note || "skipped by vitest (filtered out, or a hook failed)" };
}

/**
 * Builds the report from the tests of a run. Tests without conformance meta are ignored; a
 * requirement that has no test for a provider (filtered out before collection) is `not-run`.
 */
export function buildReport(tests: Iterable<TestCaseLike>, errors: readonly string[] = []): ConformanceReport {
  const byProvider = new Map<
    string,
    { runId: string; capabilities?: unknown; results: Map<string, RequirementResult> }
  >();
  for (const test of tests) {
    const meta = test.meta().openlattice;
    if (!meta) continue;
    const requirement = REQUIREMENTS.find((entry) => entry.id === meta.requirement);
    if (!requirement) continue;
    let entry = byProvider.get(meta.provider);
    if (!entry) {
      entry = { runId: meta.runId, results: new Map() };
      byProvider.set(meta.provider, entry);
    }
    if (meta.capabilities !== undefined) entry.capabilities = meta.capabilities;
    const { outcome, reason } = outcomeOf(test);
    const notes = test
      .annotations()
      .filter((annotation) => annotation.type === "note")
      .map((annotation) => annotation.message);
    entry.results.set(requirement.id, {
      id: requirement.id,
      level: requirement.level,
      area: requirement.area,
      title: requirement.title,
      outcome,
      ...(reason !== undefined && { reason }),
      ...(test.diagnostic() && { durationMs: Math.round(test.diagnostic()?.duration ?? 0) }),
      notes,
      ...(meta.expectedFailure && { expectedFailure: true }),
    });
  }
  const providers = [...byProvider].map(([provider, { runId, capabilities, results }]) =>
    summarize(
      provider,
      runId,
      capabilities,
      REQUIREMENTS.map(
        (requirement) =>
          results.get(requirement.id) ?? {
            id: requirement.id,
            level: requirement.level,
            area: requirement.area,
            title: requirement.title,
            outcome: "not-run" as const,
            reason: "not collected in this run",
            notes: [],
          },
      ),
    ),
  );
  return {
    schemaVersion: 1,
    suite: { name: pkg.name, version: pkg.version, specificationVersion: "v1" },
    generatedAt: new Date().toISOString(),
    node: process.version,
    providers,
    errors: [...errors],
  };
}

function summarize(
  provider: string,
  runId: string,
  declaredCapabilities: unknown,
  results: readonly RequirementResult[],
): ProviderReport {
  const summary: Record<Outcome, number> = { pass: 0, fail: 0, unsupported: 0, "not-run": 0 };
  const failedByLevel: Record<RequirementLevel, number> = { MUST: 0, SHOULD: 0, MAY: 0 };
  const areaOutcomes = new Map<string, Outcome[]>();
  let mustNotRun = 0;
  for (const result of results) {
    summary[result.outcome] += 1;
    if (result.outcome === "fail") failedByLevel[result.level] += 1;
    if (result.outcome === "not-run" && result.level === "MUST") mustNotRun += 1;
    areaOutcomes.set(result.area, [...(areaOutcomes.get(result.area) ?? []), result.outcome]);
  }
  const areas: Record<string, Outcome> = {};
  for (const [area, outcomes] of areaOutcomes) areas[area] = combine(outcomes);
  const verdict: Verdict = failedByLevel.MUST > 0 ? "non-conformant" : mustNotRun > 0 ? "incomplete" : "conformant";
  return {
    provider,
    runId,
    ...(declaredCapabilities !== undefined && { declaredCapabilities }),
    verdict,
    summary,
    failedByLevel,
    areas,
    results,
  };
}

function combine(outcomes: readonly Outcome[]): Outcome {
  if (outcomes.includes("fail")) return "fail";
  if (outcomes.every((outcome) => outcome === "unsupported")) return "unsupported";
  if (outcomes.includes("not-run")) return "not-run";
  return "pass";
}
