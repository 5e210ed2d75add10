import { randomUUID } from "node:crypto";
import { cp, mkdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Capabilities,
  ConflictError,
  type ExecOptions,
  type ExecResult,
  type ExtensionOf,
  type HealthReport,
  type LifecycleExtension,
  type ListFilter,
  mergeSpec,
  type NetworkExtension,
  NotFoundError,
  type Provider,
  type ProvisionOptions,
  type ProvisionSpec,
  parseExecRequest,
  runSetupCommand,
  type SandboxInfo,
  type SandboxNode,
  type SnapshotRef,
  SPECIFICATION_VERSION,
  TerminatedError,
  type ValidProvisionSpec,
} from "@openlattice/core";
import { REFERENCE_CAPABILITIES } from "./reference-capabilities.js";
import { runProcess, signalGroup } from "./reference-exec.js";
import { referenceLifecycle, referenceNetwork } from "./reference-extensions.js";
import { createReferenceFiles } from "./reference-files.js";
import { interactiveExtension, resolveCwd } from "./reference-interactive.js";
import { ptyLaunch } from "./reference-pty.js";
import { parseReferenceRef, validateReferenceSpec } from "./reference-spec.js";
import {
  beginActivity,
  createdDirs,
  createSandbox,
  endSandbox,
  idempotencyKeys,
  type ReferenceSandbox,
  sandboxes,
  snapshots,
} from "./reference-state.js";

export { REFERENCE_CAPABILITIES, REFERENCE_IMAGE } from "./reference-capabilities.js";
export type { ReferenceSandbox } from "./reference-state.js";

export interface ReferenceProviderOptions {
  /** Provider name reported in nodes and refs. Default `"reference"`. */
  name?: string;
  /**
   * Where workspaces and snapshots live. Default `<os tmpdir>/openlattice-reference/p<pid>`: one
   * directory per process, removed when it exits, so concurrent test runs never touch each other's.
   */
  root?: string;
}

/**
 * The in-memory reference provider: every spec v1 operation, implemented plainly, for provider
 * authors to read. Sandboxes are host processes in a per-sandbox temp workspace (isolation
 * `"none"`: no security boundary, never run untrusted code with it); state lives in memory.
 * It cannot enforce resource limits or egress policies, so it refuses them (`unsupported`)
 * rather than accept what it would ignore. Subclasses in the suite's tests each change one
 * thing to prove the suite catches that bug.
 */
export class ReferenceProvider implements Provider {
  readonly name: string;
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly capabilities: Capabilities = REFERENCE_CAPABILITIES;
  protected readonly root: string;

  constructor(options: ReferenceProviderOptions = {}) {
    this.name = options.name ?? "reference";
    this.root = options.root ?? join(tmpdir(), "openlattice-reference", `p${process.pid}`);
    // The default root is this process's own: it goes when the process exits. A given root stays.
    if (options.root === undefined) createdDirs.add(this.root);
  }

  async provision(spec: ProvisionSpec, options?: ProvisionOptions): Promise<SandboxNode> {
    // Validation comes first: nothing is created for a spec that is wrong.
    const valid = this.validateSpec(spec);
    const key = valid.idempotencyKey;
    if (key === undefined) return this.provisionValid(valid, options?.signal);
    // The key is claimed before anything is created, so a concurrent repeat gets the same sandbox.
    const claimed = idempotencyKeys.get(key);
    if (claimed) return this.nodeOf(this.known((await claimed).externalId));
    const created = this.provisionValid(valid, options?.signal);
    idempotencyKeys.set(key, created);
    created.catch(() => idempotencyKeys.delete(key));
    return created;
  }

  private async provisionValid(valid: ValidProvisionSpec, signal: AbortSignal | undefined): Promise<SandboxNode> {
    const sandbox = await createSandbox(this.root, valid);
    if (signal?.aborted) {
      await this.destroy(sandbox.id);
      throw signal.reason;
    }
    await this.setUp(sandbox, signal);
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
    const done = beginActivity(sandbox);
    try {
      const cwd = await resolveCwd(sandbox, request.cwd, this.name);
      // Per-call env is layered over the sandbox's env for this call only.
      const env = { ...sandbox.env, ...request.env };
      // Under a terminal the command leads a session of its own: timeouts and aborts end it too.
      const pty = request.pty ? ptyLaunch(request.argv, request.pty, env, await this.ptyDir()) : undefined;
      const groups = (pid: number) => [pid, ...(pty?.session() ? [pty.session()?.pgid as number] : [])];
      return await runProcess(pty ? { ...request, argv: pty.argv } : request, {
        cwd,
        env: pty?.env ?? env,
        groups: sandbox.groups,
        killOnTimeout: (pid) => {
          for (const group of groups(pid)) this.killOnTimeout(group);
        },
        killOnAbort: (pid) => {
          for (const group of groups(pid)) this.killOnAbort(group);
        },
      });
    } finally {
      done();
    }
  }

