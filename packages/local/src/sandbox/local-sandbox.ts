import {
  type ExecRequest,
  type ExecResult,
  type FilesExtension,
  InternalError,
  InvalidArgumentError,
  type SandboxInfo,
  type SandboxNode,
  type SandboxStatus,
  TerminatedError,
  type ValidProvisionSpec,
} from "@openlattice/core";
import { execThroughAgent } from "../agent/agent-exec.js";
import { startMainProcess } from "../agent/agent-main-process.js";
import { asSandboxError } from "../errors.js";
import { createFilesExtension, type FilesBinding } from "../files/files-extension.js";
import type { PreparedImage } from "../images/provider/provider-images.js";
import { PortRelay } from "../network/port-relay.js";
import type { IsolationTier } from "../options.js";
import type { StatCache } from "../snapshots/snapshot-store.js";
import { leaseHostUid } from "./host-uid-lease.js";
import { removeRootLayer, rootLayerOf } from "./image-layer.js";
import { flagOomKill } from "./oom-kills.js";
import { type BootState, bootSandbox, type Owner, type SandboxEnvironment } from "./sandbox-boot.js";
import { namespaceEnv } from "./sandbox-env.js";
import { describeSandbox } from "./sandbox-info.js";
import { createInteractive, type InteractiveExtensions } from "./sandbox-interactive.js";
import { removeSandboxFiles, stopSandbox } from "./sandbox-stop.js";
import { SandboxTimers } from "./sandbox-timers.js";
import { MAX_FILE_BYTES, type StartOptions } from "./start-options.js";

export type { SandboxEnvironment } from "./sandbox-boot.js";

export { MAX_FILE_BYTES, newSandboxId, type StartOptions } from "./start-options.js";

/**
 * One sandbox: its agent (inside bubblewrap as the sandbox's pid 1 in the namespace tier, on
 * the host in its workspace in the none tier), its cgroups where they are writable, and its
 * limits. Exec, files and ports all go through the agent.
 */
export class LocalSandbox {
  createdAt = new Date();
  status: SandboxStatus = "pending";
  startedAt: Date | undefined;
  endedAt: Date | undefined;
  exitCode: number | undefined;
  reason: string | undefined;
  /** What each workspace file hashed to at the last snapshot. */
  statCache: StatCache = new Map();

  readonly workspaceHost: string;
  private readonly state: BootState = {
    cgroups: undefined,
    agent: undefined,
    workdir: "",
    baseEnv: {},
    fileRoots: undefined,
  };
  private files: FilesExtension | undefined;
  private filesBinding: FilesBinding | undefined;
  private extras: InteractiveExtensions | undefined;
  private ports: PortRelay | undefined;
  private readonly timers = new SandboxTimers((reason) => void this.end(reason));
  private endedHook: ((sandbox: LocalSandbox) => void) | undefined;
  private teardownPromise: Promise<void> | undefined;
  private owner: Owner | undefined;
  private leasedUid: number | undefined; // this sandbox's own host uid (root), freed after teardown

  private constructor(
    readonly id: string,
    /** The spec it runs; replaced when a pre-started (pooled) sandbox is handed out. */
    public spec: ValidProvisionSpec,
    private readonly environment: SandboxEnvironment,
  ) {
    this.workspaceHost = environment.layout.workspaceDir(id);
    const { options, tier, probe } = environment;
    this.owner = tier === "namespace" && probe.root ? { uid: options.hostUid, gid: options.hostUid } : undefined;
  }

  /** True from the moment its teardown begins: a pool must not count it as ready. */
  get ending(): boolean {
    return this.teardownPromise !== undefined || this.status === "terminated" || this.status === "failed";
  }

  get tier(): IsolationTier {
    return this.environment.tier;
  }

  /** Default working directory, as commands see it. */
  get workdir(): string {
    return this.state.workdir;
  }

  private get provider(): string {
    return this.environment.provider;
  }

