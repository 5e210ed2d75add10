import type { Provider, ProvisionSpec, SnapshotRef } from "@openlattice/core";
import { redact } from "@openlattice/core";
import type { ExecSession } from "./exec-session.js";
import { restoreFilesystem } from "./filesystem-snapshot.js";
import type { ControlRequest } from "./protocol-types.js";
import type { DeclaredPort, SandboxTunnels, TunnelInfo } from "./tunnels.js";

/** `GenericResult.GenericStatus` values the emulator reports. */
export const GenericStatus = {
  UNSPECIFIED: 0,
  SUCCESS: 1,
  FAILURE: 2,
  TERMINATED: 3,
  TIMEOUT: 4,
  IDLE_TIMEOUT: 7,
} as const;

export interface SandboxResult {
  readonly status: number;
  readonly exitcode: number;
  readonly exception: string;
}

/** An image the emulator knows: a registry tag (with its Dockerfile commands) or a snapshot. */
export interface EmulatedImage {
  readonly imageId: string;
  readonly dockerfileCommands: readonly string[];
  /** `FROM <tag>` of the first layer, when built from a registry tag. */
  readonly tag?: string;
  /** The tar archive of the filesystem, when the image is a filesystem snapshot. */
  readonly snapshotFile?: string;
  /**
   * The backend's own snapshot, when the image is a snapshot of a sandbox that shares the
   * host's filesystem (isolation "none"), whose "whole filesystem" would be the host's.
   */
  readonly backendSnapshot?: SnapshotRef;
  /** Requested TTL of a snapshot image, in seconds (-1 = keep forever). */
  readonly ttlSeconds?: number;
}

export type SandboxDefinition = NonNullable<ControlRequest<"sandboxCreateV2">["definition"]>;

export interface LaunchContext {
  readonly backend: Provider;
  readonly image: EmulatedImage | undefined;
  /** Maps a Modal registry tag to a backend image reference (e.g. `host`). */
  readonly imageForTag: (tag: string | undefined) => string;
  readonly log: (line: string) => void;
  /** Extra environment for every backend sandbox (e.g. the Tailscale shims' PATH). */
  readonly extraEnv: (env: Record<string, string>) => Record<string, string>;
  /** Give sandboxes that Modal would give open networking the backend's `egress: "all"`. */
  readonly openEgress: boolean;
}

/**
 * One Modal sandbox of the emulator, backed by one sandbox of the backend `Provider`.
 * Lifetime (`timeoutSecs`) is enforced here, not by the backend, so that it ends with Modal's
 * TIMEOUT status (the SDK reports 124). The main command (`entrypointArgs`) runs as a backend
 * exec, so the sandbox is finished the moment it exits, with its exit code.
 */
export class EmulatedSandbox {
  readonly createdAt = Date.now() / 1000;
  readonly execs = new Map<string, ExecSession>();
  readonly tags = new Map<string, string>();
  readonly tunnels: SandboxTunnels;
  backendId: string | undefined;
  result: SandboxResult | undefined;
  /** Why the backend sandbox could not be created, when it could not. */
  launchError: unknown;
  /** Resolves when the backend sandbox exists (or failed to start). */
  ready: Promise<void> = Promise.resolve();
  /** The V1 path answers `SandboxGetTaskId` with a task only after this time (ms epoch). */
  scheduledAfter = 0;
  #timer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #backend: Provider | undefined;
  /** Execs running now, and when the last one started or ended (ms epoch): the idle clock. */
  #activeExecs = 0;
  #lastActivity = Date.now();
  #markFinished!: () => void;
  /** Resolves when the sandbox finishes, however it ends. */
  readonly finished = new Promise<void>((resolve) => {
    this.#markFinished = resolve;
  });

  constructor(
    readonly sandboxId: string,
    readonly taskId: string,
    readonly appId: string,
    readonly v1: boolean,
    readonly definition: SandboxDefinition,
    readonly env: Readonly<Record<string, string>>,
    readonly imageId: string,
    tunnels: SandboxTunnels,
  ) {
    this.tunnels = tunnels;
  }

  get name(): string {
    return this.definition.name ?? "";
  }

  get running(): boolean {
    return this.result === undefined;
  }

  /** Ports declared at create time; only these get tunnels. */
  get ports(): DeclaredPort[] {
    return (this.definition.openPorts?.ports ?? [])
      .filter((port) => (port?.port ?? 0) > 0)
      .map((port) => ({ port: port?.port ?? 0, unencrypted: port?.unencrypted ?? false }));
  }

  /** The sandbox's tunnels, opened on first use. */
  async openTunnels(): Promise<TunnelInfo[]> {
    await this.ready;
    if (!this.#backend || !this.backendId || this.ports.length === 0) return [];
    return this.tunnels.open(this.#backend, this.backendId, this.ports);
  }

  /** Creates the backend sandbox. Failures end this sandbox with status FAILURE. */
  launch(context: LaunchContext): Promise<void> {
    this.#backend = context.backend;
    this.ready = this.#launch(context).catch((error: unknown) => {
      const message = redact(error instanceof Error ? error.message : String(error));
      context.log(`sandbox ${this.sandboxId} failed to start: ${message}`);
      this.launchError = error;
      this.result = { status: GenericStatus.FAILURE, exitcode: 1, exception: message };
      const id = this.backendId;
      if (id) void context.backend.destroy(id).catch(() => undefined);
    });
    return this.ready;
  }

