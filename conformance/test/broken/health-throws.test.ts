import type { HealthReport } from "@openlattice/core";
import { describeProvider } from "../../src/index.js";
import { ReferenceProvider } from "../../src/reference/index.js";
import { SELF_TEST_OPTIONS } from "../self-test-options.js";

/** Bug: healthCheck throws when the backend is unreachable instead of reporting unhealthy. */
class HealthThrows extends ReferenceProvider {
  override async healthCheck(): Promise<HealthReport> {
    throw new Error("backend unreachable");
  }
}

describeProvider({
  name: "broken: healthCheck throws",
  createProvider: () => new HealthThrows(),
  options: { ...SELF_TEST_OPTIONS, expectFailures: ["health.never-throws"] },
});