  /** Creates and starts a sandbox; resolves once it accepts `exec`. Cleans up everything on failure. */
  static async start(
    id: string,
    spec: ValidProvisionSpec,
    image: PreparedImage,
    environment: SandboxEnvironment,
    options: StartOptions = {},
  ): Promise<LocalSandbox> {
    const sandbox = new LocalSandbox(id, spec, environment);
    sandbox.endedHook = options.onEnded;
    try {
      // Image sandboxes keep the shared host uid: it owns the image's unpacked tree, which the
      // overlay can only copy up for the uid that owns it (see docs/security.md).
      if (environment.hostIds && sandbox.owner && image.kind !== "image") {
        sandbox.leasedUid = await leaseHostUid(environment.hostIds, id, sandbox.workspaceHost, sandbox.provider);
        sandbox.owner = { uid: sandbox.leasedUid, gid: sandbox.leasedUid };
      }
      const cache = await bootSandbox(
        {
          id,
          spec,
          image,
          environment,
          workspaceHost: sandbox.workspaceHost,
          owner: sandbox.owner,
          createdAt: sandbox.createdAt,
          signal: options.signal,
          seed: options.seed,
        },
        sandbox.state,
      );
      if (cache) sandbox.statCache = cache;
      sandbox.wire();
      // Every process of the sandbox is under the agent now: an abort can be honoured safely.
      options.signal?.throwIfAborted();
      const entrypoint = spec.runtime?.entrypoint;
      if (entrypoint) {
        await startMainProcess(sandbox.connection(), entrypoint, sandbox.state.baseEnv, sandbox.provider, (code) => {
          sandbox.exitCode = code;
          void sandbox.end("command exited");
        });
      }
      if (sandbox.status === "pending") {
        sandbox.status = "running";
        sandbox.startedAt = new Date();
      }
      sandbox.timers.arm(spec);
      return sandbox;
    } catch (error) {
      await sandbox.teardown("failed to start").catch(() => {});
      sandbox.status = "failed";
      throw error;
    }
  }

  /** Connects the extensions to the agent and watches for its death. */
  private wire(): void {
    const agent = this.state.agent;
    if (!agent) throw new InternalError("sandbox has no agent", { provider: this.provider });
    agent.connection.onClose(() => {
      if (!this.teardownPromise) void this.end("sandbox agent exited");
    });
    this.filesBinding = {
      connection: () => this.connection(),
      workdir: this.state.workdir,
      roots: this.state.fileRoots,
      maxFileBytes: MAX_FILE_BYTES,
      provider: this.provider,
      ensureLive: () => this.ensureLive(),
    };
    this.files = createFilesExtension(this.filesBinding);
    const sharesHostNet = this.spec.network?.egress === "all" && this.environment.options.allowHostLoopback;
    const isolatedNet = this.tier === "namespace" && !sharesHostNet;
    this.ports = isolatedNet ? new PortRelay(() => this.connection(), this.provider) : undefined;
  }

  private connection() {
    this.ensureLive();
    const agent = this.state.agent;
    if (!agent) throw new InternalError("sandbox has no agent", { provider: this.provider });
    return agent.connection;
  }

  /** Hands a pre-started sandbox out under `spec` (see `poolCompatible`). */
  async adopt(spec: ValidProvisionSpec, onEnded: (sandbox: LocalSandbox) => void): Promise<void> {
    this.ensureLive();
    const memoryMiB = spec.resources?.memoryMiB;
    if (memoryMiB !== undefined) await this.state.cgroups?.applyLimits({ memoryBytes: memoryMiB * 1024 * 1024 });
    this.ensureLive();
    this.spec = spec;
    this.createdAt = new Date();
    this.startedAt = this.createdAt;
    this.endedHook = onEnded;
    if (this.tier === "namespace") this.state.baseEnv = namespaceEnv(spec, this.state.workdir);
    else this.state.baseEnv = { ...this.state.baseEnv, ...spec.runtime?.env };
    this.timers.arm(spec);
  }

  /** Ends the sandbox on its own terms (command exit, limits): everything is torn down. */
  private async end(reason: string): Promise<void> {
    if (this.teardownPromise) return;
    await this.teardown(reason).catch(() => {});
    this.endedHook?.(this);
  }

  /** Throws `terminated` once the sandbox has ended. */
  ensureLive(): void {
    if (this.status === "terminated" || this.status === "failed" || this.teardownPromise) {
      throw new TerminatedError(`sandbox ${this.id} has ended (${this.reason ?? this.status})`, {
        provider: this.provider,
        details: { externalId: this.id },
      });
    }
  }

  private isPaused(): boolean {
    return this.status === "paused";
  }

