import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { cp, mkdir, mkdtemp, realpath, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  type Capabilities,
  ConflictError,
  checkSpecAgainstCapabilities,
  type ExecOptions,
  type ExecResult,
  type ExtensionOf,
  exitCodeForSignal,
  type HealthReport,
  InvalidArgumentError,
  type LifecycleExtension,
  mergeSpec,
  type NetworkExtension,
  NotFoundError,
  PortSchema,
  type Provider,
  type ProvisionOptions,
  type ProvisionSpec,
  parseExecRequest,
  parseProvisionSpec,
  parseSnapshotRef,
  runSetupCommand,
  type SandboxInfo,
  type SandboxNode,
  type SandboxStatus,
  type SnapshotRef,
  SPECIFICATION_VERSION,
  TerminatedError,
  type ValidProvisionSpec,
} from "@openlattice/core";
import { runProcess, signalGroup } from "./reference-exec.js";
import { createReferenceFiles } from "./reference-files.js";

/** The only image the reference understands: the host's own userland. */
export const REFERENCE_IMAGE = "host";

/** One sandbox as the reference backend keeps it: a workspace directory and its process groups. */
export interface ReferenceSandbox {
  readonly id: string;
  readonly spec: ValidProvisionSpec;
  readonly createdAt: Date;
  readonly workspace: string;
  readonly workdir: string;
  readonly env: Readonly<Record<string, string>>;
  /** Process groups started in the sandbox (main command and every exec, with their background children). */
  readonly groups: Set<number>;
  status: SandboxStatus;
  endedAt?: Date;
  reason?: string;
  exitCode?: number;
  timer?: NodeJS.Timeout;
  main?: ChildProcess;
  removed: boolean;
}

interface ReferenceSnapshot {
  readonly dir: string;
  readonly spec: ValidProvisionSpec;
}

// The "backend": shared by every provider instance in the process, the way a real backend is
// shared by every client. That is what lets a fresh provider inspect another one's sandboxes.
const sandboxes = new Map<string, ReferenceSandbox>();
const snapshots = new Map<string, ReferenceSnapshot>();
const idempotencyKeys = new Map<string, string>();

// Snapshots have no delete operation in spec v1, and a crashed run skips destroy: remove this
// process's directories when it exits so that test runs do not fill the temp directory.
const createdDirs = new Set<string>();
process.once("exit", () => {
  for (const sandbox of sandboxes.values()) {
    for (const group of sandbox.groups) signalGroup(group, "SIGKILL");
  }
  for (const dir of createdDirs) rmSync(dir, { recursive: true, force: true });
});

export interface ReferenceProviderOptions {
  /** Provider name reported in nodes and refs. Default `"reference"`. */
  name?: string;
  /** Where workspaces and snapshots live. Default `<os tmpdir>/openlattice-reference`. */
  root?: string;
}

/**
 * The in-memory reference provider: every spec v1 operation, implemented plainly, for provider
 * authors to read. Sandboxes are host processes in a per-sandbox temp workspace (isolation
 * `"none"`: no security boundary, never run untrusted code with it); state lives in memory.
 * Subclasses in the suite's tests each change one thing to prove the suite catches that bug.
 */
export class ReferenceProvider implements Provider {
  readonly name: string;
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly capabilities: Capabilities = Object.freeze({
    isolation: "none",
    snapshot: true,
    snapshotTypes: ["filesystem"],
    execStreaming: "separate",
    restart: false,
    pause: true,
    pty: false,
    gpu: false,
    logs: false,
    tailscale: false,
    architectures: [process.arch === "arm64" ? "arm64" : "x86_64"],
    persistentStorage: false,
    egress: ["all"],
    extensions: ["files", "network", "lifecycle"],
    constraints: {
      gpuTypes: [],
      maxDurationSeconds: 24 * 3600,
      imageKinds: [`${REFERENCE_IMAGE} (the host's userland)`],
      defaultImage: REFERENCE_IMAGE,
    },
    limitations: { isolation: "host processes in a temp directory: a reference for reading, not a security boundary" },
  } satisfies Capabilities);
  protected readonly root: string;

