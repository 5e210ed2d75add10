import { randomUUID } from "node:crypto";
import path from "node:path";
import {
  type Capabilities,
  checkSpecAgainstCapabilities,
  EXTENSION_NAMES,
  type ExecOptions,
  type ExecResult,
  type ExtensionName,
  type ExtensionOf,
  type HealthReport,
  hasErrorCode,
  InvalidArgumentError,
  type Provider,
  type ProvisionOptions,
  type ProvisionSpec,
  parseExecRequest,
  parseProvisionSpec,
  parseSnapshotRef,
  registerSecret,
  type SandboxInfo,
  type SandboxNode,
  type SnapshotRef,
  type ValidProvisionSpec,
} from "@openlattice/core";
import type { ModalClient } from "modal";
import { DEFAULT_IMAGE, modalCapabilities } from "./capabilities.js";
import { toCreateParams } from "./create-params.js";
import { DEFAULT_GPU_SCHEDULING_TIMEOUT_MS } from "./create-sandbox.js";
import { DEFAULT_LIFETIME_SECONDS } from "./durations.js";
import { DEFAULT_GPU_TYPE, normalizeGpuType, validateGpu } from "./gpu.js";
import { checkHealth, DEFAULT_HEALTH_TIMEOUT_MS } from "./health-check.js";
import { inspectSandbox } from "./inspect-sandbox.js";
import { findByIdempotencyKey, listSandboxes } from "./list-sandboxes.js";
import { mapModalError } from "./map-modal-error.js";
import { buildModalClient } from "./modal-client.js";
import { ModalExtensions } from "./modal-extensions.js";
import type { ModalProviderOptions } from "./modal-provider-options.js";
import { ModalResources } from "./modal-resources.js";
import { checkProviderOptions, lifetimeLimitSeconds } from "./provider-options-check.js";
import { type ProvisionContext, provisionSandbox } from "./provision-flow.js";
import { CallbackFailure, runExec } from "./run-exec.js";
import { SandboxRegistry } from "./sandbox-registry.js";
import { restoreSpec, takeSnapshot } from "./snapshots.js";
import { type SweepOptions, type SweepReport, sweepSandboxes } from "./sweep-sandboxes.js";
import { TAILSCALE_INSTALL_COMMANDS, tailscaleLogoutCommand } from "./tailscale.js";
import { checkEnvNames, checkResources, checkSandboxName, checkSnapshotImageId } from "./validate-spec.js";

const PROVIDER = "modal";

