import type { SuiteOptions } from "../src/index.js";

/**
 * Options for the suite's own runs against in-process providers: shorter waits, and cases run
 * concurrently so that the many broken-provider runs fit in CI time. No image: the providers'
 * declared default image is what the cases use.
 */
export const SELF_TEST_OPTIONS = {
  concurrent: true,
  // Half the default: still far beyond what a buffering provider could hide in the memory bound.
  largeStreamBytes: 256 * 1024 * 1024,
  timeouts: {
    caseMs: 60_000,
    cleanupMs: 15_000,
    killGraceMs: 5_000,
    durationGraceMs: 8_000,
    networkReadyMs: 15_000,
    healthMs: 5_000,
    snapshotMs: 10_000,
  },
} satisfies SuiteOptions;
