import { UnsupportedError } from "@openlattice/core";
import { checkRange, HostIdAllocator } from "../host/host-ids.js";
import type { IsolationProbe } from "../host/probe.js";
import { planSeccomp, type SeccompPlan, seccompProblem } from "../host/seccomp.js";
import { slirpProblem } from "../network/slirp-egress.js";
import type { IsolationTier, ResolvedOptions } from "../options.js";

const PROVIDER = "local";

/** The hardening a provider applies to its namespace sandboxes, settled once at construction. */
export interface Hardening {
  readonly seccomp: SeccompPlan;
  /** Why egress "all" cannot have a private network namespace here; undefined when it can. */
  readonly egressProblem: string | undefined;
  readonly hostIds: HostIdAllocator | undefined;
}

/**
 * Checks the hardening options against this host: an unknown seccomp option is
 * `invalid_argument`, a missing filter file `unsupported`, a bad uid range `invalid_argument`.
 */
export function planHardening(options: ResolvedOptions, probe: IsolationProbe, tier: IsolationTier): Hardening {
  const seccomp = planSeccomp(options.seccomp, PROVIDER);
  const missing = tier === "namespace" ? seccompProblem(seccomp) : undefined;
  if (missing) throw new UnsupportedError("seccomp", missing, { provider: PROVIDER });
  const perSandboxUids = tier === "namespace" && probe.root && options.hostIdRange;
  return {
    seccomp,
    egressProblem: options.allowHostLoopback ? undefined : slirpProblem(probe.root),
    hostIds: perSandboxUids ? new HostIdAllocator(checkRange(options.hostIdRange, PROVIDER)) : undefined,
  };
}
