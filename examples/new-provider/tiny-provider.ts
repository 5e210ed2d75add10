/**
 * A provider written from scratch in one file: each sandbox is a private directory, each exec a
 * process group in it. It isolates nothing (`isolation: "none"`) and says so, and it declares
 * no files, network, snapshot or pause support — the conformance suite then checks that those
 * really are unsupported. What it does support, it does exactly: that is what the suite proves.
 *
 * Check it: pnpm --filter @openlattice/examples run new-provider
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
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
  private readonly root = path.join(os.tmpdir(), `tiny-provider-${process.pid}`);

  async provision(spec: ProvisionSpec, options?: ProvisionOptions): Promise<SandboxNode> {
    const valid = parseProvisionSpec(spec, this.name);
    checkSpecAgainstCapabilities(valid, this.capabilities, this.name);
    if (valid.runtime?.image !== undefined && valid.runtime.image !== "host") {
      throw new UnsupportedError("image", `runtime.image: only "host" is supported`, { provider: this.name });
    }
    options?.signal?.throwIfAborted();
    const known = valid.idempotencyKey && this.byKey.get(valid.idempotencyKey);
    if (known && this.sandboxes.get(known)?.status === "running") return this.sandboxes.get(known)!.node;

    const id = `tiny-${randomUUID()}`;
    const dir = path.join(this.root, id);
    // Without isolation, the sandbox sees host paths: a workdir is used as given.
    const workdir = valid.runtime?.workdir ?? dir;
    mkdirSync(workdir, { recursive: true });
    const node: SandboxNode = {
      externalId: id,
      provider: this.name,
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
    return new Promise((resolve, reject) => {
      const child = spawn(request.argv[0]!, request.argv.slice(1), {
        cwd: request.cwd ? path.resolve(sandbox.workdir, request.cwd) : sandbox.workdir,
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
        if (group !== undefined) sandbox.groups.delete(group);
        kill(); // background processes of a finished command do not outlive it
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
    if (!sandbox) return { externalId, provider: this.name, status: "terminated", reason: "not found", labels: {} };
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
    return [...this.sandboxes.values()]
      .filter((sandbox) => sandbox.status === "running")
      .filter((sandbox) => wanted.every(([key, value]) => sandbox.node.labels[key] === value))
      .map((sandbox) => sandbox.node);
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
    rmSync(sandbox.dir, { recursive: true, force: true });
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
