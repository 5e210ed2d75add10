/** `@openlattice/conformance/reporter`: the vitest reporter and the report model and renderers. */
export {
  ConformanceReporter,
  ConformanceReporter as default,
  type ConformanceReporterOptions,
} from "./conformance-reporter.js";
export { ProgressReporter } from "./progress-reporter.js";
export { renderJunit } from "./render-junit.js";
export { renderMarkdown } from "./render-markdown.js";
export {
  buildReport,
  type ConformanceReport,
  outcomeOf,
  type ProviderReport,
  type RequirementResult,
  type TestCaseLike,
  type Verdict,
} from "./report-model.js";