/**
 * Provider spec v1 on Modal sandboxes (`modal` SDK 0.11.1). Constructing it does no I/O: the
 * client, the App and images are created on first use and cached, so a steady-state
 * `provision` is one create call. Retries are the SDK's own (it retries transient gRPC
 * failures three times); the provider adds none on top.
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
  readonly #lifetimeLimit: number | undefined;
  #client: { client: ModalClient; reportsCreations: boolean } | undefined;
  readonly #resources: ModalResources;
  readonly #registry = new SandboxRegistry(() => this.client);
  readonly #workdirs = new Map<string, Promise<string>>();
  readonly #idempotent = new Map<string, Promise<SandboxNode>>();
  readonly #extensions = new ModalExtensions();

  constructor(options: ModalProviderOptions = {}) {
    checkProviderOptions(options);
    this.#options = options;
    this.#lifetimeLimit = lifetimeLimitSeconds(options);
    const duration =
      options.defaultDurationSeconds ??
      Math.min(DEFAULT_LIFETIME_SECONDS, this.#lifetimeLimit ?? DEFAULT_LIFETIME_SECONDS);
    this.capabilities = modalCapabilities(duration, this.#options.defaultImage ?? DEFAULT_IMAGE, this.#lifetimeLimit);
    this.#fallbacks = (options.gpuFallbacks ?? []).map((type, index) => {
      const normalized = normalizeGpuType(type);
      validateGpu(normalized, 1, `gpuFallbacks[${index}]`);
      return normalized;
    });
    this.#appName = options.appName ?? process.env.OPENLATTICE_MODAL_APP ?? "openlattice";
    this.#owner = options.owner ?? process.env.OPENLATTICE_OWNER ?? "openlattice";
    this.#runId = options.runId ?? process.env.OPENLATTICE_RUN_ID ?? randomUUID().slice(0, 8);
    this.#resources = new ModalResources(() => this.client, this.#appName, options.environment);
  }

  /** The SDK client, built on first use. */
  get client(): ModalClient {
    this.#client ??= buildModalClient(this.#options);
    return this.#client.client;
  }

  provision = async (input: ProvisionSpec, options: ProvisionOptions = {}): Promise<SandboxNode> => {
    const spec = this.#validate(input);
    options.signal?.throwIfAborted();
    const key = spec.idempotencyKey;
    if (key === undefined) return this.#create(spec, options.signal);
    const known = this.#idempotent.get(key);
    if (known) return known;
    const pending = (async () =>
      (await findByIdempotencyKey(this.client, this.#appId, this.#registry, key)) ??
      this.#create(spec, options.signal))();
    this.#idempotent.set(key, pending);
    pending.catch(() => this.#idempotent.delete(key));
    return pending;
  };

  exec = async (externalId: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> => {
    const request = parseExecRequest(argv, options, PROVIDER, this.capabilities);
    // The SDK would refuse these names only after the first RPCs.
    checkEnvNames(request.env, "env");
    const sandbox = await this.#registry.handle(externalId);
    try {
      const cwd =
        request.cwd === undefined || request.cwd.startsWith("/")
          ? request.cwd
          : path.posix.resolve(await this.#workdir(externalId), request.cwd);
      return await runExec(sandbox, request, cwd);
    } catch (error) {
      if (request.signal?.aborted && error === request.signal.reason) throw error;
      if (error instanceof CallbackFailure) throw error.error;
      throw mapModalError(error, { operation: "exec", externalId });
    }
  };

  destroy = async (externalId: string): Promise<void> => {
    const sandbox = await this.#registry.handle(externalId);
    try {
      // A fresh provider learns from the tags whether the sandbox joined a tailnet.
      const meta =
        this.#registry.meta(externalId) ??
        (await this.#registry.metaOrTags(externalId, sandbox).catch(() => undefined));
      if (meta?.tailscale) {
        await this.exec(externalId, tailscaleLogoutCommand(), { timeoutMs: 15_000 }).catch(() => undefined);
      }
      await sandbox.terminate();
    } catch (error) {
      const mapped = mapModalError(error, { operation: "destroy", externalId });
      // Unknown ids, finished and terminated sandboxes are gone already: destroy is idempotent.
      if (!hasErrorCode(mapped, "not_found") && !hasErrorCode(mapped, "terminated")) throw mapped;
    } finally {
      this.#registry.forget(externalId);
      this.#workdirs.delete(externalId);
      this.#extensions.forget(externalId);
    }
  };

  inspect = async (externalId: string): Promise<SandboxInfo> => inspectSandbox(this.#registry, externalId);

  snapshot = async (externalId: string): Promise<SnapshotRef> => {
    const sandbox = await this.#registry.handle(externalId);
    const spec = this.#registry.meta(externalId)?.spec;
    const ref = await takeSnapshot(sandbox, externalId, spec, {
      timeoutMs: this.#options.snapshotTimeoutMs ?? 600_000,
      ttlMs: this.#options.snapshotTtlMs === undefined ? null : this.#options.snapshotTtlMs,
    });
    if (spec) this.#registry.rememberSnapshot(ref.externalId, spec);
    return ref;
  };

  restore = async (input: SnapshotRef, overrides?: Partial<ProvisionSpec>): Promise<SandboxNode> => {
    const ref = parseSnapshotRef(input, PROVIDER);
    if (ref.provider !== PROVIDER) {
      throw new InvalidArgumentError(
        "ref.provider",
        `snapshot of provider "${ref.provider}" cannot be restored on modal`,
        {
          provider: PROVIDER,
        },
      );
    }
    checkSnapshotImageId(ref.externalId);
    const spec = this.#validate(restoreSpec(ref, this.#registry.snapshotSpec(ref.externalId), overrides));
    return this.#create(spec, undefined, ref.externalId);
  };

  healthCheck = async (): Promise<HealthReport> =>
    checkHealth(
      async () => {
        // An authenticated round trip that is never cached (AppGetOrCreate).
        await this.client.apps.fromName(this.#appName, {
          createIfMissing: true,
          ...(this.#options.environment ? { environment: this.#options.environment } : {}),
        });
        return { app: this.#appName, server: this.client.profile.serverUrl };
      },
      this.#options.healthCheckTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
      () => this.#options.serverUrl ?? this.#client?.client.profile.serverUrl,
    );

  getExtension = <K extends string>(externalId: string, name: K): ExtensionOf<K> => {
    if (!(EXTENSION_NAMES as readonly string[]).includes(name)) return undefined as ExtensionOf<K>;
    return this.#extensions.get(name as ExtensionName, {
      externalId,
      capabilities: this.capabilities,
      sandbox: () => this.#registry.handle(externalId),
      workdir: () => this.#workdir(externalId),
      ports: () => this.#registry.meta(externalId)?.ports,
      createdAt: async () =>
        (await this.#registry.metaOrTags(externalId, await this.#registry.handle(externalId))).createdAt,
    }) as ExtensionOf<K>;
  };

  /**
   * Running sandboxes of this provider's App that openlattice created, optionally only those
   * carrying all of `labels` (not part of spec v1; Modal filters by tags server-side).
   */
  list = async (filter: { labels?: Record<string, string> } = {}): Promise<SandboxNode[]> =>
    listSandboxes(this.client, this.#appId, this.#registry, filter.labels ?? {});

  /**
   * Terminates sandboxes tagged by openlattice (optionally of one owner or run) created more
   * than `olderThanMs` ago. Sandboxes without a creation tag are kept.
   */
  sweep = async (options: SweepOptions): Promise<SweepReport> => {
    const app = await this.#resources.app().catch((error: unknown) => {
      throw mapModalError(error, { operation: "sweep" });
    });
    return sweepSandboxes(this.client, app.appId, options);
  };

  /** Validates a spec completely before any call: schema, capabilities, GPU, durations, env names. */
  #validate(input: ProvisionSpec): ValidProvisionSpec {
    const parsed = parseProvisionSpec(input, PROVIDER);
    const spec: ValidProvisionSpec = parsed.gpu
      ? { ...parsed, gpu: { ...parsed.gpu, type: normalizeGpuType(parsed.gpu.type ?? DEFAULT_GPU_TYPE) } }
      : parsed;
    checkSpecAgainstCapabilities(spec, this.capabilities, PROVIDER);
    if (spec.gpu) validateGpu(spec.gpu.type ?? DEFAULT_GPU_TYPE, spec.gpu.count);
    checkEnvNames(spec.runtime?.env, "runtime.env");
    checkSandboxName(spec.name);
    checkResources(spec.resources);
    // Builds (and so validates) the create parameters: durations, Tailscale and command rules.
    toCreateParams(spec, this.#paramsContext(new Date()));
    const key = spec.network?.tailscaleAuthKey;
    if (key !== undefined) registerSecret(key);
    return spec;
  }

  #paramsContext(createdAt: Date) {
    return {
      defaultDurationSeconds: this.capabilities.constraints.defaultDurationSeconds ?? DEFAULT_LIFETIME_SECONDS,
      owner: this.#owner,
      runId: this.#runId,
      createdAt,
      tailscaleProxyPort: this.#options.tailscale?.proxyPort ?? 1055,
      lifetimeLimitSeconds: this.#lifetimeLimit,
    };
  }

  #create(spec: ValidProvisionSpec, signal: AbortSignal | undefined, snapshotImageId?: string): Promise<SandboxNode> {
    const createdAt = new Date();
    const tailscale = spec.network?.tailscaleAuthKey !== undefined;
    const imageRef = snapshotImageId ?? spec.runtime?.image ?? this.#options.defaultImage ?? DEFAULT_IMAGE;
    const layers = tailscale && this.#options.tailscale?.install !== false ? TAILSCALE_INSTALL_COMMANDS : [];
    const context: ProvisionContext = {
      target: {
        client: this.client,
        reportsCreations: this.#client?.reportsCreations ?? false,
        schedulingTimeoutMs: this.#options.gpuSchedulingTimeoutMs ?? DEFAULT_GPU_SCHEDULING_TIMEOUT_MS,
      },
      fallbacks: this.#fallbacks,
      tailscaleReadyMs: this.#options.tailscale?.readyTimeoutMs ?? 120_000,
      app: () => this.#resources.app(),
      image: () => this.#resources.image(imageRef, layers),
      adopt: (sandbox, meta) => this.#registry.adopt(sandbox, meta),
      exec: (id, argv, options) => this.exec(id, argv, options),
      destroy: (id) => this.destroy(id),
    };
    return provisionSandbox(
      context,
      spec,
      toCreateParams(spec, this.#paramsContext(createdAt)),
      {
        createdAt,
        labels: { ...spec.labels },
        ...(spec.name === undefined ? {} : { name: spec.name }),
        spec,
        image: imageRef,
        tailscale,
        ...(spec.network?.ports ? { ports: spec.network.ports } : {}),
      },
      signal,
    );
  }

  readonly #appId = async (): Promise<string> => (await this.#resources.app()).appId;

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
}