  /** Where terminal wrappers record their sessions: outside every workspace. */
  private async ptyDir(): Promise<string> {
    const dir = join(this.root, "pty");
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async destroy(externalId: string): Promise<void> {
    const sandbox = sandboxes.get(externalId);
    if (!sandbox) return;
    endSandbox(sandbox, "destroyed");
    // Removing a removed workspace is a no-op, which keeps destroy idempotent.
    await rm(sandbox.workspace, { recursive: true, force: true });
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
    const parsed = parseReferenceRef(ref, this.name);
    const snapshot = snapshots.get(parsed.externalId);
    if (!snapshot) throw new NotFoundError(`no snapshot ${JSON.stringify(parsed.externalId)}`, { provider: this.name });
    // Each given section of the overrides replaces the snapshot's.
    const spec = this.validateSpec(mergeSpec(snapshot.spec as ProvisionSpec, overrides));
    const sandbox = await createSandbox(this.root, spec, snapshot.dir);
    await this.setUp(sandbox);
    return this.nodeOf(sandbox);
  }

  async healthCheck(): Promise<HealthReport> {
    const started = performance.now();
    try {
      await mkdir(this.root, { recursive: true });
      const shell = await stat("/bin/sh");
      return { healthy: shell.isFile(), latencyMs: performance.now() - started };
    } catch (error) {
      return { healthy: false, latencyMs: performance.now() - started, message: String(error) };
    }
  }

  /** The live sandboxes whose labels include every given label (what leak checks and sweepers need). */
  async list(filter: ListFilter = {}): Promise<SandboxNode[]> {
    const wanted = Object.entries(filter.labels ?? {});
    return [...sandboxes.values()]
      .filter((sandbox) => sandbox.status === "running" || sandbox.status === "paused")
      .filter((sandbox) => wanted.every(([key, value]) => sandbox.spec.labels?.[key] === value))
      .map((sandbox) => this.nodeOf(sandbox));
  }

  getExtension<K extends string>(externalId: string, name: K): ExtensionOf<K> {
    // A switch, not an object lookup: names like "toString" must not find anything.
    switch (name) {
      case "files":
        return this.files(externalId) as ExtensionOf<K>;
      case "network":
        return this.network(externalId) as ExtensionOf<K>;
      case "lifecycle":
        return this.lifecycle(externalId) as ExtensionOf<K>;
      case "processes":
      case "fileStreams":
      case "fileWatch":
      case "lifetime":
        return interactiveExtension(name as "processes" | "fileStreams" | "fileWatch" | "lifetime", {
          live: () => this.live(externalId),
          provider: this.name,
          capabilities: this.capabilities,
          ptyDir: join(this.root, "pty"),
        }) as ExtensionOf<K>;
    }
    return undefined as ExtensionOf<K>;
  }

  /** Validates a spec (core's rules, the capabilities, the one image, the refused limits). */
  protected validateSpec(spec: unknown): ValidProvisionSpec {
    return validateReferenceSpec(spec, this.capabilities, this.name);
  }

  /** Kills what a timed-out exec started: its whole process group. */
  protected killOnTimeout(pid: number): void {
    signalGroup(pid, "SIGKILL");
  }

  /** Kills what an aborted exec started: its whole process group. */
  protected killOnAbort(pid: number): void {
    signalGroup(pid, "SIGKILL");
  }

  /** Copies a workspace for a snapshot: a full, independent copy taken now. */
  protected async copyWorkspace(from: string, to: string): Promise<void> {
    await cp(from, to, { recursive: true, verbatimSymlinks: true });
  }

  protected lifecycle(externalId: string): LifecycleExtension {
    return referenceLifecycle(() => this.live(externalId));
  }

  protected network(externalId: string): NetworkExtension {
    return referenceNetwork(() => this.live(externalId), this.name);
  }

  protected files(externalId: string) {
    return createReferenceFiles(
      () => this.live(externalId).workdir,
      this.name,
      () => beginActivity(this.live(externalId)),
    );
  }

  /** The sandbox, or `not_found`/`terminated`. */
  protected live(externalId: string): ReferenceSandbox {
    const sandbox = this.known(externalId);
    // The reference has no "failed" state: a sandbox ends "terminated", whatever ended it.
    if (sandbox.status === "terminated") {
      throw new TerminatedError(`sandbox ${externalId} has ended (${sandbox.reason})`, { provider: this.name });
    }
    return sandbox;
  }

  private known(externalId: string): ReferenceSandbox {
    const sandbox = sandboxes.get(externalId);
    if (!sandbox) throw new NotFoundError(`no sandbox ${JSON.stringify(externalId)}`, { provider: this.name });
    return sandbox;
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
