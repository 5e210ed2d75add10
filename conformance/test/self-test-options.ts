import type { SuiteOptions } from "../src/index.js";

/**
 * Options for the suite's own runs against in-process providers: shorter waits, and cases run
 * concurrently so that the many broken-provider runs fit in CI time.
 */
export const SELF_TEST_OPTIONS = {
  image: "host",
  concurrent: true,
  timeouts: { caseMs: 60_000, cleanupMs: 15_000, killGraceMs: 5_000, durationGraceMs: 8_000, networkReadyMs: 15_000 },
} satisfies SuiteOptions;
