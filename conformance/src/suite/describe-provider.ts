import type { Provider } from "@openlattice/core";
import { describe, it, type TestContext } from "vitest";
import { ALL_CASES } from "../cases/all-cases.js";
import type { CaseDefinition } from "../cases/case-definition.js";
import { getRequirement, type RequirementLevel } from "../requirements/requirement-list.js";
import { CaseContext, type RunState } from "./case-context.js";
import { NOT_RUN_PREFIX, NotRunSignal, UNSUPPORTED_PREFIX, UnsupportedSignal } from "./case-signals.js";
import { describeError, SandboxTracker, withDeadline } from "./sandbox-tracker.js";
import { type DescribeProviderConfig, matchesAny, type ResolvedSuiteOptions, resolveConfig } from "./suite-options.js";

/** The four outcomes of a requirement. */
export type Outcome = "pass" | "fail" | "unsupported" | "not-run";

/** What each conformance test carries in `task.meta.openlattice`; the reporter reads it. */
export interface ConformanceTaskMeta {
  requirement: string;
  level: RequirementLevel;
  /** Name given to `describeProvider`. */
  provider: string;
  runId: string;
  /** Set by the case when it ends; absent when vitest ended the test (timeout, filter). */
  outcome?: Outcome;
  reason?: string;
  /** The case was listed in `options.expectFailures`. */
  expectedFailure?: boolean;
  /** The provider's declared capabilities, recorded once per run (by `provider.capabilities.valid`). */
  capabilities?: unknown;
}

declare module "vitest" {
  interface TaskMeta {
    openlattice?: ConformanceTaskMeta;
  }
}

/**
 * Registers the conformance suite for one provider in the calling vitest test file: one test per
 * requirement, each with a fresh provider from `createProvider`, every sandbox labelled with the
 * run id and destroyed after the case (newest first; a cleanup failure fails the case).
 * Must be called at the top level of a file vitest is collecting.
 */
export function describeProvider(config: DescribeProviderConfig): void {
  if (process.env.VITEST === undefined) {
    throw new Error(
      "describeProvider must be called from a test file that vitest is running (call it at the top level of a *.test.ts file, or use the openlattice-conformance CLI)",
    );
  }
  const options = resolveConfig(config);
  const run: RunState = { sandboxes: new Set<string>(), errors: [] };
  try {
    describe(`openlattice conformance: ${config.name}`, () => {
      const register = (definition: CaseDefinition) => registerCase(config, options, definition, run);
      const cases = () => ALL_CASES.filter((definition) => !definition.last && !definition.exclusive).forEach(register);
      if (options.concurrent) describe.concurrent("cases", cases);
      else cases();
      // vitest runs siblings in order, so these start once every case above has finished.
      ALL_CASES.filter((definition) => definition.exclusive).forEach(register);
      ALL_CASES.filter((definition) => definition.last).forEach(register);
    });
  } catch (error) {
    if (error instanceof TypeError && /reading 'config'/.test(error.message)) {
      throw new Error(
        "describeProvider could not reach vitest: is vitest installed twice? @openlattice/conformance needs the project's own vitest (a peer dependency, ^4.1.0)",
        { cause: error },
      );
    }
    throw error;
  }
}

