/**
 * The shared conformance suite (@openlattice/conformance), run against both tiers: every
 * requirement of Provider spec v1, on real sandboxes.
 */
import { describeProvider } from "@openlattice/conformance";
import { describe, it } from "vitest";
import { LocalProvider } from "../src/index.js";
import { SKIP_REASON, skipTier, TIERS, tempStateDir } from "./helpers.js";

for (const tier of TIERS) {
  if (skipTier(tier)) {
    describe(`conformance (${tier} tier)`, () => {
      it.skip(`runs the conformance suite${SKIP_REASON}`, () => {});
    });
    continue;
  }
  const stateDir = tempStateDir(`ol-conformance-${tier}-`);
  describeProvider({
    name: `local-${tier}`,
    createProvider: () => new LocalProvider({ isolation: tier, stateDir }),
    options: {
      image: "host",
      // Local sandboxes start in milliseconds: waits sized for remote providers only slow failures down.
      timeouts: {
        caseMs: 60_000,
        cleanupMs: 20_000,
        killGraceMs: 5_000,
        durationGraceMs: 10_000,
        networkReadyMs: 10_000,
      },
    },
  });
}
