import { randomUUID } from "node:crypto";
import path from "node:path";
import {
  type Capabilities,
  checkSpecAgainstCapabilities,
  type ExecOptions,
  type ExecResult,
  type ExtensionOf,
  type HealthReport,
  hasErrorCode,
  InvalidArgumentError,
  mergeSpec,
  type Provider,
  type ProvisionOptions,
  type ProvisionSpec,
  parseExecRequest,
  parseProvisionSpec,
  parseSnapshotRef,
  redact,
  runSetupCommand,
  type SandboxError,
  type SandboxInfo,
  type SandboxNode,
  type SnapshotRef,
  TimeoutError,
  type ValidProvisionSpec,
  withRetry,
} from "@openlattice/core";
import { type App, type Image, ModalClient, type Sandbox } from "modal";
import { abortable } from "./abortable.js";
import { DEFAULT_IMAGE, modalCapabilities } from "./capabilities.js";
import { toCreateParams } from "./create-params.js";
import { DEFAULT_LIFETIME_SECONDS, MAX_LIFETIME_SECONDS } from "./durations.js";
import { createFilesExtension } from "./files-extension.js";
import { DEFAULT_GPU_TYPE, normalizeGpuType, toModalGpuString, validateGpu } from "./gpu.js";
import { CREATED_TAG, IDEMPOTENCY_TAG, labelsFromTags, MANAGED_TAG, TAILSCALE_TAG } from "./labels.js";
import { mapModalError } from "./map-modal-error.js";
import type { ModalProviderOptions } from "./modal-provider-options.js";
import { createNetworkExtension } from "./network-extension.js";
import { runExec } from "./run-exec.js";
import { type SandboxMeta, shareableSpec } from "./sandbox-meta.js";
import { type SweepOptions, type SweepReport, sweepSandboxes } from "./sweep-sandboxes.js";
import { TAILSCALE_INSTALL_COMMANDS, tailscaleLogoutCommand, waitForTailscale } from "./tailscale.js";

const PROVIDER = "modal";

/**
 * Provider spec v1 on Modal sandboxes (`modal` SDK 0.11.1). Constructing it does no I/O: the
 * client, the App and images are created on first use and cached, so a steady-state
 * `provision` is one create call.
 */
export class ModalProvider implements Provider {
  readonly name = PROVIDER;
  readonly specificationVersion = "v1" as const;
  readonly capabilities: Capabilities;
  readonly #options: ModalProviderOptions;
  readonly #appName: string;
  readonly #owner: string;
  readonly #runId: string;
  readonly #fallbacks: readonly string[];
  #client: ModalClient | undefined;
  #app: Promise<App> | undefined;
  readonly #images = new Map<string, Promise<Image>>();
  readonly #handles = new Map<string, Sandbox>();
  readonly #meta = new Map<string, SandboxMeta>();
  readonly #workdirs = new Map<string, Promise<string>>();
  readonly #inflight = new Map<string, Set<Promise<unknown>>>();
  readonly #snapshotSpecs = new Map<string, ValidProvisionSpec>();
  readonly #idempotent = new Map<string, Promise<SandboxNode>>();