  async #launch(context: LaunchContext): Promise<void> {
    const spec = this.#backendSpec(context);
    const backendSnapshot = context.image?.backendSnapshot;
    const node = backendSnapshot
      ? await context.backend.restore(backendSnapshot, spec)
      : await context.backend.provision(spec);
    this.backendId = node.externalId;
    if (!this.running) {
      // Terminated while starting: do not leave the backend sandbox behind.
      await context.backend.destroy(node.externalId).catch(() => undefined);
      return;
    }
    const snapshot = context.image?.snapshotFile;
    if (snapshot) await restoreFilesystem(context.backend, node.externalId, snapshot);
    this.#startMainCommand(context);
    const idle = this.definition.idleTimeoutSecs;
    if (idle) {
      this.#idleTimer = setInterval(() => {
        if (this.#activeExecs === 0 && Date.now() - this.#lastActivity >= idle * 1000) {
          void this.finish(GenericStatus.IDLE_TIMEOUT, 0, "Sandbox idle timeout");
        }
      }, 250);
      this.#idleTimer.unref();
    }
    const lifetime = this.definition.timeoutSecs ?? 300;
    if (lifetime > 0) {
      this.#timer = setTimeout(() => void this.finish(GenericStatus.TIMEOUT, 0, "Sandbox timed out"), lifetime * 1000);
      this.#timer.unref();
    }
  }

  /**
   * Runs `entrypointArgs` (Modal's main process) as a backend exec in the workdir; its exit
   * finishes the sandbox at once with SUCCESS or FAILURE and its exit code, as Modal reports.
   */
  #startMainCommand(context: LaunchContext): void {
    const argv = (this.definition.entrypointArgs ?? []).filter((arg): arg is string => typeof arg === "string");
    const id = this.backendId;
    if (argv.length === 0 || !id) return;
    context.backend
      .exec(id, argv, { ...(this.definition.workdir ? { cwd: this.definition.workdir } : {}), maxOutputBytes: 0 })
      .then(
        (result) => {
          const code = result.exitCode;
          return this.finish(code === 0 ? GenericStatus.SUCCESS : GenericStatus.FAILURE, code, "");
        },
        (error: unknown) => {
          const message = redact(error instanceof Error ? error.message : String(error));
          return this.finish(GenericStatus.FAILURE, 1, `the main command could not run: ${message}`);
        },
      )
      .catch(() => undefined);
  }

  #backendSpec(context: LaunchContext): ProvisionSpec {
    const image = context.imageForTag(context.image?.tag);
    // Variables Modal sets in every container.
    const env = context.extraEnv({
      MODAL_TASK_ID: this.taskId,
      MODAL_IMAGE_ID: this.imageId,
      MODAL_IS_REMOTE: "1",
      ...this.env,
    });
    const backendCaps = context.backend.capabilities;
    // Without a network extension the backend shares the host network: nothing to forward.
    const ports = backendCaps.extensions.includes("network") ? this.ports.map((port) => port.port) : [];
    const resources = this.definition.resources;
    // Modal's cpu and memory are requests the container may exceed; their limits are hard. A
    // limit beyond what the backend's host has is no limit there.
    const { maxCpu, maxMemoryMiB } = backendCaps.constraints;
    const cpuLimit = resources?.milliCpuMax ? resources.milliCpuMax / 1000 : undefined;
    const cpu = cpuLimit !== undefined && (maxCpu === undefined || cpuLimit < maxCpu) ? cpuLimit : undefined;
    const memoryLimit = resources?.memoryMbMax || undefined;
    const memoryMiB =
      memoryLimit !== undefined && (maxMemoryMiB === undefined || memoryLimit < maxMemoryMiB) ? memoryLimit : undefined;
    const blocked = this.definition.networkAccess?.networkAccessType === 2 || this.definition.blockNetwork;
    return {
      runtime: {
        image,
        ...(this.definition.workdir ? { workdir: this.definition.workdir } : {}),
        ...(Object.keys(env).length > 0 ? { env } : {}),
      },
      ...(cpu !== undefined || memoryMiB !== undefined
        ? { resources: { ...(cpu === undefined ? {} : { cpu }), ...(memoryMiB === undefined ? {} : { memoryMiB }) } }
        : {}),
      network: {
        ...(ports.length > 0 ? { ports } : {}),
        // Modal's networking is open unless blocked; the backend's default applies unless asked.
        ...(blocked ? { egress: "none" as const } : context.openEgress ? { egress: "all" as const } : {}),
      },
    };
  }

  /**
   * Tracks exec activity for the idle timeout: a sandbox is idle when no exec runs and none
   * started or ended for `idleTimeoutSecs` (tunnel connections are not observed).
   */
  execStarted(): () => void {
    this.#activeExecs += 1;
    this.#lastActivity = Date.now();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#activeExecs -= 1;
      this.#lastActivity = Date.now();
    };
  }

  /** Ends the sandbox with `status`, destroying the backend sandbox. Idempotent. */
  async finish(status: number, exitcode: number, exception: string): Promise<void> {
    if (!this.running) return;
    this.result = { status, exitcode, exception };
    this.#markFinished();
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#idleTimer) clearInterval(this.#idleTimer);
    this.tunnels.close();
    const backend = this.#backend;
    const id = this.backendId;
    if (backend && id) await backend.destroy(id).catch(() => undefined);
  }
}
