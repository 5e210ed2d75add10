import type { ProvisionOptions, ProvisionSpec, SandboxNode } from "@openlattice/core";
import { describeProvider } from "../../src/index.js";
import { ReferenceProvider } from "../../src/reference/index.js";
import { SELF_TEST_OPTIONS } from "../self-test-options.js";

/** Bug: idempotencyKey is accepted but ignored, so a retried provision creates a second sandbox. */
class IdempotencyKeyIgnored extends ReferenceProvider {
  override provision(spec: ProvisionSpec, options?: ProvisionOptions): Promise<SandboxNode> {
    this.validateSpec(spec);
    const { idempotencyKey: _dropped, ...rest } = spec;
    return super.provision(rest, options);
  }
}

describeProvider({
  name: "broken: idempotency key ignored",
  createProvider: () => new IdempotencyKeyIgnored(),
  options: { ...SELF_TEST_OPTIONS, expectFailures: ["sandbox.provision.idempotency-key"] },
});
