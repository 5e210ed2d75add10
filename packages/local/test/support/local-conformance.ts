/**
 * The shared conformance suite (@openlattice/conformance) against one tier of the local
 * provider: every requirement of Provider spec v1, on real sandboxes. One file per tier
 * (conformance-namespace.test.ts, conformance-none.test.ts), so the two run side by side.
 */
import { createServer } from "node:http";
import { describeProvider } from "@openlattice/conformance";
import { afterAll, describe, it } from "vitest";
import { LocalProvider } from "../../src/index.js";
import { SKIP_REASON, skipTier, type Tier, tempStateDir } from "../helpers.js";

export async function describeLocalConformance(tier: Tier): Promise<void> {
  if (skipTier(tier)) {
    describe(`conformance (${tier} tier)`, () => {
      it.skip(`runs the conformance suite${SKIP_REASON}`, () => {});
    });
    return;
  }
  // The egress cases need a URL a sandbox with egress "all" reaches: both tiers share the host
  // network then, so a server on the host's loopback is one (and egress "none" must not reach it).
  const probe = createServer((_request, response) => response.end("probe"));
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  afterAll(() => new Promise<void>((resolve) => probe.close(() => resolve())));
  const probeUrl = `http://127.0.0.1:${(probe.address() as { port: number }).port}/`;
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
