import { InvalidArgumentError, parseProvisionSpec, UnavailableError, UnsupportedError } from "@openlattice/core";
import type { IsolationProbe } from "../host/probe.js";
import type { IsolationTier, WarmPoolOptions } from "../options.js";
import { WarmPool } from "../pool/warm-pool.js";
import { LocalSandbox, newSandboxId, type SandboxEnvironment } from "../sandbox/local-sandbox.js";
import { StateLayout } from "../state/state-layout.js";

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

/** The state directory's layout, or `unavailable` saying why it cannot be used. */
export function openStateLayout(stateDir: string, traversableWork: boolean): StateLayout {
  try {
    return new StateLayout(stateDir, { traversableWork });
  } catch (error) {
    throw new UnavailableError(`state directory ${stateDir} is not usable: ${(error as Error).message}`, {
      provider: PROVIDER,
      cause: error,
    });
  }
}

/** The warm pool (none when its size is 0), filled once crashed runs were reaped. */
export function startPool(
  options: Required<WarmPoolOptions>,
  environment: SandboxEnvironment,
  ready: Promise<unknown>,
): WarmPool | undefined {
  if (options.size === 0) return undefined;
  const pool = new WarmPool(options, (onEnded) =>
    LocalSandbox.start(newSandboxId(), parseProvisionSpec({}, PROVIDER), { kind: "host" }, environment, { onEnded }),
  );
  void ready.then(() => pool.fill());
  return pool;
}
