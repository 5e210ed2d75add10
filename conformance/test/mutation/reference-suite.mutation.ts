/**
 * The conformance suite against the reference provider, for StrykerJS (`pnpm mutation`): every
 * mutant of src/reference/ must make a case fail. Cases run one after another here, so that
 * Stryker can tell which case covers which mutant (per-test coverage needs sequential tests).
 */
import { describeProvider } from "../../src/index.js";
import { createReferenceProvider } from "../../src/reference/index.js";
import { SELF_TEST_OPTIONS } from "../self-test-options.js";

describeProvider({
  name: "reference (mutation testing)",
  createProvider: () => createReferenceProvider(),
  options: { ...SELF_TEST_OPTIONS, concurrent: false },
});
