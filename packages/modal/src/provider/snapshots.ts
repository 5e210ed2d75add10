import {
  InvalidArgumentError,
  mergeSpec,
  type ProvisionSpec,
  type SnapshotRef,
  TimeoutError,
  type ValidProvisionSpec,
} from "@openlattice/core";
import type { Image, Sandbox } from "modal";
import { mapModalError } from "./map-modal-error.js";
import { shareableSpec } from "./sandbox-meta.js";

/** What a snapshot ref records about the secrets of its source, without their values. */
interface SecretShape {
  /** Names of `runtime.env` variables (values are never in refs: they may be secrets). */
  readonly envNames: readonly string[];
  /** Whether the source joined a tailnet (the key is never in refs). */
  readonly tailscale: boolean;
}

/**
 * Takes a filesystem snapshot within `timeoutMs`. It never waits for running execs (like the
 * local provider, it captures the filesystem as it is at that moment), and the whole call,
 * including the SDK's task lookup, is bounded: at the budget it rejects with `timeout`.
 */
export async function takeSnapshot(
  sandbox: Sandbox,
  externalId: string,
  spec: ValidProvisionSpec | undefined,
  budget: { readonly timeoutMs: number; readonly ttlMs: number | null },
): Promise<SnapshotRef> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new TimeoutError(`modal snapshot ${externalId}: not done within ${budget.timeoutMs} ms (snapshotTimeoutMs)`, {
            provider: "modal",
            details: { externalId, timeoutMs: budget.timeoutMs },
          }),
        ),
      budget.timeoutMs,
    );
  });
  const work = sandbox.snapshotFilesystem({ timeoutMs: budget.timeoutMs, ttlMs: budget.ttlMs });
  work.catch(() => undefined);
  let image: Image;
  try {
    image = await Promise.race([work, deadline]);
  } catch (error) {
    throw mapModalError(error, { operation: "snapshot", externalId });
  } finally {
    if (timer) clearTimeout(timer);
  }
  const secrets: SecretShape | undefined = spec
    ? { envNames: Object.keys(spec.runtime?.env ?? {}), tailscale: spec.network?.tailscaleAuthKey !== undefined }
    : undefined;
  return {
    provider: "modal",
    externalId: image.imageId,
    type: "filesystem",
    createdAt: new Date(),
    sourceExternalId: externalId,
    metadata: {
      imageId: image.imageId,
      ttlMs: budget.ttlMs,
      ...(spec ? { spec: shareableSpec(spec) } : {}),
      ...(secrets ? { secrets } : {}),
    },
  };
}

/**
 * The spec to restore a snapshot with. In the process that took it, the full spec (env and
 * Tailscale key included) is remembered. Anywhere else the ref carries the spec without
 * secret values, so env variables and the Tailscale key must come in `overrides`; restore
 * fails with `invalid_argument` saying exactly what to pass rather than silently dropping them.
 */
export function restoreSpec(
  ref: SnapshotRef,
  remembered: ValidProvisionSpec | undefined,
  overrides: Partial<ProvisionSpec> | undefined,
): ProvisionSpec {
  if (remembered) return mergeSpec(remembered, overrides);
  const base = (ref.metadata?.spec ?? {}) as ProvisionSpec;
  const secrets = ref.metadata?.secrets as SecretShape | undefined;
  const missing: string[] = [];
  const envNames = secrets?.envNames ?? [];
  if (envNames.length > 0 && overrides?.runtime?.env === undefined) {
    missing.push(`runtime.env with ${envNames.map((name) => JSON.stringify(name)).join(", ")}`);
  }
  if (secrets?.tailscale && overrides?.network?.tailscaleAuthKey === undefined) {
    missing.push("network.tailscaleAuthKey");
  }
  if (missing.length > 0) {
    throw new InvalidArgumentError(
      "overrides",
      `snapshot ${ref.externalId} was taken from a sandbox with secrets that snapshot refs never store, and this process does not hold them; pass ${missing.join(" and ")} in overrides, e.g. restore(ref, { runtime: { ...ref.metadata.spec.runtime, env: {...} }${secrets?.tailscale ? ", network: { ...ref.metadata.spec.network, tailscaleAuthKey }" : ""} }) (an override replaces its whole section)`,
      { provider: "modal", details: { missing, envNames: [...envNames] } },
    );
  }
  return mergeSpec(base, overrides);
}