  /** Runs `body` with every sandbox process frozen, when the sandbox can be frozen. */
  async quiesced<T>(body: () => Promise<T>): Promise<T> {
    const cgroups = this.state.cgroups;
    if (!cgroups?.canFreeze || this.status === "paused" || this.tier === "none") return body();
    await cgroups.setFrozen(true);
    try {
      return await body();
    } finally {
      // A pause requested meanwhile keeps the sandbox frozen.
      if (!this.isPaused() && !this.teardownPromise) await cgroups.setFrozen(false).catch(() => {});
    }
  }

  /** Runs one command; see `Provider.exec`. */
  async exec(request: ExecRequest): Promise<ExecResult> {
    const connection = this.connection();
    this.timers.begin();
    try {
      return await flagOomKill(this.state.cgroups, () =>
        execThroughAgent(connection, {
          request,
          env: { ...this.state.baseEnv, ...request.env },
          provider: this.provider,
        }),
      );
    } catch (error) {
      // A connection that died under the exec means the sandbox ended: say so, typed.
      if (this.teardownPromise || !connection.isOpen) this.ensureLive();
      throw error;
    } finally {
      this.timers.end();
    }
  }

  filesExtension(): FilesExtension {
    if (!this.files) throw new InternalError("sandbox has no files binding yet", { provider: this.provider });
    return this.files;
  }

  /** processes, fileStreams, fileWatch and lifetime (see sandbox-interactive.ts). */
  interactive(): InteractiveExtensions {
    const files = this.filesBinding;
    if (!files) throw new InternalError("sandbox has no files binding yet", { provider: this.provider });
    this.extras ??= createInteractive({
      files,
      connection: () => this.connection(),
      baseEnv: () => this.state.baseEnv,
      provider: this.provider,
      timers: this.timers,
      ensureLive: () => this.ensureLive(),
    });
    return this.extras;
  }

  /** URL of a port inside the sandbox, as the host reaches it (declared in `network.ports`). */
  async getUrl(port: number): Promise<string> {
    this.ensureLive();
    if (Number.isInteger(port) && !(this.spec.network?.ports ?? []).includes(port)) {
      throw new InvalidArgumentError(
        "port",
        `port ${port} was not declared in network.ports at provision; declare every port a server will listen on`,
        { provider: this.provider },
      );
    }
    if (this.ports) return this.ports.getUrl(port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new InvalidArgumentError("port", "must be an integer from 1 to 65535", { provider: this.provider });
    }
    // Shared host network (none tier, or egress "all" with allowHostLoopback): the host's port.
    return `http://127.0.0.1:${port}`;
  }

  async pause(): Promise<void> {
    this.ensureLive();
    if (this.status === "paused") return;
    await this.state.cgroups?.setFrozen(true).catch((error: unknown) => {
      throw asSandboxError(error, "could not pause");
    });
    this.status = "paused";
  }

  async resume(): Promise<void> {
    this.ensureLive();
    if (this.status !== "paused") return;
    await this.state.cgroups?.setFrozen(false).catch((error: unknown) => {
      throw asSandboxError(error, "could not resume");
    });
    this.status = "running";
  }

  async sample() {
    this.ensureLive();
    return (await this.state.cgroups?.sample()) ?? {};
  }

  /**
   * Kills every process (grandchildren and `setsid` escapees included), removes the cgroups,
   * the workspace and the state directory. Idempotent; concurrent calls share one run.
   */
  teardown(reason: string): Promise<void> {
    this.teardownPromise ??= (async () => {
      this.timers.clear();
      this.reason = reason;
      await this.ports?.close().catch(() => {});
      try {
        await stopSandbox(this.state, this.provider, this.id);
        await removeRootLayer(rootLayerOf(this.workspaceHost).dir);
        const { hostIds } = this.environment;
        const record = this.environment.layout.sandboxDir(this.id);
        await removeSandboxFiles({ workspace: this.workspaceHost, record, hostIds, leasedUid: this.leasedUid });
      } catch (error) {
        // What is left stays recorded (record and uid lease kept): the next start reaps it.
        this.reason = `${reason}; cleanup incomplete: ${(error as Error).message}`;
        throw asSandboxError(error, `sandbox ${this.id} stopped, but cleanup failed (the next start retries)`);
      } finally {
        this.status = "terminated";
        this.endedAt = new Date();
      }
    })();
    return this.teardownPromise;
  }

  /** What `inspect` reports. */
  info(): SandboxInfo & SandboxNode {
    return describeSandbox(this, this.provider, this.tier, this.state.workdir, this.state.agent?.pid);
  }
}
