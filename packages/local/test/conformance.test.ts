/**
 * The shared conformance suite (@openlattice/conformance), run against both tiers: every
 * requirement of Provider spec v1, on real sandboxes.
 */
import { createServer } from "node:http";
import { describeProvider } from "@openlattice/conformance";
import { afterAll, describe, it } from "vitest";
import { LocalProvider } from "../src/index.js";
import { SKIP_REASON, skipTier, TIERS, tempStateDir } from "./helpers.js";

// The egress cases need a URL a sandbox with egress "all" reaches: both tiers then share the
// host network, so a server on the host's loopback is one (and egress "none" must not reach it).
const probe = createServer((_request, response) => response.end("probe"));
await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
afterAll(() => new Promise<void>((resolve) => probe.close(() => resolve())));
const probeUrl = `http://127.0.0.1:${(probe.address() as { port: number }).port}/`;

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
    // The probe server is on the host's loopback, which egress "all" reaches only with
    // allowHostLoopback (hardening-egress.test.ts checks that it is unreachable without).
    createProvider: () => new LocalProvider({ isolation: tier, stateDir, allowHostLoopback: true }),
    options: {
      image: "host",
      probeUrl,
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
