import {
  InvalidArgumentError,
  mergeSpec,
  NotFoundError,
  type ProvisionSpec,
  parseProvisionSpec,
  parseSnapshotRef,
  type SnapshotRef,
  type ValidProvisionSpec,
} from "@openlattice/core";
import { asSandboxError } from "../errors.js";
import type { LocalSandbox } from "../sandbox/local-sandbox.js";
import type { PruneResult, SnapshotManifest, SnapshotStore } from "../snapshots/snapshot-store.js";

const PROVIDER = "local";

/** Options of `pruneSnapshots`. */
export interface PruneOptions {
  /** How many of the newest snapshots to keep. */
  readonly keepLast: number;
  /** Only consider snapshots of this sandbox. */
  readonly sourceExternalId?: string;
  /** Keep the newest `keepLast` of every source sandbox instead of overall. */
  readonly perSource?: boolean;
}

export function toRef(manifest: SnapshotManifest): SnapshotRef {
  return {
    provider: PROVIDER,
    externalId: manifest.id,
    type: "filesystem",
    createdAt: new Date(manifest.createdAt),
    sourceExternalId: manifest.sourceExternalId,
    metadata: {
      files: manifest.entries.filter((entry) => entry.type === "file").length,
      totalBytes: manifest.totalBytes,
      newBytes: manifest.newBytes,
      newBlobs: manifest.newBlobs,
      hashedFiles: manifest.hashedFiles,
      ...(manifest.envNames ? { envNames: [...manifest.envNames] } : {}),
    },
  };
}

/**
 * Snapshots of local sandboxes: the workspace goes to the content-addressed store (with the
 * sandbox frozen where it can be); the spec goes with it, minus env values, which are never
 * written to disk. They are kept in this object's memory for restores by the same provider.
 */
export class SnapshotService {
  /** Env values of snapshots taken by this provider instance (never at rest). */
  private readonly envs = new Map<string, Record<string, string>>();

  constructor(private readonly store: SnapshotStore) {}

  async snapshot(sandbox: LocalSandbox): Promise<SnapshotRef> {
    sandbox.ensureLive();
    const { labels, runtime, name, idempotencyKey, ...rest } = sandbox.spec;
    void name;
    void idempotencyKey;
    const env = runtime?.env;
    const spec: ProvisionSpec = {
      ...rest,
      ...(labels ? { labels } : {}),
      ...(runtime ? { runtime: { ...runtime, env: undefined } } : {}),
    };
    try {
      const manifest = await sandbox.quiesced(() =>
        this.store.capture(sandbox.workspaceHost, sandbox.statCache, {
          sourceExternalId: sandbox.id,
          spec,
          envNames: Object.keys(env ?? {}),
        }),
      );
      if (env && Object.keys(env).length > 0) this.envs.set(manifest.id, { ...env });
      return toRef(manifest);
    } catch (error) {
      // A sandbox destroyed mid-snapshot says so; anything else is our failure.
      sandbox.ensureLive();
      throw asSandboxError(error, "snapshot failed");
    }
  }

  /**
   * The manifest and the spec to restore `ref` with. A runtime section in `overrides` replaces the
   * snapshot's (its env with it; the image stays the snapshot's unless given); without one, env
   * values come from this instance's memory, and a restore that would silently lose them is
   * refused, naming what to pass.
   */
  async resolve(
    ref: SnapshotRef,
    overrides: Partial<ProvisionSpec> | undefined,
    stateDir: string,
  ): Promise<{ manifest: SnapshotManifest; spec: ValidProvisionSpec }> {
    const parsed = parseSnapshotRef(ref, PROVIDER);
    if (parsed.provider !== PROVIDER) {
      throw new InvalidArgumentError(
        "ref.provider",
        `snapshot belongs to provider ${JSON.stringify(parsed.provider)}`,
        {
          provider: PROVIDER,
        },
      );
    }
    const manifest = await this.store.load(parsed.externalId);
    if (!manifest) {
      throw new NotFoundError(`snapshot ${JSON.stringify(parsed.externalId)} does not exist in ${stateDir}`, {
        provider: PROVIDER,
      });
    }
    const remembered = this.envs.get(manifest.id);
    // A given runtime section replaces the snapshot's (spec: overrides replace sections), env
    // included; only without one do the snapshot's env values have to come from somewhere.
    const replaced = overrides?.runtime !== undefined;
    const missing = replaced ? [] : (manifest.envNames ?? []).filter((key) => remembered?.[key] === undefined);
    if (missing.length > 0) {
      throw new InvalidArgumentError(
        "overrides.runtime.env",
        `snapshot ${manifest.id} was taken with runtime.env ${missing.join(", ")}, whose values are not stored at rest; ` +
          `pass them with restore(ref, { runtime: { env: { … } } })`,
        { provider: PROVIDER },
      );
    }
    const base = manifest.spec.runtime;
    const runtime = replaced
      ? { ...overrides.runtime, image: overrides.runtime?.image ?? base?.image ?? "host" }
      : { ...base, image: base?.image ?? "host", env: { ...remembered } };
    const merged = mergeSpec(manifest.spec, { ...overrides, runtime });
    return { manifest, spec: parseProvisionSpec(merged, PROVIDER) };
  }
}

export function pruneSnapshotStore(store: SnapshotStore, options: PruneOptions): Promise<PruneResult> {
  if (!Number.isInteger(options?.keepLast) || options.keepLast < 0) {
    return Promise.reject(
      new InvalidArgumentError("keepLast", "must be a non-negative integer", { provider: PROVIDER }),
    );
  }
  return store.prune(options).catch((error: unknown) => {
    throw asSandboxError(error, "pruning snapshots failed");
  });
}