  constructor(options: ModalProviderOptions = {}) {
    this.#options = options;
    const duration = options.defaultDurationSeconds ?? DEFAULT_LIFETIME_SECONDS;
    if (!Number.isInteger(duration) || duration < 1 || duration > MAX_LIFETIME_SECONDS) {
      throw new InvalidArgumentError(
        "defaultDurationSeconds",
        `must be a whole number of seconds from 1 to ${MAX_LIFETIME_SECONDS}`,
        { provider: PROVIDER },
      );
    }
    this.capabilities = modalCapabilities(duration, this.#options.defaultImage ?? DEFAULT_IMAGE);
    this.#fallbacks = (options.gpuFallbacks ?? []).map((type, index) => {
      const normalized = normalizeGpuType(type);
      validateGpu(normalized, 1, `gpuFallbacks[${index}]`);
      return normalized;
    });
    this.#appName = options.appName ?? process.env.OPENLATTICE_MODAL_APP ?? "openlattice";
    this.#owner = options.owner ?? process.env.OPENLATTICE_OWNER ?? "openlattice";
    this.#runId = options.runId ?? process.env.OPENLATTICE_RUN_ID ?? randomUUID().slice(0, 8);
  }

  /** The SDK client, built on first use. */
  get client(): ModalClient {
    if (this.#client) return this.#client;
    const options = this.#options;
    if (options.client) {
      this.#client = options.client;
      return this.#client;
    }
    const previous = process.env.MODAL_SERVER_URL;
    // The SDK reads its server only from MODAL_SERVER_URL (or the toml), while constructing.
    if (options.serverUrl) process.env.MODAL_SERVER_URL = options.serverUrl;
    try {
      this.#client = new ModalClient({
        ...(options.tokenId === undefined ? {} : { tokenId: options.tokenId }),
        ...(options.tokenSecret === undefined ? {} : { tokenSecret: options.tokenSecret }),
        ...(options.environment === undefined ? {} : { environment: options.environment }),
        maxThrottleWaitSecs: options.maxThrottleWaitSecs ?? 60,
      });
    } catch (error) {
      throw mapModalError(error, { operation: "connect" });
    } finally {
      if (options.serverUrl) {
        if (previous === undefined) delete process.env.MODAL_SERVER_URL;
        else process.env.MODAL_SERVER_URL = previous;
      }
    }
    return this.#client;
  }

  provision = async (input: ProvisionSpec, options: ProvisionOptions = {}): Promise<SandboxNode> => {
    const spec = this.#validate(input);
    options.signal?.throwIfAborted();
    const key = spec.idempotencyKey;
    if (key === undefined) return this.#createAndSetUp(spec, options.signal);
    const known = this.#idempotent.get(key);
    if (known) return known;
    const pending = (async () =>
      (await this.#findByIdempotencyKey(key)) ?? this.#createAndSetUp(spec, options.signal))();
    this.#idempotent.set(key, pending);
    pending.catch(() => this.#idempotent.delete(key));
    return pending;
  };

  exec = async (externalId: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> => {
    const request = parseExecRequest(argv, options, PROVIDER, this.capabilities);
    const sandbox = await this.#handle(externalId);
    const work = (async () => {
      const cwd =
        request.cwd === undefined || request.cwd.startsWith("/")
          ? request.cwd
          : path.posix.resolve(await this.#workdir(externalId), request.cwd);
      return runExec(sandbox, request, cwd);
    })();
    const running = this.#track(externalId, work);
    try {
      return await running;
    } catch (error) {
      if (request.signal?.aborted && error === request.signal.reason) throw error;
      throw mapModalError(error, { operation: "exec", externalId });
    }
  };

  destroy = async (externalId: string): Promise<void> => {
    const sandbox = await this.#handle(externalId);
    try {
      // A fresh provider learns from the tags whether the sandbox joined a tailnet.
      const meta = this.#meta.get(externalId) ?? (await this.#metaFromTags(externalId, sandbox).catch(() => undefined));
      if (meta?.tailscale) await this.#tailscaleLogout(externalId);
      await this.#retry("destroy", externalId, () => sandbox.terminate());
    } catch (error) {
      // Unknown ids are gone already: destroy is idempotent.
      if (!hasErrorCode(error, "not_found")) throw error;
    } finally {
      sandbox.detach();
      this.#handles.delete(externalId);
      this.#workdirs.delete(externalId);
    }
  };

  /** Creates the sandbox, then runs the spec's setup command to completion as an exec. */
  async #createAndSetUp(spec: ValidProvisionSpec, signal: AbortSignal | undefined): Promise<SandboxNode> {
    const node = await this.#create(spec, signal);
    const command = spec.runtime?.command;
    if (command) {
      await runSetupCommand({
        provider: PROVIDER,
        externalId: node.externalId,
        command,
        exec: (argv, execOptions) => this.exec(node.externalId, argv, execOptions),
        destroy: () => this.destroy(node.externalId),
        signal,
      });
    }
    return node;
  }

  inspect = async (externalId: string): Promise<SandboxInfo> => {
    let sandbox: Sandbox;
    let code: number | null;
    try {
      sandbox = await this.#handle(externalId);
      code = await this.#retry("inspect", externalId, () => sandbox.poll());
    } catch (error) {
      // Spec v1: an unknown or long-gone id is simply over.
      if (!hasErrorCode(error, "not_found")) throw error;
      return { externalId, provider: PROVIDER, status: "terminated", reason: "not found", labels: {} };
    }
    const meta = this.#meta.get(externalId) ?? (await this.#metaFromTags(externalId, sandbox));
    const base = {
      externalId,
      provider: PROVIDER,
      createdAt: meta.createdAt,
      labels: { ...meta.labels },
      ...(meta.name === undefined ? {} : { name: meta.name }),
      ...(meta.image === undefined ? {} : { image: meta.image }),
      ...(meta.gpu === undefined ? {} : { resources: { gpu: meta.gpu } }),
      details: { tailscale: meta.tailscale },
    };
    if (code === null) return { ...base, status: "running" };
    return {
      ...base,
      status: "terminated",
      exitCode: code,
      reason: code === 137 ? "terminated" : code === 124 ? "duration limit" : "exited",
    };
  };

  snapshot = async (externalId: string): Promise<SnapshotRef> => {
    const sandbox = await this.#handle(externalId);
    // A snapshot taken while an exec still writes would capture a half-written state.
    await Promise.allSettled([...(this.#inflight.get(externalId) ?? [])]);
    const ttlMs = this.#options.snapshotTtlMs === undefined ? null : this.#options.snapshotTtlMs;
    const timeoutMs = this.#options.snapshotTimeoutMs ?? 600_000;
    let image: Image;
    try {
      image = await sandbox.snapshotFilesystem({ timeoutMs, ttlMs });
    } catch (error) {
      throw mapModalError(error, { operation: "snapshot", externalId });
    }
    const spec = this.#meta.get(externalId)?.spec;
    if (spec) this.#snapshotSpecs.set(image.imageId, spec);
    return {
      provider: PROVIDER,
      externalId: image.imageId,
      type: "filesystem",
      createdAt: new Date(),
      sourceExternalId: externalId,
      metadata: { imageId: image.imageId, ttlMs, ...(spec ? { spec: shareableSpec(spec) } : {}) },
    };
  };

  restore = async (input: SnapshotRef, overrides?: Partial<ProvisionSpec>): Promise<SandboxNode> => {
    const ref = parseSnapshotRef(input);
    if (ref.provider !== PROVIDER) {
      throw new InvalidArgumentError(
        "ref.provider",
        `snapshot of provider "${ref.provider}" cannot be restored on modal`,
        {
          provider: PROVIDER,
        },
      );
    }
    const base = this.#snapshotSpecs.get(ref.externalId) ?? ((ref.metadata?.spec ?? {}) as ProvisionSpec);
    const spec = this.#validate(mergeSpec(base, overrides));
    return this.#create(spec, undefined, ref.externalId);
  };

  healthCheck = async (): Promise<HealthReport> => {
    const started = performance.now();
    try {
      // An authenticated round trip that is never cached (AppGetOrCreate).
      await this.client.apps.fromName(this.#appName, {
        createIfMissing: true,
        ...(this.#options.environment ? { environment: this.#options.environment } : {}),
      });
      return {
        healthy: true,
        latencyMs: performance.now() - started,
        details: { app: this.#appName, server: this.client.profile.serverUrl },
      };
    } catch (error) {
      const mapped = mapModalError(error, { operation: "healthCheck" });
      return {
        healthy: false,
        latencyMs: performance.now() - started,
        message: `unreachable: ${redact(mapped.message)}`,
        details: { code: mapped.code, retryable: mapped.retryable },
      };
    }
  };

  getExtension = <K extends string>(externalId: string, name: K): ExtensionOf<K> => {
    if (name === "files") {
      return createFilesExtension({
        externalId,
        sandbox: () => this.#handle(externalId),
        workdir: () => this.#workdir(externalId),
      }) as ExtensionOf<K>;
    }
    if (name === "network") {
      return createNetworkExtension(
        externalId,
        () => this.#handle(externalId),
        () => this.#meta.get(externalId)?.ports,
      ) as ExtensionOf<K>;
    }
    return undefined as ExtensionOf<K>;
  };

  /**
   * Running sandboxes of this provider's App that openlattice created, optionally only those
   * carrying all of `labels` (not part of spec v1; Modal filters by tags server-side).
   */
  list = async (filter: { labels?: Record<string, string> } = {}): Promise<SandboxNode[]> => {
    const app = await this.#appHandle().catch((error: unknown) => {
      throw mapModalError(error, { operation: "list" });
    });
    const nodes: SandboxNode[] = [];
    try {
      for await (const sandbox of this.client.sandboxes.list({
        appId: app.appId,
        tags: { ...filter.labels, [MANAGED_TAG]: "true" },
      })) {
        const meta = this.#meta.get(sandbox.sandboxId) ?? (await this.#metaFromTags(sandbox.sandboxId, sandbox));
        sandbox.detach();
        nodes.push(runningNode(sandbox.sandboxId, meta));
      }
    } catch (error) {
      throw mapModalError(error, { operation: "list" });
    }
    return nodes;
  };

  /**
   * Terminates sandboxes tagged by openlattice (optionally of one owner or run) created more
   * than `olderThanMs` ago. Sandboxes without a creation tag are kept.
   */
  sweep = async (options: SweepOptions): Promise<SweepReport> => {
    const app = await this.#appHandle().catch((error: unknown) => {
      throw mapModalError(error, { operation: "sweep" });
    });
    return sweepSandboxes(this.client, app.appId, options);
  };

  /** Validates a spec completely before any call: schema, capabilities, GPU, durations, Tailscale. */
  #validate(input: ProvisionSpec): ValidProvisionSpec {
    const parsed = parseProvisionSpec(input, PROVIDER);
    const spec: ValidProvisionSpec = parsed.gpu
      ? { ...parsed, gpu: { ...parsed.gpu, type: normalizeGpuType(parsed.gpu.type ?? DEFAULT_GPU_TYPE) } }
      : parsed;
    checkSpecAgainstCapabilities(spec, this.capabilities, PROVIDER);
    if (spec.gpu) validateGpu(spec.gpu.type ?? DEFAULT_GPU_TYPE, spec.gpu.count);
    // Builds (and so validates) the create parameters: durations, Tailscale and command rules.
    toCreateParams(spec, this.#paramsContext(new Date()));
    return spec;
  }

  #paramsContext(createdAt: Date) {
    return {
      defaultDurationSeconds: this.capabilities.constraints.defaultDurationSeconds ?? DEFAULT_LIFETIME_SECONDS,
      owner: this.#owner,
      runId: this.#runId,
      createdAt,
      tailscaleProxyPort: this.#options.tailscale?.proxyPort ?? 1055,
    };
  }

  async #create(spec: ValidProvisionSpec, signal: AbortSignal | undefined, snapshotImageId?: string) {
    const createdAt = new Date();
    const params = toCreateParams(spec, this.#paramsContext(createdAt));
    const tailscale = spec.network?.tailscaleAuthKey !== undefined;
    const imageRef = snapshotImageId ?? spec.runtime?.image ?? this.#options.defaultImage ?? DEFAULT_IMAGE;
    const layers = tailscale && this.#options.tailscale?.install !== false ? TAILSCALE_INSTALL_COMMANDS : [];
    let app: App;
    let image: Image;
    try {
      app = await this.#appHandle();
      image = await this.#image(imageRef, layers);
    } catch (error) {
      throw mapModalError(error, { operation: "provision" });
    }
    const gpu = spec.gpu;
    const attempts: (string | undefined)[] = gpu
      ? [...new Set([gpu.type ?? DEFAULT_GPU_TYPE, ...this.#fallbacks])].filter((type) => {
          try {
            validateGpu(type, gpu.count);
            return true;
          } catch {
            return false;
          }
        })
      : [undefined];
    let sandbox: Sandbox | undefined;
    let usedGpu: string | undefined;
    let lastError: SandboxError | undefined;
    for (const type of attempts) {
      signal?.throwIfAborted();
      try {
        sandbox = await abortable(
          this.client.sandboxes.create(
            app,
            image,
            type && gpu ? { ...params, gpu: toModalGpuString(type, gpu.count) } : params,
          ),
          signal,
        );
        usedGpu = type;
        break;
      } catch (error) {
        if (signal?.aborted && error === signal.reason) throw error;
        lastError = mapModalError(error, { operation: "provision" });
        // Capacity errors move on to the next GPU type; anything else is final.
        if (lastError.code !== "capacity") throw lastError;
      }
    }
    if (!sandbox)
      throw lastError ?? new TimeoutError("modal provision: no GPU type had capacity", { provider: PROVIDER });
    const externalId = sandbox.sandboxId;
    this.#handles.set(externalId, sandbox);
    this.#meta.set(externalId, {
      createdAt,
      labels: { ...spec.labels },
      ...(spec.name === undefined ? {} : { name: spec.name }),
      spec,
      image: imageRef,
      ...(gpu && usedGpu ? { gpu: { type: usedGpu, count: gpu.count } } : {}),
      tailscale,
      ...(spec.network?.ports ? { ports: spec.network.ports } : {}),
    });
    try {
      signal?.throwIfAborted();
      if (tailscale) await this.#waitForTailscale(externalId, signal);
    } catch (error) {
      await this.destroy(externalId).catch(() => undefined);
      throw error;
    }
    return {
      externalId,
      provider: PROVIDER,
      status: "running" as const,
      createdAt,
      labels: { ...spec.labels },
      ...(spec.name === undefined ? {} : { name: spec.name }),
    };
  }

  async #findByIdempotencyKey(key: string): Promise<SandboxNode | undefined> {
    const app = await this.#appHandle().catch((error: unknown) => {
      throw mapModalError(error, { operation: "provision" });
    });
    try {
      for await (const sandbox of this.client.sandboxes.list({ appId: app.appId, tags: { [IDEMPOTENCY_TAG]: key } })) {
        const meta = await this.#metaFromTags(sandbox.sandboxId, sandbox);
        this.#handles.set(sandbox.sandboxId, sandbox);
        return runningNode(sandbox.sandboxId, meta);
      }
    } catch (error) {
      throw mapModalError(error, { operation: "provision" });
    }
    return undefined;
  }

  #waitForTailscale(externalId: string, signal: AbortSignal | undefined): Promise<void> {
    return waitForTailscale(
      (argv) => this.exec(externalId, argv, { timeoutMs: 10_000 }),
      externalId,
      this.#options.tailscale?.readyTimeoutMs ?? 120_000,
      signal,
    );
  }

  async #tailscaleLogout(externalId: string): Promise<void> {
    await this.exec(externalId, tailscaleLogoutCommand(), { timeoutMs: 15_000 }).catch(() => undefined);
  }

  #appHandle(): Promise<App> {
    if (!this.#app) {
      const pending = this.client.apps.fromName(this.#appName, {
        createIfMissing: true,
        ...(this.#options.environment ? { environment: this.#options.environment } : {}),
      });
      this.#app = pending;
      pending.catch(() => {
        if (this.#app === pending) this.#app = undefined;
      });
    }
    return this.#app;
  }

  /** Images are cached: once built, an Image holds its id and `create` skips the build RPCs. */
  #image(ref: string, layers: readonly string[]): Promise<Image> {
    const key = JSON.stringify([ref, layers]);
    let pending = this.#images.get(key);
    if (!pending) {
      pending = (async () => {
        const base = ref.startsWith("im-")
          ? await this.client.images.fromId(ref)
          : this.client.images.fromRegistry(ref);
        return layers.length > 0 ? base.dockerfileCommands([...layers]) : base;
      })();
      this.#images.set(key, pending);
      pending.catch(() => this.#images.delete(key));
    }
    return pending;
  }

  /** A cached handle: `fromId` makes no RPC, and the handle keeps its task id and router channel. */
  async #handle(externalId: string): Promise<Sandbox> {
    if (typeof externalId !== "string" || externalId === "") {
      throw new InvalidArgumentError("externalId", "must be a non-empty string", { provider: PROVIDER });
    }
    let sandbox = this.#handles.get(externalId);
    if (!sandbox) {
      sandbox = await this.client.sandboxes.fromId(externalId);
      // Another call may have cached one meanwhile; keep a single handle per sandbox.
      const existing = this.#handles.get(externalId);
      if (existing) return existing;
      this.#handles.set(externalId, sandbox);
    }
    return sandbox;
  }

  async #metaFromTags(externalId: string, sandbox: Sandbox): Promise<SandboxMeta> {
    const tags = await this.#retry("inspect", externalId, () => sandbox.getTags());
    const created = Number(tags[CREATED_TAG]);
    const meta: SandboxMeta = {
      createdAt: Number.isFinite(created) ? new Date(created) : new Date(0),
      labels: labelsFromTags(tags),
      tailscale: tags[TAILSCALE_TAG] === "true",
    };
    this.#meta.set(externalId, meta);
    return meta;
  }

  #workdir(externalId: string): Promise<string> {
    let pending = this.#workdirs.get(externalId);
    if (!pending) {
      // Asked once per sandbox rather than taken from the spec: without runtime.workdir the
      // image's WORKDIR applies, and a backend may present the workdir under another path.
      pending = this.exec(externalId, ["pwd"]).then((result) => result.stdout.trim() || "/");
      this.#workdirs.set(externalId, pending);
      pending.catch(() => this.#workdirs.delete(externalId));
    }
    return pending;
  }

  #track<T>(externalId: string, work: Promise<T>): Promise<T> {
    let set = this.#inflight.get(externalId);
    if (!set) {
      set = new Set();
      this.#inflight.set(externalId, set);
    }
    const entry = work.finally(() => set.delete(entry));
    set.add(entry);
    entry.catch(() => undefined);
    return work;
  }

  async #retry<T>(operation: string, externalId: string, call: () => Promise<T>): Promise<T> {
    return withRetry(
      async () => {
        try {
          return await call();
        } catch (error) {
          throw mapModalError(error, { operation, externalId });
        }
      },
      { retries: 2, minDelayMs: 200, maxDelayMs: 2000, ...this.#options.retry },
    );
  }
}

/** The node of a live sandbox found by listing, from what its tags recorded. */
function runningNode(externalId: string, meta: Pick<SandboxMeta, "createdAt" | "labels">): SandboxNode {
  return { externalId, provider: PROVIDER, status: "running", createdAt: meta.createdAt, labels: { ...meta.labels } };
}
