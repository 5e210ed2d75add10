import { describe, expect, it } from "vitest";
import { REQUIREMENTS } from "../src/index.js";
import { buildReport, outcomeOf, renderJunit, renderMarkdown, type TestCaseLike } from "../src/reporter/index.js";
import type { ConformanceTaskMeta } from "../src/suite/describe-provider.js";

/** A vitest TestCase stand-in for one requirement of provider "p". */
function test(
  requirement: string,
  state: string,
  extra: { meta?: Partial<ConformanceTaskMeta>; note?: string; error?: string; provider?: string } = {},
): TestCaseLike {
  const level = REQUIREMENTS.find((entry) => entry.id === requirement)?.level ?? "MUST";
  return {
    meta: () => ({
      openlattice: { requirement, level, provider: extra.provider ?? "p", runId: "run-1", ...extra.meta },
    }),
    result: () => ({
      state,
      ...(extra.note !== undefined && { note: extra.note }),
      ...(extra.error !== undefined && { errors: [{ message: extra.error }] }),
    }),
    diagnostic: () => ({ duration: 12.4 }),
    annotations: () => [],
  };
}

const allPass = (provider = "p") => REQUIREMENTS.map((requirement) => test(requirement.id, "passed", { provider }));

describe("outcomeOf", () => {
  it("prefers the outcome the case recorded, then vitest's state and skip note", () => {
    expect(outcomeOf(test("exec.stdin", "passed", { meta: { outcome: "fail", reason: "boom" } }))).toEqual({
      outcome: "fail",
      reason: "boom",
    });
    expect(outcomeOf(test("exec.stdin", "failed", { error: "timed out" }))).toEqual({
      outcome: "fail",
      reason: "timed out",
    });
    expect(outcomeOf(test("files.list", "skipped", { note: "unsupported: no files" }))).toEqual({
      outcome: "unsupported",
      reason: "no files",
    });
    expect(outcomeOf(test("files.list", "skipped", { note: "not-run: needs image" }))).toEqual({
      outcome: "not-run",
      reason: "needs image",
    });
    expect(outcomeOf(test("files.list", "skipped")).outcome).toBe("not-run");
    expect(outcomeOf(test("files.list", "pending")).outcome).toBe("not-run");
  });
});

describe("buildReport", () => {
  it("is conformant only when every MUST passed or was verified unsupported", () => {
    const metrics = REQUIREMENTS.filter((requirement) => requirement.area === "metrics").map((entry) => entry.id);
    const tests = allPass().map((entry) => {
      const id = entry.meta().openlattice?.requirement ?? "";
      return metrics.includes(id) ? test(id, "skipped", { note: "unsupported: none" }) : entry;
    });
    const [provider] = buildReport(tests).providers;
    expect(provider?.verdict).toBe("conformant");
    expect(provider?.summary).toEqual({
      pass: REQUIREMENTS.length - metrics.length,
      fail: 0,
      unsupported: metrics.length,
      "not-run": 0,
    });
    expect(provider?.areas.metrics).toBe("unsupported");
  });

  it("is non-conformant when a MUST fails, but not for a SHOULD failure", () => {
    const must = buildReport([...allPass().slice(1), test("provider.spec-version", "failed", { error: "x" })])
      .providers[0];
    expect(must?.verdict).toBe("non-conformant");
    expect(must?.areas.provider).toBe("fail");
    const should = buildReport(
      allPass().map((entry) =>
        entry.meta().openlattice?.requirement === "spec.limits.enforced"
          ? test("spec.limits.enforced", "failed")
          : entry,
      ),
    ).providers[0];
    expect(should?.verdict).toBe("conformant");
    expect(should?.failedByLevel).toEqual({ MUST: 0, SHOULD: 1, MAY: 0 });
  });

  it("never looks green when cases did not run: missing or skipped MUST requirements make it incomplete", () => {
    const partial = buildReport(allPass().slice(0, 5)).providers[0];
    expect(partial?.verdict).toBe("incomplete");
    expect(partial?.summary["not-run"]).toBe(REQUIREMENTS.length - 5);
    expect(partial?.results.at(-1)?.reason).toBe("not collected in this run");
  });

  it("keeps providers apart, ignores tests without conformance meta, and keeps load errors", () => {
    const foreign: TestCaseLike = { ...test("exec.stdin", "failed"), meta: () => ({}) };
    const report = buildReport([...allPass("a"), ...allPass("b"), foreign], ["provider.ts: SyntaxError"]);
    expect(report.providers.map((provider) => provider.provider)).toEqual(["a", "b"]);
    expect(report.errors).toEqual(["provider.ts: SyntaxError"]);
    expect(renderMarkdown(report)).toContain("SyntaxError");
  });
});

describe("renderers", () => {
  const report = buildReport([
    test("exec.stdin", "failed", { meta: { outcome: "fail", reason: "bad <\"&'> value\nsecond line" } }),
    test("files.list", "skipped", { note: "unsupported: no files extension" }),
    test("exec.cwd.exact", "passed"),
  ]);

  it("renders JUnit with failures, skipped outcomes and escaped text", () => {
    const xml = renderJunit(report);
    expect(xml).toContain('<failure message="bad &lt;&quot;&amp;&apos;&gt; value">');
    expect(xml).toContain('<skipped message="unsupported: no files extension"/>');
    expect(xml).toContain('<property name="level" value="MUST"/>');
    expect(xml.match(/<testcase /g)).toHaveLength(REQUIREMENTS.length);
  });

  it("renders markdown with the verdict, the capability matrix and one-line cells", () => {
    const markdown = renderMarkdown(report);
    expect(markdown).toContain("| p | **non-conformant** |");
    expect(markdown).toContain("## Capability matrix");
    expect(markdown).toContain("| files | ⚠️ not-run |");
    expect(markdown).toContain("| `files.list` | MUST | ➖ unsupported | no files extension |");
    expect(markdown).toContain("bad <\"&'> value ⏎ second line");
    expect(renderMarkdown(buildReport([]))).toContain("No conformance tests ran");
  });
});
