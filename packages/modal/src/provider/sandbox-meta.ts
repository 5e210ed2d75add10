import type { ValidProvisionSpec } from "@openlattice/core";

/** What the provider remembers about a sandbox it created or re-attached to. */
export interface SandboxMeta {
  readonly createdAt: Date;
  readonly labels: Readonly<Record<string, string>>;
  readonly name?: string;
  /** The spec as given (with secrets); kept in memory only, never in refs or inspect output. */
  readonly spec?: ValidProvisionSpec;
  readonly image?: string;
  readonly gpu?: { readonly type: string; readonly count: number };
  readonly tailscale: boolean;
  readonly ports?: readonly number[];
}

/**
 * A spec that is safe to put in a snapshot ref's metadata: JSON only, without the Tailscale
 * key and without environment values (they may be secrets; restore in the same process uses
 * the full spec kept in memory).
 */
export function shareableSpec(spec: ValidProvisionSpec): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(spec)) as {
    runtime?: { env?: Record<string, string> };
    network?: { tailscaleAuthKey?: string };
    idempotencyKey?: string;
  };
  if (copy.runtime?.env) delete copy.runtime.env;
  if (copy.network?.tailscaleAuthKey !== undefined) delete copy.network.tailscaleAuthKey;
  delete copy.idempotencyKey;
  return copy as Record<string, unknown>;
}