  constructor(options: ReferenceProviderOptions = {}) {
    this.name = options.name ?? "reference";
    this.root = options.root ?? join(tmpdir(), "openlattice-reference");
  }

  async provision(spec: ProvisionSpec, options?: ProvisionOptions): Promise<SandboxNode> {
    // Validation comes first: nothing is created for a spec that is wrong.
    const valid = this.validateSpec(spec);
    if (options?.signal?.aborted) throw options.signal.reason;
    const key = valid.idempotencyKey;
    const existing = key === undefined ? undefined : sandboxes.get(idempotencyKeys.get(key) ?? "");
    if (existing) return this.nodeOf(existing);
    const sandbox = await this.create(valid);
    if (key !== undefined) idempotencyKeys.set(key, sandbox.id);
    if (options?.signal?.aborted) {
      await this.destroy(sandbox.id);
      throw options.signal.reason;
    }
    await this.setUp(sandbox, options?.signal);
    return this.nodeOf(sandbox);
  }

  /** Runs the spec's setup command to completion; a failure destroys the sandbox (core's kit). */
  protected async setUp(sandbox: ReferenceSandbox, signal?: AbortSignal): Promise<void> {
    const command = sandbox.spec.runtime?.command;
    if (!command) return;
    await runSetupCommand({
      provider: this.name,
      externalId: sandbox.id,
      command,
      exec: (argv, execOptions) => this.exec(sandbox.id, argv, execOptions),
      destroy: () => this.destroy(sandbox.id),
      signal,
    });
  }

  async exec(externalId: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    const request = parseExecRequest(argv, options, this.name, this.capabilities);
    const sandbox = this.live(externalId);
    if (sandbox.status === "paused")
      throw new ConflictError(`sandbox ${externalId} is paused`, { provider: this.name });
    const cwd = request.cwd === undefined ? sandbox.workdir : resolve(sandbox.workdir, request.cwd);
    const info = await stat(cwd).catch(() => undefined);
    if (!info?.isDirectory())
      throw new NotFoundError(`cwd ${JSON.stringify(request.cwd)} is not a directory`, { provider: this.name });
    return runProcess(request, {
      cwd,
      // Per-call env is layered over the sandbox's env for this call only.
      env: { ...sandbox.env, ...request.env },
      groups: sandbox.groups,
      kill: (pid) => this.killTree(pid),
    });
  }

  async destroy(externalId: string): Promise<void> {
    const sandbox = sandboxes.get(externalId);
    if (!sandbox) return;
    this.end(sandbox, "destroyed");
    if (!sandbox.removed) {
      sandbox.removed = true;
      await rm(sandbox.workspace, { recursive: true, force: true });
    }
  }

  async inspect(externalId: string): Promise<SandboxInfo> {
    const sandbox = sandboxes.get(externalId);
    // An id this provider never made (or forgot) is simply over.
    if (!sandbox) return { externalId, provider: this.name, status: "terminated", reason: "not found", labels: {} };
    return {
      ...this.nodeOf(sandbox),
      startedAt: sandbox.createdAt,
      ...(sandbox.endedAt && { endedAt: sandbox.endedAt }),
      ...(sandbox.exitCode !== undefined && { exitCode: sandbox.exitCode }),
      ...(sandbox.reason && { reason: sandbox.reason }),
      image: sandbox.spec.runtime?.image ?? REFERENCE_IMAGE,
      details: { isolation: "none", workspace: sandbox.workspace },
    };
  }

  async snapshot(externalId: string): Promise<SnapshotRef> {
    const sandbox = this.live(externalId);
    const id = `snap-${randomUUID()}`;
    const dir = join(this.root, id);
    createdDirs.add(dir);
    await this.copyWorkspace(sandbox.workspace, dir);
    snapshots.set(id, { dir, spec: sandbox.spec });
    return {
      provider: this.name,
      externalId: id,
      type: "filesystem",
      createdAt: new Date(),
      sourceExternalId: externalId,
    };
  }

