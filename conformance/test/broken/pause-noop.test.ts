import type { LifecycleExtension } from "@openlattice/core";
import { describeProvider } from "../../src/index.js";
import { ReferenceProvider } from "../../src/reference/index.js";
import { SELF_TEST_OPTIONS } from "../self-test-options.js";

/** Bug: pause only flips the reported status; the processes keep running. */
class PauseNoop extends ReferenceProvider {
  protected override lifecycle(externalId: string): LifecycleExtension {
    const real = super.lifecycle(externalId);
    return {
      pause: async () => {
        await real.pause();
        await real.resume();
        // Report "paused" while everything runs on.
        this.live(externalId).status = "paused";
      },
      resume: () => real.resume(),
    };
  }
}

describeProvider({
  name: "broken: pause does not stop processes",
  createProvider: () => new PauseNoop(),
  options: { ...SELF_TEST_OPTIONS, expectFailures: ["lifecycle.pause-resume"] },
});
