/**
 * A provider written from scratch in one file: each sandbox is a private directory, each exec a
 * process group in it, and a small JSON record per sandbox lets every provider instance of the
 * same user list and inspect it. It isolates nothing (`isolation: "none"`) and says so; it
 * declares no files, network, snapshot or pause support and refuses resource limits and idle
 * timeouts it cannot enforce — the conformance suite then checks that those really are
 * unsupported. What it does support, it does exactly: that is what the suite proves.
 *
 * Check it: pnpm --filter @openlattice/examples run new-provider
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  type Capabilities,
  checkSpecAgainstCapabilities,
  collectorsFor,
  createExecResult,
  type ExecOptions,
  type ExecResult,
  type ExtensionOf,
  exitCodeForSignal,
  type HealthReport,
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
  TerminatedError,
  UnsupportedError,
} from "@openlattice/core";

interface TinySandbox {
  node: SandboxNode;
  dir: string;
  env: Record<string, string>;
  workdir: string;
  status: "running" | "terminated";
  exitCode?: number;
  /** Process groups of every exec, kept after the exec ends: what it left running dies with the sandbox. */
  groups: Set<number>;
  timer?: NodeJS.Timeout;
}

export class TinyProvider implements Provider {
  readonly name = "tiny";
  readonly specificationVersion = "v1" as const;
  readonly capabilities: Capabilities = {
    isolation: "none",
    snapshot: false,
    snapshotTypes: [],
    execStreaming: "separate",
    restart: false,
    pause: false,
    pty: false,
    gpu: false,
    logs: false,
    tailscale: false,
    architectures: [process.arch === "arm64" ? "arm64" : "x86_64"],
    persistentStorage: false,
    egress: ["all"],
    extensions: [],
    constraints: { gpuTypes: [], imageKinds: ["host"], defaultImage: "host", maxDurationSeconds: 86_400 },
    limitations: { isolation: "plain processes as the calling user" },
  };
  private readonly sandboxes = new Map<string, TinySandbox>();
  private readonly byKey = new Map<string, string>();
  /** Shared by every instance of this user: `<id>/` is a sandbox's home, `<id>.json` its record. */
  private readonly root = path.join(os.tmpdir(), `tiny-provider-${os.userInfo().uid}`);

  async provision(spec: ProvisionSpec, options?: ProvisionOptions): Promise<SandboxNode> {
    const valid = parseProvisionSpec(spec, this.name);
    checkSpecAgainstCapabilities(valid, this.capabilities, this.name);
    if (valid.runtime?.image !== undefined && valid.runtime.image !== "host") {
      throw new UnsupportedError("image", `runtime.image: only "host" is supported`, { provider: this.name });
    }
    // Limits it could not enforce are refused, never accepted and ignored.
    for (const field of ["cpu", "memoryMiB", "diskMiB"] as const) {
      if (valid.resources?.[field] !== undefined) {
        throw new UnsupportedError("resources", `resources.${field}: the tiny provider enforces no limits`, {
          provider: this.name,
        });
      }
    }
    if (valid.duration?.idleSeconds !== undefined) {
      throw new UnsupportedError("idle-timeout", "duration.idleSeconds: the tiny provider has no idle timeout", {
        provider: this.name,
      });
    }
    options?.signal?.throwIfAborted();
    const known = valid.idempotencyKey && this.byKey.get(valid.idempotencyKey);
    if (known && this.sandboxes.get(known)?.status === "running") return this.sandboxes.get(known)!.node;

    const id = `tiny-${randomUUID()}`;
    const dir = path.join(this.root, id);
    // Without isolation, the sandbox sees host paths: a workdir is used as given.
    const workdir = valid.runtime?.workdir ?? dir;
    mkdirSync(dir, { recursive: true });
    mkdirSync(workdir, { recursive: true });
    const node: SandboxNode = {
      externalId: id,
      provider: this.name,
      ...(valid.name !== undefined && { name: valid.name }),
      status: "running",
      createdAt: new Date(),
      labels: valid.labels ?? {},
    };
    const sandbox: TinySandbox = {
      node,
      dir,
      workdir,
      env: valid.runtime?.env ?? {},
      status: "running",
      groups: new Set(),
    };
    this.sandboxes.set(id, sandbox);
    writeFileSync(`${dir}.json`, JSON.stringify({ owner: process.pid, node }), { mode: 0o600 });
    if (valid.idempotencyKey) this.byKey.set(valid.idempotencyKey, id);
    const seconds = valid.duration?.maxSeconds;
    if (seconds) sandbox.timer = setTimeout(() => void this.destroy(id), seconds * 1000).unref();
    const entrypoint = valid.runtime?.entrypoint;
    if (entrypoint) {
      // The sandbox lives as long as its main process.
      void this.exec(id, entrypoint).then(
        (result) => this.end(sandbox, result.exitCode),
        () => this.end(sandbox, 127),
      );
    }
    const setup = valid.runtime?.command;
    if (setup) {
      // Core's kit runs it to completion and destroys the sandbox when it fails.
      await runSetupCommand({
        provider: this.name,
        externalId: id,
        command: setup,
        exec: (argv, execOptions) => this.exec(id, argv, execOptions),
        destroy: () => this.destroy(id),
        signal: options?.signal,
      });
    }
    return node;
  }

