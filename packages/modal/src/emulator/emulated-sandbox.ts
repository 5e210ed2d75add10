import type { Provider, ProvisionSpec, SnapshotRef } from "@openlattice/core";
import { redact } from "@openlattice/core";
import type { ExecSession } from "./exec-session.js";
import type { ControlRequest } from "./protocol-types.js";

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
  /** The backend snapshot, when the image is a filesystem snapshot. */
  readonly snapshot?: SnapshotRef;
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
}

/**
 * One Modal sandbox of the emulator, backed by one sandbox of the backend `Provider`.
 * Lifetime (`timeoutSecs`) is enforced here, not by the backend, so that it ends with Modal's
 * TIMEOUT status (the SDK reports 124).
 */
export class EmulatedSandbox {
  readonly createdAt = Date.now() / 1000;
  readonly execs = new Map<string, ExecSession>();
  readonly tags = new Map<string, string>();
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

  constructor(
    readonly sandboxId: string,
    readonly taskId: string,
    readonly appId: string,
    readonly v1: boolean,
    readonly definition: SandboxDefinition,
    readonly env: Readonly<Record<string, string>>,
    readonly imageId: string,
  ) {}

  get name(): string {
    return this.definition.name ?? "";
  }

  get running(): boolean {
    return this.result === undefined;
  }

  /** Ports declared at create time; only these get tunnels. */
  get ports(): number[] {
    return (this.definition.openPorts?.ports ?? []).map((port) => port?.port ?? 0).filter((port) => port > 0);
  }

  /** Creates the backend sandbox. Failures end this sandbox with status FAILURE. */
  launch(context: LaunchContext): Promise<void> {
    this.#backend = context.backend;
    this.ready = this.#launch(context).catch((error: unknown) => {
      const message = redact(error instanceof Error ? error.message : String(error));
      context.log(`sandbox ${this.sandboxId} failed to start: ${message}`);
      this.launchError = error;
      this.result = { status: GenericStatus.FAILURE, exitcode: 1, exception: message };
    });
    return this.ready;
  }

  async #launch(context: LaunchContext): Promise<void> {
    const spec = this.#backendSpec(context);
    const snapshot = context.image?.snapshot;
    const node = snapshot
      ? await context.backend.restore(snapshot, { runtime: spec.runtime, network: spec.network })
      : await context.backend.provision(spec);
    this.backendId = node.externalId;
    if (!this.running) {
      // Terminated while starting: do not leave the backend sandbox behind.
      await context.backend.destroy(node.externalId).catch(() => undefined);
      return;
    }
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

  #backendSpec(context: LaunchContext): ProvisionSpec {
    const image = context.imageForTag(context.image?.tag);
    const command = this.definition.entrypointArgs?.filter((arg): arg is string => typeof arg === "string");
    const env = context.extraEnv({ ...this.env });
    const backendEgress = context.backend.capabilities.egress;
    // Without a network extension the backend shares the host network: nothing to forward.
    const ports = context.backend.capabilities.extensions.includes("network") ? this.ports : [];
    return {
      runtime: {
        image,
        ...(this.definition.workdir ? { workdir: this.definition.workdir } : {}),
        // Modal's sandbox command is the long-running main process: the backend's entrypoint.
        ...(command && command.length > 0 ? { entrypoint: command } : {}),
        ...(Object.keys(env).length > 0 ? { env } : {}),
      },
      network: {
        ...(ports.length > 0 ? { ports } : {}),
        ...(this.#egress() === "none" && backendEgress.includes("none") ? { egress: "none" as const } : {}),
      },
    };
  }

  /** Modal's NetworkAccess: 2 = BLOCKED. Allowlists are recorded only. */
  #egress(): "none" | "all" {
    return this.definition.networkAccess?.networkAccessType === 2 ? "none" : "all";
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
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#idleTimer) clearInterval(this.#idleTimer);
    const backend = this.#backend;
    const id = this.backendId;
    if (backend && id) await backend.destroy(id).catch(() => undefined);
  }

  /**
   * Notices a main command that exited by itself: the backend reports its sandbox ended, and
   * Modal reports SUCCESS or FAILURE with the command's exit code.
   */
  async refresh(): Promise<void> {
    const backend = this.#backend;
    if (!this.running || !backend || !this.backendId) return;
    try {
      const info = await backend.inspect(this.backendId);
      if (info.status === "terminated" || info.status === "failed") {
        const code = info.exitCode ?? (info.status === "failed" ? 1 : 0);
        await this.finish(code === 0 ? GenericStatus.SUCCESS : GenericStatus.FAILURE, code, info.reason ?? "");
      }
    } catch {
      // The backend lost track of it: treat it as terminated.
      await this.finish(GenericStatus.TERMINATED, 137, "backend sandbox is gone");
    }
  }
}