function registerCase(
  config: DescribeProviderConfig,
  options: ResolvedSuiteOptions,
  definition: CaseDefinition,
  run: RunState,
): void {
  const requirement = getRequirement(definition.id);
  const meta: ConformanceTaskMeta = {
    requirement: requirement.id,
    level: requirement.level,
    provider: config.name,
    runId: options.runId,
  };
  const timeouts = options.timeouts;
  // vitest's own timeout is a last resort: the case and its cleanup have their own deadlines inside.
  const vitestTimeout = timeouts.caseMs + timeouts.cleanupMs + 10_000;
  it(`${requirement.id} [${requirement.level}] ${requirement.title}`, {
    meta: { openlattice: meta },
    timeout: vitestTimeout,
  }, async (ctx) => {
    const taskMeta = ctx.task.meta.openlattice as ConformanceTaskMeta;
    const expected = options.expectFailures.has(requirement.id);
    taskMeta.expectedFailure = expected || undefined;

    const excluded = exclusionReason(requirement.id, options);
    if (excluded !== undefined) {
      if (expected) throw new Error(`requirement ${requirement.id} is listed in expectFailures but ${excluded}`);
      return end(ctx, taskMeta, "not-run", excluded);
    }

    let bodyError: unknown;
    let cleanupError: unknown;
    let tracker: SandboxTracker | undefined;
    try {
      const provider: Provider = await withDeadline(
        Promise.resolve(config.createProvider()),
        timeouts.caseMs,
        "createProvider()",
      );
      // No assertProvider here: a provider that gets its version or name wrong must fail
      // provider.spec-version, not every case.
      if (requirement.id === "provider.capabilities.valid") {
        taskMeta.capabilities = JSON.parse(JSON.stringify(provider.capabilities)) as unknown;
      }
      tracker = new SandboxTracker(provider, run.sandboxes);
      const context = new CaseContext(
        provider,
        requirement,
        options,
        tracker,
        run,
        (message) => ctx.annotate(message, "note"),
        config.createProvider,
      );
      await withDeadline(definition.run(context), timeouts.caseMs, `case ${requirement.id}`);
    } catch (error) {
      bodyError = error;
    }
    try {
      await tracker?.cleanup(timeouts.cleanupMs);
    } catch (error) {
      cleanupError = error;
    }

    let outcome: Outcome = "pass";
    let reason: string | undefined;
    let failure: unknown;
    if (cleanupError !== undefined) {
      outcome = "fail";
      failure =
        bodyError === undefined || bodyError instanceof UnsupportedSignal || bodyError instanceof NotRunSignal
          ? cleanupError
          : new AggregateError(
              [bodyError, cleanupError],
              `${describeError(bodyError)}; and ${describeError(cleanupError)}`,
            );
    } else if (bodyError instanceof UnsupportedSignal) {
      outcome = "unsupported";
      reason = bodyError.reason;
    } else if (bodyError instanceof NotRunSignal) {
      outcome = "not-run";
      reason = bodyError.reason;
    } else if (bodyError !== undefined) {
      outcome = "fail";
      failure = bodyError;
    }
    if (failure !== undefined) reason = describeError(failure);

    if (expected) {
      taskMeta.outcome = outcome;
      taskMeta.reason = reason;
      if (outcome === "fail") {
        ctx.annotate(`expected failure: ${reason ?? ""}`, "expected-failure");
        return;
      }
      throw new Error(
        `requirement ${requirement.id} is listed in expectFailures but its outcome was ${outcome}${reason ? ` (${reason})` : ""}`,
      );
    }
    if (outcome === "fail") {
      taskMeta.outcome = "fail";
      taskMeta.reason = reason;
      throw failure;
    }
    return end(ctx, taskMeta, outcome, reason);
  });
}

/** Records the outcome and, for unsupported/not-run, ends the test as skipped with a structured note. */
function end(ctx: TestContext, meta: ConformanceTaskMeta, outcome: Outcome, reason: string | undefined): void {
  meta.outcome = outcome;
  meta.reason = reason;
  if (outcome === "unsupported") ctx.skip(`${UNSUPPORTED_PREFIX}${reason ?? ""}`);
  if (outcome === "not-run") ctx.skip(`${NOT_RUN_PREFIX}${reason ?? ""}`);
}

function exclusionReason(id: string, options: ResolvedSuiteOptions): string | undefined {
  if (options.only !== undefined && !matchesAny(id, options.only)) return "excluded by options.only";
  if (matchesAny(id, options.skip)) return "excluded by options.skip";
  return undefined;
}
