/**
 * `@openlattice/conformance`: the shared suite that proves a provider implements Provider spec v1.
 * Call `describeProvider` from a vitest test file, or run the `openlattice-conformance` CLI.
 */

export {
  HOSTILE_FRAGMENTS,
  type HostileCase,
  type HostileExpectation,
  type HostileTarget,
  hostileCorpus,
} from "./hostile-corpus.js";
export { renderRequirementTable } from "./requirements/render-requirement-table.js";
export {
  getRequirement,
  parseRequirements,
  REQUIREMENTS,
  type Requirement,
  type RequirementCapability,
  type RequirementLevel,
} from "./requirements/requirement-list.js";
export type { CaseContext, CaseSandbox } from "./suite/case-context.js";
export { type ConformanceTaskMeta, describeProvider, type Outcome } from "./suite/describe-provider.js";
export {
  DEFAULT_TIMEOUTS,
  type DescribeProviderConfig,
  LABEL_CASE,
  LABEL_RUN,
  type ResolvedSuiteOptions,
  type SuiteOptions,
  type SuiteTimeouts,
} from "./suite/suite-options.js";
