import { NotFoundError } from "@openlattice/core";
import { describeProvider } from "../../src/index.js";
import { ReferenceProvider } from "../../src/reference/index.js";
import { SELF_TEST_OPTIONS } from "../self-test-options.js";

/** Bug: destroying an id that is unknown or already destroyed throws not_found instead of resolving. */
class DestroyNotIdempotent extends ReferenceProvider {
  private readonly destroyed = new Set<string>();
  override async destroy(externalId: string): Promise<void> {
    const known = (await this.inspect(externalId)).reason !== "not found";
    if (!known || this.destroyed.has(externalId)) throw new NotFoundError(`no sandbox ${externalId}`);
    this.destroyed.add(externalId);
    await super.destroy(externalId);
  }
}

describeProvider({
  name: "broken: destroy not idempotent",
  createProvider: () => new DestroyNotIdempotent(),
  options: {
    ...SELF_TEST_OPTIONS,
    expectFailures: ["sandbox.destroy.twice", "sandbox.destroy.unknown", "sandbox.destroy.after-exit"],
  },
});
