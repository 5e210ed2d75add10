import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Reporter, SerializedError, TestModule } from "vitest/node";
import { renderJunit } from "./render-junit.js";
import { renderMarkdown } from "./render-markdown.js";
import { buildReport, type ConformanceReport } from "./report-model.js";

export interface ConformanceReporterOptions {
  /** Path of the JSON report (the capability matrix and every result). */
  json?: string;
  /** Path of the JUnit XML report. */
  junit?: string;
  /** Path of the markdown report. */
  markdown?: string;
}

/**
 * A vitest reporter that turns conformance tests into reports. Add it next to your usual reporter:
 * `reporters: ["default", ["@openlattice/conformance/reporter", { json: "reports/conformance.json" }]]`.
 * Tests that are not conformance cases are ignored.
 */
export class ConformanceReporter implements Reporter {
  /** The report of the last run, once it ended. */
  report: ConformanceReport | undefined;

  constructor(private readonly options: ConformanceReporterOptions = {}) {}

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError> = []): void {
    const tests = testModules.flatMap((module) => [...module.children.allTests()]);
    // A provider module that fails to load shows up here, not as a test: keep it in the report.
    const errors = [
      ...testModules.flatMap((module) => module.errors().map((error) => `${module.moduleId}: ${error.message}`)),
      ...unhandledErrors.map((error) => `unhandled: ${error.message}`),
    ];
    const report = buildReport(tests, errors);
    this.report = report;
    if (this.options.json) write(this.options.json, `${JSON.stringify(report, null, 2)}\n`);
    if (this.options.junit) write(this.options.junit, renderJunit(report));
    if (this.options.markdown) write(this.options.markdown, renderMarkdown(report));
  }
}

function write(path: string, text: string): void {
  const target = resolve(path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}

export default ConformanceReporter;
