import {
  type Capabilities,
  checkSpecAgainstCapabilities,
  type ExecOptions,
  type ExecResult,
  type ExtensionOf,
  type HealthReport,
  InvalidArgumentError,
  NotFoundError,
  type Provider,
  type ProvisionOptions,
  type ProvisionSpec,
  parseExecRequest,
  parseProvisionSpec,
  runSetupCommand,
  type SandboxInfo,
  type SandboxNode,
  type SnapshotRef,
  SPECIFICATION_VERSION,
  type ValidProvisionSpec,
} from "@openlattice/core";
import { buildCapabilities } from "./capabilities.js";
import { asSandboxError } from "./errors.js";
import { type IsolationProbe, probeIsolation } from "./host/probe.js";
import type { PruneImagesResult } from "./images/image-store-options.js";
import { ProviderImages } from "./images/provider/provider-images.js";
import {
  checkOptions,
  type IsolationTier,
  type LocalProviderOptions,
  type ResolvedOptions,
  resolveOptions,
} from "./options.js";
import { poolCompatible, type WarmPool } from "./pool/warm-pool.js";
import { admitSpec } from "./provider/admission.js";
import { extensionOf } from "./provider/extensions.js";
import { planHardening } from "./provider/hardening.js";
import { healthReport } from "./provider/health.js";
import { liveSandboxes, sharedSandboxes } from "./provider/shared-sandboxes.js";
import { type PruneOptions, pruneSnapshotStore, SnapshotService, toRef } from "./provider/snapshots.js";
import { chooseTier, openStateLayout, startPool } from "./provider/tier.js";
import { LocalSandbox, newSandboxId, type SandboxEnvironment } from "./sandbox/local-sandbox.js";
import { sandboxNode } from "./sandbox/sandbox-info.js";
import type { SnapshotManifest } from "./snapshots/snapshot-store.js";
import { type PruneResult, SnapshotStore } from "./snapshots/snapshot-store.js";
import { currentOwner } from "./state/owner.js";
import { type ReapReport, reapOrphans } from "./state/reaper.js";
import { StateLayout } from "./state/state-layout.js";

export type { PruneOptions } from "./provider/snapshots.js";

const PROVIDER = "local";
/** How many ended sandboxes `inspect` still knows about. */
const MAX_RETIRED = 10_000;

