import { constants } from "node:fs";
import { access } from "node:fs/promises";
import {
  type Capabilities,
  CapacityError,
  checkSpecAgainstCapabilities,
  type ExecOptions,
  type ExecResult,
  type ExtensionOf,
  type Extensions,
  type HealthReport,
  InvalidArgumentError,
  mergeSpec,
  NotFoundError,
  type Provider,
  type ProvisionOptions,
  type ProvisionSpec,
  parseExecRequest,
  parseProvisionSpec,
  parseSnapshotRef,
  runSetupCommand,
  type SandboxInfo,
  type SandboxNode,
  type SnapshotRef,
  SPECIFICATION_VERSION,
  UnavailableError,
  UnsupportedError,
  type ValidProvisionSpec,
} from "@openlattice/core";
import { buildCapabilities } from "./capabilities.js";
import { asSandboxError } from "./errors.js";
import { describeLayout } from "./host/cgroup-layout.js";
import { type IsolationProbe, probeIsolation } from "./host/probe.js";
import { type IsolationTier, type LocalProviderOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { parseImage } from "./sandbox/images.js";
import { LocalSandbox, newSandboxId, type SandboxEnvironment } from "./sandbox/local-sandbox.js";
import { type PruneResult, type SnapshotManifest, SnapshotStore } from "./snapshots/snapshot-store.js";
import { type ReapReport, reapOrphans } from "./state/reaper.js";
import { StateLayout } from "./state/state-layout.js";

const PROVIDER = "local";
/** How many ended sandboxes `inspect` still knows about. */
const MAX_RETIRED = 10_000;
/** Pool refills started at once. */
const MAX_CONCURRENT_FILLS = 2;
/** Quiet time after the last hand-out before the pool refills. */
const REFILL_DELAY_MS = 100;

/** Options of `pruneSnapshots`. */
export interface PruneOptions {
  /** How many of the newest snapshots to keep. */
  readonly keepLast: number;
  /** Only consider snapshots of this sandbox. */
  readonly sourceExternalId?: string;
  /** Keep the newest `keepLast` of every source sandbox instead of overall. */
  readonly perSource?: boolean;
}

/**
 * The embedded openlattice provider. On Linux with bubblewrap (as root) every sandbox is a
 * real namespace sandbox with cgroup limits; elsewhere it degrades to the `none` tier, and says
 * so in `capabilities`. See `LocalProviderOptions` for the knobs.
 */
export class LocalProvider implements Provider {
  readonly name = PROVIDER;
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly capabilities: Capabilities;
  /** The isolation tier this provider runs. */
  readonly tier: IsolationTier;

  private readonly options: ResolvedOptions;
  private readonly probe: IsolationProbe;
  private readonly layout: StateLayout;
  private readonly environment: SandboxEnvironment;
  private readonly store: SnapshotStore;
  private readonly sandboxes = new Map<string, LocalSandbox>();
  private readonly pending = new Map<string, Promise<LocalSandbox>>();
  /** Sandboxes whose destroy was requested while they were still starting. */
  private readonly doomed = new Set<string>();
  private readonly idempotency = new Map<string, Promise<SandboxNode>>();
  /** Ended sandboxes, oldest first; kept (light) so `inspect` can say `terminated`, then forgotten. */
  private readonly retired = new Set<string>();
  /** Pre-started default sandboxes (see `warmPool`). */
  private readonly pool: LocalSandbox[] = [];
  private readonly filling = new Set<Promise<unknown>>();
  private poolClosed = false;
  private refillTimer: NodeJS.Timeout | undefined;
  private readonly ready: Promise<ReapReport>;

  constructor(options: LocalProviderOptions = {}) {
    this.options = resolveOptions(options);
    this.probe = probeIsolation({ hostUid: this.options.hostUid, sandboxUid: this.options.sandboxUid });
    const wanted = this.options.isolation;
    if (!["auto", "namespace", "none"].includes(wanted)) {
      throw new InvalidArgumentError("isolation", 'must be "auto", "namespace" or "none"', { provider: PROVIDER });
    }
    const namespace = this.probe.namespace;
    let reason: string | undefined;
    if (wanted === "namespace" && !namespace.available) {
      throw new UnsupportedError("isolation", `the namespace tier is unavailable: ${namespace.reason}`, {
        provider: PROVIDER,
      });
    }
    if (wanted === "none") {
      this.tier = "none";
      reason = "isolation: none was requested; commands run as plain host processes";
    } else if (namespace.available) {
      this.tier = "namespace";
    } else {
      this.tier = "none";
      reason = `namespace tier unavailable: ${namespace.reason}`;
    }
    this.capabilities = Object.freeze(buildCapabilities(this.tier, this.probe, reason));
    try {
      this.layout = new StateLayout(this.options.stateDir);
    } catch (error) {
      throw new UnavailableError(
        `state directory ${this.options.stateDir} is not usable: ${(error as Error).message}`,
        {
          provider: PROVIDER,
          cause: error,
        },
      );
    }
    this.store = new SnapshotStore(this.layout.snapshots);
    this.environment = {
      provider: PROVIDER,
      options: this.options,
      probe: this.probe,
      tier: this.tier,
      layout: this.layout,
    };
    this.ready = this.options.reapOnStart
      ? reapOrphans(this.layout, this.probe.cgroups).catch(() => ({ reaped: [] }))
      : Promise.resolve({ reaped: [] });
    if (this.options.warmPool > 0) void this.ready.then(() => this.refill());
  }

  /** Starts pooled sandboxes until the pool is full again. */
  private refill(): void {
    if (this.poolClosed || this.tier !== "namespace") return;
    // At most two starts at a time: refilling must not starve the sandboxes just handed out.
    while (this.pool.length + this.filling.size < this.options.warmPool && this.filling.size < MAX_CONCURRENT_FILLS) {
      const fill = LocalSandbox.start(newSandboxId(), {}, { kind: "host" }, this.environment, {
        onEnded: (ended) => {
          const index = this.pool.indexOf(ended);
          if (index >= 0) this.pool.splice(index, 1);
        },
      })
        .then(async (sandbox) => {
          if (this.poolClosed) await sandbox.teardown("pool closed");
          else this.pool.push(sandbox);
        })
        .catch(() => {
          // A failed start leaves nothing behind; the next hand-out tries again.
        });
      this.filling.add(fill);
      void fill.finally(() => {
        this.filling.delete(fill);
        this.refill();
      });
    }
  }

  /**
   * Refills once hand-outs pause: starting sandboxes during a burst would compete for the CPU
   * with the sandboxes just handed out.
   */
  private scheduleRefill(): void {
    if (this.refillTimer) clearTimeout(this.refillTimer);
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      this.refill();
    }, REFILL_DELAY_MS);
    this.refillTimer.unref();
  }

  /** Resolves once the warm pool is full (immediately when there is none). */
  async warmUp(): Promise<void> {
    await this.ready;
    if (this.refillTimer) clearTimeout(this.refillTimer);
    this.refill();
    while (this.filling.size > 0) await Promise.all(this.filling);
  }

  /** Destroys every sandbox, pooled ones included, and stops refilling the pool. */
  async close(): Promise<void> {
    this.poolClosed = true;
    if (this.refillTimer) clearTimeout(this.refillTimer);
    await Promise.all(this.filling);
    await Promise.all(this.pool.splice(0).map((sandbox) => sandbox.teardown("pool closed")));
    await this.destroyAll();
  }

  /** Resolves once sandboxes left by crashed processes have been reaped; says which. */
  whenReady(): Promise<ReapReport> {
    return this.ready;
  }

  /** The state directory in use. */
  get stateDir(): string {
    return this.options.stateDir;
  }

  provision = async (spec: ProvisionSpec, options: ProvisionOptions = {}): Promise<SandboxNode> => {
    const valid = parseProvisionSpec(spec, PROVIDER);
    checkSpecAgainstCapabilities(valid, this.capabilities, PROVIDER);
    const key = valid.idempotencyKey;
    if (key !== undefined) {
      const existing = this.idempotency.get(key);
      if (existing) return existing;
      const created = this.createAndSetUp(valid, options);
      this.idempotency.set(key, created);
      created.catch(() => this.idempotency.delete(key));
      return created;
    }
    return this.createAndSetUp(valid, options);
  };

  /** Creates the sandbox, then runs the spec's setup command to completion (see `runSetupCommand`). */
  private async createAndSetUp(
    spec: ValidProvisionSpec,
    options: ProvisionOptions,
    manifest?: SnapshotManifest,
  ): Promise<SandboxNode> {
    const node = await this.create(spec, options, manifest);
    const command = spec.runtime?.command;
    if (command) {
      await runSetupCommand({
        provider: PROVIDER,
        externalId: node.externalId,
        command,
        exec: (argv, execOptions) => this.exec(node.externalId, argv, execOptions),
        destroy: () => this.destroy(node.externalId),
        signal: options.signal,
      });
    }
    return node;
  }

  private async create(
    spec: ValidProvisionSpec,
    options: ProvisionOptions & { seed?: (workspace: string) => Promise<unknown> } = {},
    manifest?: SnapshotManifest,
  ): Promise<SandboxNode> {
    const image = parseImage(spec.runtime?.image, PROVIDER);
    if (this.tier === "none" && image.kind !== "host") {
      throw new UnsupportedError(
        "image",
        `runtime.image: ${image.kind}: images need the namespace tier; this provider runs the none tier (${this.capabilities.limitations?.isolation ?? ""})`,
        { provider: PROVIDER },
      );
    }
    if (spec.gpu && spec.gpu.count > (this.capabilities.constraints.maxGpuCount ?? 0)) {
      throw new CapacityError(
        `gpu.count ${spec.gpu.count}: this host has ${this.capabilities.constraints.maxGpuCount ?? 0} GPUs`,
        {
          provider: PROVIDER,
        },
      );
    }
    await this.ready;
    options.signal?.throwIfAborted();
    if (!manifest && this.pool.length > 0 && LocalSandbox.poolCompatible(spec)) {
      const pooled = this.pool.shift() as LocalSandbox;
      this.scheduleRefill();
      try {
        pooled.adopt(spec, (ended) => this.retire(ended));
        this.sandboxes.set(pooled.id, pooled);
        return this.nodeOf(pooled);
      } catch {
        // It ended while pooled: start a fresh one below.
      }
    }
    const id = newSandboxId();
    const starting = LocalSandbox.start(id, spec, image, this.environment, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(manifest ? { seed: (workspace, owner) => this.store.materialize(manifest, workspace, owner) } : {}),
      onEnded: (ended) => this.retire(ended),
    });
    this.pending.set(id, starting);
    let sandbox: LocalSandbox;
    try {
      sandbox = await starting;
    } catch (error) {
      throw asSandboxError(error, "could not start the sandbox", options.signal);
    } finally {
      this.pending.delete(id);
    }
    this.sandboxes.set(id, sandbox);
    if (this.doomed.delete(id)) {
      await sandbox.teardown("destroyed");
      this.retire(sandbox);
    }
    return this.nodeOf(sandbox);
  }

  private nodeOf(sandbox: LocalSandbox): SandboxNode {
    const spec = sandbox.spec;
    return {
      externalId: sandbox.id,
      provider: PROVIDER,
      status: sandbox.status,
      createdAt: sandbox.createdAt,
      labels: spec.labels ?? {},
      ...(spec.name !== undefined ? { name: spec.name } : {}),
    };
  }

  private lookup(externalId: string): LocalSandbox {
    if (typeof externalId !== "string" || externalId === "") {
      throw new InvalidArgumentError("externalId", "must be a non-empty string", { provider: PROVIDER });
    }
    const sandbox = this.sandboxes.get(externalId);
    if (!sandbox) {
      throw new NotFoundError(`no sandbox ${JSON.stringify(externalId)} in this provider`, {
        provider: PROVIDER,
        details: { externalId },
      });
    }
    return sandbox;
  }

  exec = async (externalId: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> => {
    const request = parseExecRequest(argv, options, PROVIDER, this.capabilities);
    return this.lookup(externalId).exec(request);
  };

  destroy = async (externalId: string): Promise<void> => {
    const starting = this.pending.get(externalId);
    if (starting) {
      this.doomed.add(externalId);
      await starting.catch(() => {});
    }
    const sandbox = this.sandboxes.get(externalId);
    if (!sandbox) return;
    await sandbox.teardown("destroyed");
    this.retire(sandbox);
  };

  /** Drops an ended sandbox's heavy state; after `MAX_RETIRED` newer ones it is forgotten entirely. */
  private retire(sandbox: LocalSandbox): void {
    if (this.retired.has(sandbox.id)) return;
    sandbox.statCache = new Map();
    this.retired.add(sandbox.id);
    for (const oldest of this.retired) {
      if (this.retired.size <= MAX_RETIRED) break;
      this.retired.delete(oldest);
      this.sandboxes.delete(oldest);
    }
  }

  inspect = async (externalId: string): Promise<SandboxInfo> => {
    if (typeof externalId === "string" && externalId !== "" && !this.sandboxes.has(externalId)) {
      return { externalId, provider: PROVIDER, status: "terminated", reason: "not found", labels: {} };
    }
    return this.lookup(externalId).info();
  };

  snapshot = async (externalId: string): Promise<SnapshotRef> => {
    const sandbox = this.lookup(externalId);
    sandbox.ensureLive();
    const { labels, name, idempotencyKey, ...rest } = sandbox.spec;
    const spec: ProvisionSpec = { ...rest, ...(labels ? { labels } : {}) };
    void name;
    void idempotencyKey;
    try {
      const manifest = await sandbox.quiesced(() =>
        this.store.capture(sandbox.workspaceHost, sandbox.statCache, { sourceExternalId: sandbox.id, spec }),
      );
      return toRef(manifest);
    } catch (error) {
      // A sandbox destroyed mid-snapshot says so; anything else is our failure.
      sandbox.ensureLive();
      throw asSandboxError(error, "snapshot failed");
    }
  };

  restore = async (ref: SnapshotRef, overrides?: Partial<ProvisionSpec>): Promise<SandboxNode> => {
    const parsed = parseSnapshotRef(ref);
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
      throw new NotFoundError(
        `snapshot ${JSON.stringify(parsed.externalId)} does not exist in ${this.options.stateDir}`,
        {
          provider: PROVIDER,
        },
      );
    }
    const spec = parseProvisionSpec(mergeSpec(manifest.spec, overrides), PROVIDER);
    checkSpecAgainstCapabilities(spec, this.capabilities, PROVIDER);
    return this.createAndSetUp(spec, {}, manifest);
  };

  /**
   * Live sandboxes of this provider (not part of spec v1), optionally only those carrying every
   * given label.
   */
  async list(filter: { labels?: Readonly<Record<string, string>> } = {}): Promise<(SandboxInfo & SandboxNode)[]> {
    const wanted = Object.entries(filter.labels ?? {});
    return [...this.sandboxes.values()]
      .filter((sandbox) => sandbox.status === "running" || sandbox.status === "paused")
      .filter((sandbox) => wanted.every(([key, value]) => sandbox.spec.labels?.[key] === value))
      .map((sandbox) => sandbox.info());
  }

  /** Deletes old snapshots, keeping the newest `keepLast`; blobs still referenced stay. */
  pruneSnapshots(options: PruneOptions): Promise<PruneResult> {
    return pruneSnapshotStore(this.store, options);
  }

  /** Snapshots in the state dir, oldest first, as refs. */
  async listSnapshots(): Promise<SnapshotRef[]> {
    return (await this.store.list()).map(toRef);
  }

  healthCheck = async (): Promise<HealthReport> => {
    const started = performance.now();
    const missing: string[] = [];
    if (!this.probe.namespace.available) missing.push(this.probe.namespace.reason);
    for (const [feature, why] of Object.entries(this.capabilities.limitations ?? {})) {
      if (feature !== "isolation" && feature !== "snapshot") missing.push(`${feature}: ${why}`);
    }
    let healthy = true;
    let message: string | undefined;
    try {
      await this.ready;
      await access(this.layout.sandboxes, constants.W_OK);
    } catch (error) {
      healthy = false;
      message = `state directory ${this.options.stateDir} is not writable: ${(error as Error).message}`;
    }
    if (healthy && missing.length > 0) message = `tier ${this.tier}; missing: ${missing.join("; ")}`;
    return {
      healthy,
      latencyMs: performance.now() - started,
      ...(message ? { message } : { message: `tier ${this.tier}` }),
      details: {
        tier: this.tier,
        stateDir: this.options.stateDir,
        bwrap: this.probe.namespace.available ? this.probe.namespace.tools.version : null,
        cgroups: describeLayout(this.probe.cgroups),
        socat: this.probe.socat ?? null,
        gpuDevices: this.probe.gpuDevices,
        missing,
        sandboxes: this.sandboxes.size - this.retired.size,
      },
    };
  };

  getExtension = <K extends string>(externalId: string, name: K): ExtensionOf<K> => {
    return this.extension(externalId, name) as ExtensionOf<K>;
  };

  private extension(externalId: string, name: string): Extensions[keyof Extensions] | undefined {
    if (!(this.capabilities.extensions as readonly string[]).includes(name)) return undefined;
    const sandbox = this.sandboxes.get(externalId);
    if (!sandbox) return undefined;
    switch (name) {
      case "files":
        return sandbox.filesExtension();
      case "network":
        return { getUrl: (port: number) => sandbox.getUrl(port) };
      case "metrics":
        return {
          sample: async () => ({ timestamp: new Date(), cpuSeconds: 0, memoryBytes: 0, ...(await sandbox.sample()) }),
        };
      case "lifecycle":
        return { pause: () => sandbox.pause(), resume: () => sandbox.resume() };
      default:
        return undefined;
    }
  }

  /** Destroys every sandbox this provider started. */
  async destroyAll(): Promise<void> {
    const live = [...this.sandboxes.values()].filter((s) => s.status !== "terminated" && s.status !== "failed");
    await Promise.all([...this.pending.keys(), ...live.map((s) => s.id)].map((id) => this.destroy(id)));
  }
}

function toRef(manifest: SnapshotManifest): SnapshotRef {
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
    },
  };
}

function pruneSnapshotStore(store: SnapshotStore, options: PruneOptions): Promise<PruneResult> {
  if (!Number.isInteger(options?.keepLast) || options.keepLast < 0) {
    return Promise.reject(
      new InvalidArgumentError("keepLast", "must be a non-negative integer", { provider: PROVIDER }),
    );
  }
  return store.prune(options).catch((error: unknown) => {
    throw asSandboxError(error, "pruning snapshots failed");
  });
}

/**
 * Snapshot retention: keeps the newest `keepLast` snapshots of a provider (or of a state
 * directory, e.g. from a cleanup job) and deletes the rest, plus every blob no kept snapshot uses.
 */
export function pruneSnapshots(target: LocalProvider | string, options: PruneOptions): Promise<PruneResult> {
  if (target instanceof LocalProvider) return target.pruneSnapshots(options);
  return pruneSnapshotStore(new SnapshotStore(new StateLayout(target).snapshots), options);
}
