import type { ValidProvisionSpec } from "@openlattice/core";
import { describeProvider } from "../../src/index.js";
import { ReferenceProvider } from "../../src/reference/index.js";
import { SELF_TEST_OPTIONS } from "../self-test-options.js";

/** Bug: provision trusts its input and skips spec validation. */
class SpecNotValidated extends ReferenceProvider {
  protected override validateSpec(spec: unknown): ValidProvisionSpec {
    return (typeof spec === "object" && spec !== null ? spec : {}) as ValidProvisionSpec;
  }
}

describeProvider({
  name: "broken: spec not validated",
  createProvider: () => new SpecNotValidated(),
  options: {
    ...SELF_TEST_OPTIONS,
    // An invalid spec (an empty runtime.entrypoint) gets half-created before failing: the leak check
    // finds that sandbox through list() by the run label.
    expectFailures: ["spec.invalid.rejected", "spec.unsupported.rejected", "spec.limits.enforced", "cleanup.no-leaks"],
  },
});
