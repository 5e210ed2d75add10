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

/**
 * Requirements the local provider violates today, recorded in conformance/KNOWN-PROVIDER-FAILURES.md
 * (conformance v2, issue #11; the fixes belong to the local engine rewrite, issue #12). The
 * report still says `fail` for them; remove an entry once it passes (the run fails until then).
 */
const KNOWN_FAILURES = [
  // A second LocalProvider on the same stateDir neither lists nor inspects the first one's sandboxes.
  "sandbox.list.shared",
  // A missing cwd rejects with invalid_argument; the spec (ExecOptions.cwd) says not_found.
  "exec.cwd.missing",
  // restore() of a malformed ref rejects with core's parseSnapshotRef error, which names no provider.
  "errors.typed",
  // Sandboxes do not outlive their provider instance yet (#14's reconnect): a fresh instance has
  // no processes extension for a sandbox another instance started.
  "processes.attach.reconnect",
];

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
      expectFailures: KNOWN_FAILURES,
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
