import { InvalidArgumentError, UnsupportedError } from "@openlattice/core";
import type { IsolationProbe } from "../host/probe.js";
import type { IsolationTier } from "../options.js";

const PROVIDER = "local";

/** Picks the tier: `none` when asked for or when namespaces are unavailable (with the reason). */
export function chooseTier(wanted: string, probe: IsolationProbe): { tier: IsolationTier; reason?: string } {
  if (!["auto", "namespace", "none"].includes(wanted)) {
    throw new InvalidArgumentError("isolation", 'must be "auto", "namespace" or "none"', { provider: PROVIDER });
  }
  if ("reason" in probe.agent) throw new UnsupportedError("platform", probe.agent.reason, { provider: PROVIDER });
  const namespace = probe.namespace;
  if (wanted === "namespace" && !namespace.available) {
    throw new UnsupportedError("isolation", `the namespace tier is unavailable: ${namespace.reason}`, {
      provider: PROVIDER,
    });
  }
  if (wanted === "none")
    return { tier: "none", reason: "isolation: none was requested; commands run as plain host processes" };
  if (namespace.available) return { tier: "namespace" };
  return { tier: "none", reason: `namespace tier unavailable: ${namespace.reason}` };
}
