import type { Reporter, TestCase } from "vitest/node";
import { outcomeOf } from "./report-model.js";

const MARK = { pass: "✓", fail: "✗", unsupported: "–", "not-run": "!" } as const;

/** Prints one line per conformance case as it finishes, to stderr (stdout carries the markdown report). */
export class ProgressReporter implements Reporter {
  private done = 0;

  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WritableStream = process.stderr,
  ) {}

  onTestCaseResult(test: TestCase): void {
    const meta = test.meta().openlattice;
    if (!meta) return;
    this.done += 1;
    const { outcome, reason } = outcomeOf(test);
    const ms = Math.round(test.diagnostic()?.duration ?? 0);
    const detail = outcome === "pass" ? "" : `  ${(reason ?? "").split("\n")[0]?.slice(0, 160)}`;
    this.out.write(
      `[${String(this.done).padStart(2)}/${this.total}] ${MARK[outcome]} ${outcome.padEnd(11)} ${meta.requirement} (${meta.level}, ${ms} ms)${detail}\n`,
    );
  }
}