  async restore(ref: SnapshotRef, overrides?: Partial<ProvisionSpec>): Promise<SandboxNode> {
    const parsed = parseSnapshotRef(ref);
    if (parsed.provider !== this.name) {
      throw new InvalidArgumentError(
        "ref.provider",
        `a ${parsed.provider} snapshot cannot be restored by ${this.name}`,
        { provider: this.name },
      );
    }
    const snapshot = snapshots.get(parsed.externalId);
    if (!snapshot) throw new NotFoundError(`no snapshot ${JSON.stringify(parsed.externalId)}`, { provider: this.name });
    const spec = this.validateSpec(mergeSpec(snapshot.spec as ProvisionSpec, overrides));
    const sandbox = await this.create(spec, snapshot.dir);
    await this.setUp(sandbox);
    return this.nodeOf(sandbox);
  }

  async healthCheck(): Promise<HealthReport> {
    const started = Date.now();
    try {
      await mkdir(this.root, { recursive: true });
      const shell = await stat("/bin/sh");
      return { healthy: shell.isFile(), latencyMs: Date.now() - started };
    } catch (error) {
      return { healthy: false, latencyMs: Date.now() - started, message: String(error) };
    }
  }

  /**
   * Lists sandboxes whose labels include every given label. Not part of spec v1; the
   * conformance suite uses it, where a provider has it, to find leaked sandboxes by run label.
   */
  async list(filter: { labels?: Record<string, string> } = {}): Promise<SandboxNode[]> {
    const wanted = Object.entries(filter.labels ?? {});
    return [...sandboxes.values()]
      .filter((sandbox) => wanted.every(([key, value]) => sandbox.spec.labels?.[key] === value))
      .map((sandbox) => this.nodeOf(sandbox));
  }

  getExtension<K extends string>(externalId: string, name: K): ExtensionOf<K> {
    // A switch, not an object lookup: names like "toString" must not find anything.
    switch (name) {
      case "files":
        return this.files(externalId) as ExtensionOf<K>;
      case "network":
        return this.network() as ExtensionOf<K>;
      case "lifecycle":
        return this.lifecycle(externalId) as ExtensionOf<K>;
      default:
        return undefined as ExtensionOf<K>;
    }
  }

  /** Validates a spec through core and checks it against the capabilities and the one image. */
  protected validateSpec(spec: unknown): ValidProvisionSpec {
    const valid = parseProvisionSpec(spec, this.name);
    checkSpecAgainstCapabilities(valid, this.capabilities, this.name);
    const image = valid.runtime?.image;
    if (image !== undefined && image !== REFERENCE_IMAGE) {
      throw new InvalidArgumentError("runtime.image", `the reference provider only runs image "${REFERENCE_IMAGE}"`, {
        provider: this.name,
      });
    }
    return valid;
  }

  /** Kills what a timed-out or aborted exec started: its whole process group. */
  protected killTree(pid: number): void {
    signalGroup(pid, "SIGKILL");
  }

  /** Copies a workspace for a snapshot: a full, independent copy taken now. */
  protected async copyWorkspace(from: string, to: string): Promise<void> {
    await cp(from, to, { recursive: true, verbatimSymlinks: true });
  }

  /** Pause: stop every process group; resume: continue them. */
  protected lifecycle(externalId: string): LifecycleExtension {
    return {
      pause: async () => {
        const sandbox = this.live(externalId);
        for (const group of sandbox.groups) signalGroup(group, "SIGSTOP");
        sandbox.status = "paused";
      },
      resume: async () => {
        const sandbox = this.live(externalId);
        for (const group of sandbox.groups) signalGroup(group, "SIGCONT");
        sandbox.status = "running";
      },
    };
  }

  protected network(): NetworkExtension {
    return {
      // Sandboxes share the host's network (isolation "none"), so the port is reachable on loopback.
      getUrl: async (port) => `http://127.0.0.1:${PortSchema.parse(port)}`,
    };
  }

