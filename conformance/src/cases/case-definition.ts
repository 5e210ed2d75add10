import type { CaseContext } from "../suite/case-context.js";

/**
 * The body of one requirement's test. It throws (any error) to fail, calls `c.unsupported()` or
 * `c.notRun()` to end otherwise, and returns to pass. The sandboxes it makes through `c` are
 * cleaned up by the suite.
 */
export interface CaseDefinition {
  readonly id: string;
  readonly run: (c: CaseContext) => Promise<void>;
  /** Runs after every other case of the run (the leak check), even when cases run concurrently. */
  readonly last?: boolean;
  /**
   * Runs alone, after the concurrent cases and before the last ones: for a case that measures
   * the suite's own process (its memory), which other cases running at once would disturb.
   */
  readonly exclusive?: boolean;
}
