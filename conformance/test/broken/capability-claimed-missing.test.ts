import type { Capabilities } from "@openlattice/core";
import { describeProvider } from "../../src/index.js";
import { ReferenceProvider } from "../../src/reference/index.js";
import { SELF_TEST_OPTIONS } from "../self-test-options.js";

/** Bug: the capabilities claim the metrics extension, but getExtension never returns it. */
class CapabilityClaimedMissing extends ReferenceProvider {
  override readonly capabilities: Capabilities = {
    ...new ReferenceProvider().capabilities,
    extensions: ["files", "network", "lifecycle", "metrics"],
  };
}

describeProvider({
  name: "broken: capability claimed, operation missing",
  createProvider: () => new CapabilityClaimedMissing(),
  options: { ...SELF_TEST_OPTIONS, expectFailures: ["extensions.agree", "metrics.sample"] },
});