  async exec(externalId: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    const request = parseExecRequest(argv, options, this.name, this.capabilities);
    const sandbox = this.live(externalId);
    const started = performance.now();
    const { stdout, stderr } = collectorsFor(request);
    request.signal?.throwIfAborted();
    const cwd = request.cwd ? path.resolve(sandbox.workdir, request.cwd) : sandbox.workdir;
    // Running in the wrong directory would be worse than not running: a missing cwd is refused.
    if (!isDirectory(cwd))
      throw new NotFoundError(`cwd: no directory ${cwd} in sandbox ${externalId}`, { provider: this.name });
    return new Promise((resolve, reject) => {
      const child = spawn(request.argv[0]!, request.argv.slice(1), {
        cwd,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: sandbox.dir, ...sandbox.env, ...request.env },
        detached: true, // its own process group, so a kill reaches its children too
        stdio: ["pipe", "pipe", "pipe"],
      });
      const group = child.pid;
      if (group !== undefined) sandbox.groups.add(group);
      const kill = () => group !== undefined && killGroup(group);
      let timedOut = false;
      let spawnFailure: number | undefined;
      const onTimeout = () => {
        timedOut = true;
        kill();
      };
      const timer = request.timeoutMs ? setTimeout(onTimeout, request.timeoutMs) : undefined;
      const onAbort = () => {
        kill();
        reject(request.signal?.reason);
      };
      request.signal?.addEventListener("abort", onAbort, { once: true });
      child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      child.stdin.on("error", () => {}); // the program may exit without reading its stdin
      child.stdin.end(request.stdin);
      child.on("error", (error: NodeJS.ErrnoException) => {
        // A program that does not exist is a command that ran and failed, as in a shell.
        spawnFailure = error.code === "ENOENT" ? 127 : 126;
        stderr.push(Buffer.from(`${request.argv[0]}: ${error.code === "ENOENT" ? "not found" : error.message}\n`));
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        request.signal?.removeEventListener("abort", onAbort);
        stdout.end();
        stderr.end();
        const callbackError = stdout.callbackError ?? stderr.callbackError;
        if (callbackError !== undefined) return reject(callbackError);
        resolve(
          createExecResult({
            // On a spawn failure Node reports a negative errno as the code.
            exitCode: spawnFailure ?? code ?? exitCodeForSignal(signal),
            stdoutBytes: stdout.bytes(),
            stderrBytes: stderr.bytes(),
            timedOut,
            truncated: stdout.truncated || stderr.truncated,
            durationMs: performance.now() - started,
          }),
        );
      });
    });
  }

  async destroy(externalId: string): Promise<void> {
    const sandbox = this.sandboxes.get(externalId);
    if (sandbox) this.end(sandbox, sandbox.exitCode);
  }

  async inspect(externalId: string): Promise<SandboxInfo> {
    const sandbox = this.sandboxes.get(externalId);
    if (!sandbox) {
      const node = this.records().find((record) => record.externalId === externalId);
      return node ?? { externalId, provider: this.name, status: "terminated", reason: "not found", labels: {} };
    }
    return {
      ...sandbox.node,
      status: sandbox.status,
      ...(sandbox.exitCode !== undefined && { exitCode: sandbox.exitCode }),
    };
  }

  async snapshot(): Promise<SnapshotRef> {
    throw new UnsupportedError("snapshot", "the tiny provider cannot snapshot", { provider: this.name });
  }

  async restore(): Promise<SandboxNode> {
    throw new UnsupportedError("snapshot", "the tiny provider cannot restore snapshots", { provider: this.name });
  }

  async healthCheck(): Promise<HealthReport> {
    const started = performance.now();
    return { healthy: true, latencyMs: performance.now() - started, message: "plain processes, no isolation" };
  }

  getExtension<K extends string>(_externalId: string, _name: K): ExtensionOf<K> {
    return undefined as ExtensionOf<K>;
  }

  async list(filter: { labels?: Record<string, string> } = {}): Promise<SandboxNode[]> {
    const wanted = Object.entries(filter.labels ?? {});
    return this.records().filter((node) => wanted.every(([key, value]) => node.labels[key] === value));
  }

  /** The live sandboxes of every instance: records whose owning process still runs. */
  private records(): SandboxNode[] {
    const nodes: SandboxNode[] = [];
    let names: string[] = [];
    try {
      names = readdirSync(this.root).filter((name) => name.endsWith(".json"));
    } catch {
      return nodes; // nothing provisioned yet
    }
    for (const name of names) {
      const file = path.join(this.root, name);
      let record: { owner: number; node: SandboxNode };
      try {
        record = JSON.parse(readFileSync(file, "utf8"));
      } catch {
        continue; // removed while we read it
      }
      if (!processAlive(record.owner)) {
        // Its owner is gone: nothing can exec in or destroy that sandbox any more, so it has ended.
        rmSync(file, { force: true });
        rmSync(file.slice(0, -".json".length), { recursive: true, force: true });
        continue;
      }
      nodes.push({ ...record.node, createdAt: new Date(record.node.createdAt) });
    }
    return nodes;
  }

  private live(externalId: string): TinySandbox {
    const sandbox = this.sandboxes.get(externalId);
    if (!sandbox) throw new NotFoundError(`no sandbox ${externalId}`, { provider: this.name });
    if (sandbox.status !== "running")
      throw new TerminatedError(`sandbox ${externalId} has ended`, { provider: this.name });
    return sandbox;
  }

  private end(sandbox: TinySandbox, exitCode: number | undefined): void {
    if (sandbox.status === "terminated") return;
    sandbox.status = "terminated";
    if (exitCode !== undefined) sandbox.exitCode = exitCode;
    clearTimeout(sandbox.timer);
    for (const group of sandbox.groups) killGroup(group);
    rmSync(`${sandbox.dir}.json`, { force: true });
    rmSync(sandbox.dir, { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function killGroup(group: number): void {
  try {
    process.kill(-group, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/** The conformance CLI calls this once per case for a fresh provider. */
export default function createProvider(): Provider {
  return new TinyProvider();
}
