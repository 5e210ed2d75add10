import type { Capabilities } from "@openlattice/core";
import { describeProvider } from "../../src/index.js";
import { ReferenceProvider } from "../../src/reference/index.js";
import { SELF_TEST_OPTIONS } from "../self-test-options.js";

/** Bug: capabilities say snapshots are unsupported, yet snapshot works instead of throwing unsupported. */
class SnapshotUnsupportedLie extends ReferenceProvider {
  override readonly capabilities: Capabilities = {
    ...new ReferenceProvider().capabilities,
    snapshot: false,
    snapshotTypes: [],
  };
}

describeProvider({
  name: "broken: unsupported claimed, operation works",
  createProvider: () => new SnapshotUnsupportedLie(),
  options: { ...SELF_TEST_OPTIONS, expectFailures: ["snapshot.restore.isolated", "snapshot.ref.json"] },
});