/**
 * The embedded openlattice provider. On Linux with bubblewrap (root or not) every sandbox is a
 * real namespace sandbox driven by an in-sandbox agent, with cgroup limits where cgroups are
 * writable; elsewhere it degrades to the `none` tier, and says so in `capabilities`.
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
  private readonly snapshots: SnapshotService;
  /** Shared with every instance of this process on the same state dir (see `sharedSandboxes`). */
  private readonly sandboxes: Map<string, LocalSandbox>;
  /** The ones this instance started: what `close` and `destroyAll` end. */
  private readonly started = new Set<string>();
  private readonly pending = new Map<string, Promise<LocalSandbox>>();
  /** Sandboxes whose destroy was requested while they were still starting. */
  private readonly doomed = new Set<string>();
  private readonly idempotency = new Map<string, Promise<SandboxNode>>();
  /** Ended sandboxes, oldest first; kept (light) so `inspect` can say `terminated`, then forgotten. */
  private readonly retired = new Set<string>();
  private readonly pool: WarmPool | undefined;
  private readonly ready: Promise<ReapReport>;
  private readonly images: ProviderImages;
  /** Image digest of each live sandbox of a cached image, kept by `pruneImages`. */
  private readonly imageInUse: Map<string, string>;

  constructor(options: LocalProviderOptions = {}) {
    checkOptions(options, PROVIDER);
    this.options = resolveOptions(options);
    // Read once here (it is a /proc read), never on a provision path.
    currentOwner();
    const { hostUid, sandboxUid, agentBinary } = this.options;
    this.probe = probeIsolation({ hostUid, sandboxUid, ...(agentBinary ? { agentBinary } : {}) });
    const { tier, reason } = chooseTier(this.options.isolation, this.probe);
    this.tier = tier;
    const hardening = planHardening(this.options, this.probe, tier);
    this.capabilities = Object.freeze(
      buildCapabilities(this.tier, this.probe, reason, hardening.seccomp, {
        allowHostLoopback: this.options.allowHostLoopback,
        problem: hardening.egressProblem,
      }),
    );
    // As root, bwrap runs as the unprivileged mapped uid: it must reach workspaces by path.
    this.layout = openStateLayout(this.options.stateDir, this.tier === "namespace" && this.probe.root);
    ({ sandboxes: this.sandboxes, imageInUse: this.imageInUse } = sharedSandboxes(this.options.stateDir));
    this.store = new SnapshotStore(this.layout.snapshots);
    const asRoot = this.tier === "namespace" && this.probe.root;
    this.images = new ProviderImages(
      this.options.stateDir,
      this.options.images,
      asRoot ? { uid: hostUid, gid: hostUid } : undefined,
    );
    this.snapshots = new SnapshotService(this.store);
    this.environment = {
      provider: PROVIDER,
      options: this.options,
      probe: this.probe,
      tier: this.tier,
      layout: this.layout,
      agentBinary: this.probe.agent.path as string,
      ...hardening,
    };
    this.ready = this.options.reapOnStart
      ? reapOrphans(this.layout, this.probe.cgroups, this.environment.hostIds).catch(() => ({ reaped: [] }))
      : Promise.resolve({ reaped: [] });
    this.pool = startPool(this.options.warmPool, this.environment, this.ready);
  }

  /** Resolves once the warm pool is full (immediately when there is none). */
  async warmUp(): Promise<void> {
    await this.ready;
    await this.pool?.whenFull();
  }

  /** Destroys every sandbox, pooled ones included, and stops refilling the pool. */
  async close(): Promise<void> {
    await this.pool?.close();
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
    if (key === undefined) return this.createAndSetUp(valid, options);
    const existing = this.idempotency.get(key);
    if (existing) return existing;
    const created = this.createAndSetUp(valid, options);
    this.idempotency.set(key, created);
    created.catch(() => this.idempotency.delete(key));
    return created;
  };

  /** Creates the sandbox, then runs the spec's setup command to completion (see `runSetupCommand`). */
  private async createAndSetUp(spec: ValidProvisionSpec, options: ProvisionOptions, manifest?: SnapshotManifest) {
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

  private async create(spec: ValidProvisionSpec, options: ProvisionOptions, manifest?: SnapshotManifest) {
    admitSpec(spec, this.tier, this.capabilities, this.probe);
    await this.ready;
    options.signal?.throwIfAborted();
    const image = await this.images.prepare(spec.runtime?.image, options.signal);
    const pooled = !manifest && poolCompatible(spec) ? this.pool?.take() : undefined;
    if (pooled) {
      try {
        await pooled.adopt(spec, (ended) => this.retire(ended));
        this.sandboxes.set(pooled.id, pooled);
        this.started.add(pooled.id);
        return sandboxNode(pooled, PROVIDER);
      } catch {
        // It ended while pooled: start a fresh one below.
        void pooled.teardown("pool hand-out failed").catch(() => {});
      }
    }
    const id = newSandboxId();
    const starting = LocalSandbox.start(id, spec, image, this.environment, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(manifest ? { seed: (workspace, owner) => this.store.materialize(manifest, workspace, owner) } : {}),
      onEnded: (ended) => this.retire(ended),
    });
    this.pending.set(id, starting);
    if (image.kind === "image") this.imageInUse.set(id, image.digest);
    let sandbox: LocalSandbox;
    try {
      sandbox = await starting;
    } catch (error) {
      this.imageInUse.delete(id);
      throw asSandboxError(error, "could not start the sandbox", options.signal);
    } finally {
      this.pending.delete(id);
    }
    this.sandboxes.set(id, sandbox);
    this.started.add(id);
    if (this.doomed.delete(id)) {
      // The destroy that doomed it awaits the same teardown and reports its outcome.
      await sandbox.teardown("destroyed").catch(() => {});
      this.retire(sandbox);
    }
    return sandboxNode(sandbox, PROVIDER);
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
    try {
      await sandbox.teardown("destroyed");
    } finally {
      this.retire(sandbox);
    }
  };

  /** Drops an ended sandbox's heavy state; after `MAX_RETIRED` newer ones it is forgotten entirely. */
  private retire(sandbox: LocalSandbox): void {
    if (this.retired.has(sandbox.id)) return;
    this.imageInUse.delete(sandbox.id);
    sandbox.statCache = new Map();
    this.retired.add(sandbox.id);
    for (const oldest of this.retired) {
      if (this.retired.size <= MAX_RETIRED) break;
      this.retired.delete(oldest);
      this.sandboxes.delete(oldest);
      this.started.delete(oldest);
    }
  }

  inspect = async (externalId: string): Promise<SandboxInfo> => {
    if (typeof externalId === "string" && externalId !== "" && !this.sandboxes.has(externalId)) {
      return { externalId, provider: PROVIDER, status: "terminated", reason: "not found", labels: {} };
    }
    return this.lookup(externalId).info();
  };

  snapshot = async (externalId: string): Promise<SnapshotRef> => this.snapshots.snapshot(this.lookup(externalId));

  restore = async (ref: SnapshotRef, overrides?: Partial<ProvisionSpec>): Promise<SandboxNode> => {
    const { manifest, spec } = await this.snapshots.resolve(ref, overrides, this.options.stateDir);
    checkSpecAgainstCapabilities(spec, this.capabilities, PROVIDER);
    return this.createAndSetUp(spec, {}, manifest);
  };

  /** Live sandboxes of this state dir (not part of spec v1), optionally only those carrying every given label. */
  async list(filter: { labels?: Readonly<Record<string, string>> } = {}): Promise<(SandboxInfo & SandboxNode)[]> {
    return liveSandboxes(this.sandboxes, filter.labels).map((sandbox) => sandbox.info());
  }

  /** Deletes old snapshots, keeping the newest `keepLast`; blobs still referenced stay. */
  pruneSnapshots(options: PruneOptions): Promise<PruneResult> {
    return pruneSnapshotStore(this.store, options);
  }

  /**
   * Removes cached images but the `keepLast` most recently used (and those of live sandboxes),
   * then every layer no kept image needs.
   */
  pruneImages(options: { keepLast: number }): Promise<PruneImagesResult> {
    return this.images.prune(options?.keepLast, [...new Set(this.imageInUse.values())]);
  }

  /** Snapshots in the state dir, oldest first, as refs. */
  async listSnapshots(): Promise<SnapshotRef[]> {
    return (await this.store.list()).map(toRef);
  }

  healthCheck = async (): Promise<HealthReport> =>
    healthReport({
      tier: this.tier,
      probe: this.probe,
      capabilities: this.capabilities,
      stateDir: this.options.stateDir,
      sandboxesDir: this.layout.sandboxes,
      ready: this.ready,
      liveSandboxes: liveSandboxes(this.sandboxes).length,
    });

  getExtension = <K extends string>(externalId: string, name: K): ExtensionOf<K> => {
    const sandbox = this.sandboxes.get(externalId);
    return (sandbox ? extensionOf(sandbox, name, this.capabilities) : undefined) as ExtensionOf<K>;
  };

  /** Destroys every sandbox this instance started (not those of other instances on its state dir). */
  async destroyAll(): Promise<void> {
    const live = [...this.started].filter(
      (id) => !["terminated", "failed"].includes(this.sandboxes.get(id)?.status ?? "failed"),
    );
    await Promise.all([...this.pending.keys(), ...live].map((id) => this.destroy(id)));
  }
}

/**
 * Snapshot retention: keeps the newest `keepLast` snapshots of a provider (or of a state
 * directory, e.g. from a cleanup job) and deletes the rest, plus every blob no kept snapshot uses.
 */
export function pruneSnapshots(target: LocalProvider | string, options: PruneOptions): Promise<PruneResult> {
  if (target instanceof LocalProvider) return target.pruneSnapshots(options);
  return pruneSnapshotStore(new SnapshotStore(new StateLayout(target).snapshots), options);
}