  protected files(externalId: string) {
    return createReferenceFiles(
      () => this.live(externalId).workdir,
      () => {
        const sandbox = this.live(externalId);
        return [sandbox.workspace, sandbox.workdir];
      },
      this.name,
    );
  }

  /** The sandbox, or `not_found`/`terminated`. */
  protected live(externalId: string): ReferenceSandbox {
    const sandbox = sandboxes.get(externalId);
    if (!sandbox) throw new NotFoundError(`no sandbox ${JSON.stringify(externalId)}`, { provider: this.name });
    if (sandbox.status === "terminated" || sandbox.status === "failed") {
      throw new TerminatedError(`sandbox ${externalId} has ended (${sandbox.reason ?? sandbox.status})`, {
        provider: this.name,
      });
    }
    return sandbox;
  }

  private async create(spec: ValidProvisionSpec, fromSnapshot?: string): Promise<ReferenceSandbox> {
    await mkdir(this.root, { recursive: true });
    const workspace = await mkdtemp(join(this.root, "sbx-"));
    createdDirs.add(workspace);
    if (fromSnapshot) await cp(await realpath(fromSnapshot), workspace, { recursive: true, verbatimSymlinks: true });
    const workdir = spec.runtime?.workdir ?? workspace;
    await mkdir(workdir, { recursive: true });
    const sandbox: ReferenceSandbox = {
      id: `ref-${randomUUID()}`,
      spec,
      createdAt: new Date(),
      workspace,
      workdir,
      // A small, explicit environment: the host's variables (and secrets) never leak in.
      env: { PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin", HOME: workspace, ...spec.runtime?.env },
      groups: new Set(),
      status: "running",
      removed: false,
    };
    sandboxes.set(sandbox.id, sandbox);
    const seconds = spec.duration?.maxSeconds;
    if (seconds !== undefined) {
      sandbox.timer = setTimeout(() => this.end(sandbox, "duration limit"), seconds * 1000);
      sandbox.timer.unref();
    }
    const entrypoint = spec.runtime?.entrypoint;
    if (entrypoint) {
      const [program, ...args] = entrypoint as [string, ...string[]];
      const main = spawn(program, args, { cwd: workdir, env: sandbox.env, detached: true, stdio: "ignore" });
      sandbox.main = main;
      if (main.pid !== undefined) sandbox.groups.add(main.pid);
      main.on("error", () => this.end(sandbox, "entrypoint could not start", 127));
      main.on("exit", (code, signal) => this.end(sandbox, "entrypoint exited", code ?? exitCodeForSignal(signal)));
      main.unref();
    }
    return sandbox;
  }

  /** Ends a sandbox: every process group is killed and the state becomes terminal. Idempotent. */
  private end(sandbox: ReferenceSandbox, reason: string, exitCode?: number): void {
    if (sandbox.status === "terminated" || sandbox.status === "failed") return;
    sandbox.status = "terminated";
    sandbox.reason = reason;
    sandbox.endedAt = new Date();
    if (exitCode !== undefined) sandbox.exitCode = exitCode;
    clearTimeout(sandbox.timer);
    // SIGKILL ends stopped (paused) processes too.
    for (const group of sandbox.groups) signalGroup(group, "SIGKILL");
    sandbox.groups.clear();
  }

  private nodeOf(sandbox: ReferenceSandbox): SandboxNode {
    return {
      externalId: sandbox.id,
      provider: this.name,
      status: sandbox.status,
      createdAt: sandbox.createdAt,
      labels: { ...sandbox.spec.labels },
      ...(sandbox.spec.name !== undefined && { name: sandbox.spec.name }),
    };
  }
}

/** Makes a fresh reference provider: the factory to hand to `describeProvider` or the CLI. */
export function createReferenceProvider(options?: ReferenceProviderOptions): ReferenceProvider {
  return new ReferenceProvider(options);
}
