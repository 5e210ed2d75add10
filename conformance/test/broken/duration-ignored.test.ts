import type { ProvisionOptions, ProvisionSpec, SandboxNode } from "@openlattice/core";
import { describeProvider } from "../../src/index.js";
import { ReferenceProvider } from "../../src/reference/index.js";
import { SELF_TEST_OPTIONS } from "../self-test-options.js";

/** Bug: duration.maxSeconds is accepted and then ignored. */
class DurationIgnored extends ReferenceProvider {
  override provision(spec: ProvisionSpec, options?: ProvisionOptions): Promise<SandboxNode> {
    this.validateSpec(spec);
    const { duration: _dropped, ...rest } = spec;
    return super.provision(rest, options);
  }
}

describeProvider({
  name: "broken: duration limit ignored",
  createProvider: () => new DurationIgnored(),
  options: { ...SELF_TEST_OPTIONS, expectFailures: ["lifecycle.duration-limit"] },
});
