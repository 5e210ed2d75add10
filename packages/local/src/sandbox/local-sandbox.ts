import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { rm, stat } from "node:fs/promises";
import path from "node:path";
import {
  type ExecRequest,
  type ExecResult,
  exitCodeForSignal,
  type FilesExtension,
  InternalError,
  InvalidArgumentError,
  parseExecRequest,
  type SandboxInfo,
  type SandboxNode,
  type SandboxStatus,
  TerminatedError,
  TimeoutError,
  type ValidProvisionSpec,
} from "@openlattice/core";
import { asSandboxError } from "../errors.js";
import { wrapInCgroups } from "../exec/cgroup-wrapper.js";
import { hostLaunch, namespaceLaunch } from "../exec/exec-launch.js";
import { type ProcessLaunch, runProcess } from "../exec/run-process.js";
import { createFilesExtension } from "../files/files-extension.js";
import { type Owner, RootedFs } from "../files/rooted-fs.js";
import type { IsolationProbe, NamespaceTools } from "../host/probe.js";
import type { ProcessGroupHandle } from "../host/sandbox-cgroups.js";
import { ownerGroupName, SandboxCgroups } from "../host/sandbox-cgroups.js";
import { PortForwarder } from "../network/port-forwarder.js";
import type { IsolationTier, ResolvedOptions } from "../options.js";
import type { StatCache } from "../snapshots/snapshot-store.js";
import { currentOwner } from "../state/owner.js";
import { STAGING_PREFIX, type StateLayout } from "../state/state-layout.js";
import { BWRAP_BLOCK_FD, BWRAP_INFO_FD, BWRAP_READY_FD, buildBwrapArgs } from "./bwrap-args.js";
import { extractTarImage, hostImageArgs, type ImageRef, rootfsBindArgs } from "./images.js";
import { noneTierWorkdir, planNamespaceWorkspace } from "./workdir.js";

/** Everything a sandbox needs from its provider. */
export interface SandboxEnvironment {
  readonly provider: string;
  readonly options: ResolvedOptions;
  readonly probe: IsolationProbe;
  readonly tier: IsolationTier;
  readonly layout: StateLayout;
}

/** Replaces `file` with `value` as JSON in one step: readers see the old or the new file, never a part. */
function writeJsonAtomically(file: string, value: unknown): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(value));
  renameSync(temporary, file);
}

/** What is recorded in `sandboxes/<id>/meta.json`, so a later process can reap a crashed one's sandboxes. */
export interface SandboxMeta {
  readonly id: string;
  readonly tier: IsolationTier;
  readonly owner: { readonly pid: number; readonly startTime: number };
  readonly createdAt: string;
  readonly workspace: string;
  readonly cgroups: Record<string, string>;
}

/** Largest file the `files` extension moves in one call. */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;

const BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** Longest a namespace sandbox may take to become ready. */
const START_TIMEOUT_MS = 30_000;

/** Creates a sandbox id: unguessable, and short enough for cgroup and socket paths. */
export function newSandboxId(): string {
  return `sbx-${randomBytes(8).toString("hex")}`;
}

/** Options of `LocalSandbox.start`. */
export interface StartOptions {
  readonly signal?: AbortSignal;
  /** Fills the fresh workspace before any process starts (snapshot restore); returns its stat cache. */
  readonly seed?: (workspace: string, owner: Owner | undefined) => Promise<StatCache>;
  /** Called when the sandbox ends on its own (main command exit, duration limit). */
  readonly onEnded?: (sandbox: LocalSandbox) => void;
}

/**
 * One sandbox. In the namespace tier it is a long-lived bubblewrap init (every namespace
 * unshared, image read-only, workspace writable, tmpfs /tmp) inside its own cgroups; each exec
 * enters its namespaces with `nsenter` from a fresh per-exec cgroup. In the `none` tier it is a
 * private workspace directory and plain process groups (in cgroups where writable).
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
  /** Default working directory, as commands see it. */
  workdir = "";
  private cgroups: SandboxCgroups | undefined;
  private initGroup: ProcessGroupHandle | undefined;
  private init: ChildProcess | undefined;
  /** Host pid of the sandbox's pid 1 (namespace tier). */
  private initPid: number | undefined;
  private env: Record<string, string> = {};
  private ports: PortForwarder | undefined;
  private files: FilesExtension | undefined;
  private timers: NodeJS.Timeout[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private activeExecs = 0;
  /** Told when the sandbox ends on its own (command exit, limits). */
  private endedHook: ((sandbox: LocalSandbox) => void) | undefined;
  private teardownPromise: Promise<void> | undefined;
  private readonly owner: Owner | undefined;

  private constructor(
    readonly id: string,
    /** The spec it runs; replaced when a pre-started (pooled) sandbox is handed out. */
    public spec: ValidProvisionSpec,
    private readonly environment: SandboxEnvironment,
    private readonly image: ImageRef,
  ) {
    this.workspaceHost = environment.layout.workspaceDir(id);
    const { options, tier, probe } = environment;
    this.owner = tier === "namespace" && probe.root ? { uid: options.hostUid, gid: options.hostUid } : undefined;
  }

  get tier(): IsolationTier {
    return this.environment.tier;
  }

  private get provider(): string {
    return this.environment.provider;
  }

  /** Creates and starts a sandbox; resolves once it accepts `exec`. Cleans up everything on failure. */
  static async start(
    id: string,
    spec: ValidProvisionSpec,
    image: ImageRef,
    environment: SandboxEnvironment,
    options: StartOptions = {},
  ): Promise<LocalSandbox> {
    const sandbox = new LocalSandbox(id, spec, environment, image);
    try {
      await sandbox.boot(options);
      return sandbox;
    } catch (error) {
      await sandbox.teardown("failed to start");
      sandbox.status = "failed";
      throw error;
    }
  }

  private async boot(options: StartOptions): Promise<void> {
    const { layout, options: config, probe, tier } = this.environment;
    this.endedHook = options.onEnded;
    const signal = options.signal;
    signal?.throwIfAborted();
    const plan = tier === "namespace" ? planNamespaceWorkspace(this.spec.runtime?.workdir) : undefined;

    const limits = {
      ...(this.spec.resources?.memoryMiB !== undefined
        ? { memoryBytes: this.spec.resources.memoryMiB * 1024 * 1024 }
        : {}),
      pids: config.defaultPidsLimit,
      ...(this.spec.resources?.cpu !== undefined ? { cpu: this.spec.resources.cpu } : {}),
    };
    const meta: SandboxMeta = {
      id: this.id,
      tier,
      owner: currentOwner(),
      createdAt: this.createdAt.toISOString(),
      workspace: this.workspaceHost,
      cgroups: {},
    };
    // Record first: a crash from here on leaves state the next provider start can reap. The
    // record appears whole (staged under a name that names its owner, then renamed), so a kill
    // at any instant leaves either nothing, a staging directory whose owner is known to be
    // dead, or a complete meta.json.
    const staging = path.join(layout.sandboxes, `${STAGING_PREFIX}${ownerGroupName(meta.owner)}-${this.id}`);
    mkdirSync(staging, { mode: 0o711 });
    writeFileSync(path.join(staging, "meta.json"), JSON.stringify(meta));
    renameSync(staging, layout.sandboxDir(this.id));
    this.cgroups = SandboxCgroups.create(probe.cgroups, this.id, limits, ownerGroupName(meta.owner));
    writeJsonAtomically(layout.metaFile(this.id), { ...meta, cgroups: this.cgroups.dirs });
    this.initGroup = this.cgroups.usable ? this.cgroups.initGroup() : undefined;

    mkdirSync(this.workspaceHost, { mode: 0o755, recursive: true });
    if (this.owner) chownSync(this.workspaceHost, this.owner.uid, this.owner.gid);
    if (options.seed) this.statCache = await options.seed(this.workspaceHost, this.owner);
    signal?.throwIfAborted();

    if (tier === "namespace" && plan) {
      this.workdir = plan.workdir;
      if (plan.create === "workspace" && plan.workdir !== plan.mountPoint) {
        const hostWorkdir = path.join(this.workspaceHost, path.posix.relative(plan.mountPoint, plan.workdir));
        mkdirSync(hostWorkdir, { recursive: true });
        if (this.owner) chownSync(hostWorkdir, this.owner.uid, this.owner.gid);
      }
      this.env = this.namespaceEnv();
      await this.startNamespace(plan, options);
    } else {
      this.workdir = noneTierWorkdir(this.workspaceHost, this.spec.runtime?.workdir);
      mkdirSync(this.workdir, { recursive: true });
      const tmp = path.join(layout.sandboxDir(this.id), "tmp");
      mkdirSync(tmp);
      this.env = {
        PATH: process.env.PATH || BASE_PATH,
        HOME: this.workspaceHost,
        TMPDIR: tmp,
        LANG: "C.UTF-8",
        ...this.spec.runtime?.env,
      };
      if (this.spec.runtime?.entrypoint) this.startNoneCommand(this.spec.runtime.entrypoint);
      this.files = createFilesExtension({
        roots: [
          { path: this.workspaceHost, fs: new RootedFs(this.workspaceHost, undefined, this.workspaceHost) },
          ...(this.workdir === this.workspaceHost || this.workdir.startsWith(`${this.workspaceHost}/`)
            ? []
            : [{ path: this.workdir, fs: new RootedFs(this.workdir, undefined, this.workdir) }]),
        ],
        workdir: this.workdir,
        maxFileBytes: MAX_FILE_BYTES,
        provider: this.provider,
        ensureLive: () => this.ensureLive(),
        quiesced: (body) => this.quiesced(body),
      });
    }
    if (this.status === "pending") {
      this.status = "running";
      this.startedAt = new Date();
    }
    this.armTimers();
  }

  private async startNamespace(plan: ReturnType<typeof planNamespaceWorkspace>, options: StartOptions): Promise<void> {
    const { probe, options: config, layout } = this.environment;
    if (!probe.namespace.available) throw new InternalError("namespace tier unavailable", { provider: this.provider });
    const tools: NamespaceTools = probe.namespace.tools;
    let imageArgs: string[];
    if (this.image.kind === "host") imageArgs = hostImageArgs();
    else if (this.image.kind === "dir") imageArgs = rootfsBindArgs(this.image.path);
    else imageArgs = rootfsBindArgs(await extractTarImage(this.image.path, layout.root));

    const bwrapArgs = buildBwrapArgs({
      imageArgs,
      plan,
      workspaceHost: this.workspaceHost,
      sandboxUid: config.sandboxUid,
      tmpSizeBytes: config.tmpSizeMiB * 1024 * 1024,
      shareNet: this.spec.network?.egress === "all",
      devices: this.spec.gpu ? probe.gpuDevices : [],
      command: this.spec.runtime?.entrypoint,
    });
    // bwrap runs as the mapped host uid (the uid switch happens in the spawn itself), and is
    // placed in the sandbox's cgroups race-free: `--block-fd` holds the sandbox before it runs
    // anything, until both bwrap processes have been moved.
    const asRoot = probe.root;
    const child = spawn(tools.bwrap, bwrapArgs, {
      stdio: ["ignore", "ignore", "pipe", "pipe", "pipe", "pipe"],
      env: this.env,
      ...(asRoot ? { uid: config.hostUid, gid: config.hostUid } : {}),
    });
    this.init = child;
    let stderr = "";
    let info = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      if (stderr.length < 8192) stderr += chunk.toString();
    });
    const stdio = child.stdio as unknown as (NodeJS.ReadableStream | NodeJS.WritableStream | null)[];
    const readyStream = (stdio[BWRAP_READY_FD] ?? null) as NodeJS.ReadableStream | null;
    const infoStream = (stdio[BWRAP_INFO_FD] ?? null) as NodeJS.ReadableStream | null;
    const blockStream = (stdio[BWRAP_BLOCK_FD] ?? null) as NodeJS.WritableStream | null;
    infoStream?.on("data", (chunk: Buffer) => {
      info += chunk.toString();
    });
    for (const stream of [child.stderr, readyStream, infoStream, blockStream]) {
      // These are socket pairs: bwrap closing its end early must not crash the orchestrator.
      (stream as NodeJS.EventEmitter | null)?.on("error", () => {});
    }
    // Aborting is deliberately not honoured between spawn and readiness: killing bwrap while it
    // sets up leaks its sandbox (its pid 1 is not in our cgroups yet, and bwrap's block fd reads
    // EOF and carries on). The abort is acted on right after, through the cgroups.
    const stage = <T>(arm: (done: (value: T) => void) => () => void): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        let disarm = () => {};
        const cleanup = () => {
          clearTimeout(timer);
          child.off("exit", onExit);
          child.off("error", onExit);
          disarm();
        };
        const onExit = (code: number | Error | null) => {
          cleanup();
          const why = code instanceof Error ? code.message : `exit ${code}`;
          reject(
            new InternalError(`bubblewrap ended (${why}) before the sandbox was ready: ${stderr.trim()}`, {
              provider: this.provider,
            }),
          );
        };
        const timer = setTimeout(() => {
          cleanup();
          // Stuck: kill what we know of; pid 1 directly, since it may not be in our cgroups.
          for (const target of [Number(childPid()), child.pid]) {
            if (Number.isInteger(target) && target !== undefined && target > 0) {
              try {
                process.kill(target, "SIGKILL");
              } catch {
                // Already gone.
              }
            }
          }
          reject(new TimeoutError(`sandbox not ready after ${START_TIMEOUT_MS} ms`, { provider: this.provider }));
        }, START_TIMEOUT_MS);
        child.once("exit", onExit);
        child.once("error", onExit);
        disarm = arm((value) => {
          cleanup();
          resolve(value);
        });
      });
    const childPid = () => Number(/"child-pid"\s*:\s*(\d+)/.exec(info)?.[1] ?? Number.NaN);
    const pid = await stage<number>((done) => {
      const check = () => {
        if (Number.isInteger(childPid())) done(childPid());
      };
      infoStream?.on("data", check);
      check();
      return () => infoStream?.off("data", check);
    });
    for (const file of this.initGroup?.procsFiles ?? []) {
      // One pid per write: that is the cgroup.procs protocol.
      if (child.pid !== undefined) writeFileSync(file, String(child.pid));
      writeFileSync(file, String(pid));
    }
    if (asRoot) {
      // A memory limit must OOM-kill the command that exceeds it, never the sandbox's own
      // plumbing. The idle init inherits this; a main command must stay killable, so then only
      // the outer bwrap is protected.
      const protectedPids = this.spec.runtime?.entrypoint === undefined ? [child.pid, pid] : [child.pid];
      for (const target of protectedPids) {
        try {
          writeFileSync(`/proc/${target}/oom_score_adj`, "-1000");
        } catch {
          // Best effort: the limit still holds, only the choice of victim is left to the kernel.
        }
      }
    }
    // bwrap reads exactly one byte and closes its end; more would reset the socket.
    blockStream?.end("x");
    await stage<void>((done) => {
      const onReady = () => done();
      readyStream?.once("data", onReady);
      return () => readyStream?.off("data", onReady);
    });
    this.initPid = pid;
    // Every process of the sandbox is in its cgroups now: an abort can be honoured safely.
    options.signal?.throwIfAborted();
    child.on("exit", (code, signalName) => {
      if ((this.status === "running" || this.status === "paused") && !this.teardownPromise) {
        this.exitCode = code ?? exitCodeForSignal(signalName);
        void this.end(this.spec.runtime?.entrypoint ? "command exited" : "sandbox init exited");
      }
    });
    // The sandbox must not keep the orchestrator alive, and dies with it (--die-with-parent).
    child.unref();
    for (const stream of [child.stderr, infoStream, readyStream, blockStream]) {
      (stream as unknown as { unref?: () => void } | null)?.unref?.();
    }
    this.files = createFilesExtension({
      roots: [{ path: "/", fs: new RootedFs(`/proc/${pid}/root`, this.owner) }],
      workdir: this.workdir,
      maxFileBytes: MAX_FILE_BYTES,
      provider: this.provider,
      ensureLive: () => this.ensureLive(),
      quiesced: (body) => this.quiesced(body),
      createInside: {
        write: (sandboxPath, bytes) =>
          this.runInside(['mkdir -p -- "$(dirname -- "$1")" && cat > "$1"', "sh", sandboxPath], bytes),
        mkdir: (sandboxPath) => this.runInside(['mkdir -p -- "$1"', "sh", sandboxPath]),
      },
    });
    this.ports =
      this.spec.network?.egress === "all"
        ? undefined
        : new PortForwarder({
            provider: this.provider,
            sandboxId: this.id,
            pid,
            nsenter: tools.nsenter,
            socat: probe.socat,
            procsFiles: this.initGroup?.procsFiles ?? [],
            socketDir: layout.sandboxDir(this.id),
          });
  }

  private startNoneCommand(command: readonly string[]): void {
    const wrapped = wrapInCgroups(this.initGroup?.procsFiles ?? [], command);
    const child = spawn(wrapped.file, wrapped.args, {
      stdio: "ignore",
      env: this.env,
      cwd: this.workdir,
      detached: true,
    });
    this.init = child;
    child.on("error", () => {
      this.exitCode = 127;
      void this.end("command could not start");
    });
    child.on("exit", (code, signalName) => {
      if (this.teardownPromise) return;
      this.exitCode = code ?? exitCodeForSignal(signalName);
      void this.end("command exited");
    });
    child.unref();
  }

  private namespaceEnv(): Record<string, string> {
    return { PATH: BASE_PATH, HOME: this.workdir, LANG: "C.UTF-8", HOSTNAME: "sandbox", ...this.spec.runtime?.env };
  }

  /**
   * Whether a pre-started sandbox (default spec) can serve `spec`: everything that shapes the
   * bwrap command line must be the default; env, labels, memory limit and duration are applied
   * on hand-out.
   */
  static poolCompatible(spec: ValidProvisionSpec): boolean {
    const runtime = spec.runtime;
    return (
      (runtime?.image === undefined || runtime.image === "host") &&
      runtime?.entrypoint === undefined &&
      (runtime?.workdir === undefined || path.posix.resolve(runtime.workdir) === "/workspace") &&
      spec.gpu === undefined &&
      spec.resources?.cpu === undefined &&
      (spec.network?.egress === undefined || spec.network.egress === "none")
    );
  }

  /** Hands a pre-started sandbox out under `spec` (see `poolCompatible`). */
  adopt(spec: ValidProvisionSpec, onEnded: (sandbox: LocalSandbox) => void): void {
    this.ensureLive();
    this.spec = spec;
    this.createdAt = new Date();
    this.startedAt = this.createdAt;
    this.endedHook = onEnded;
    if (this.tier === "namespace") this.env = this.namespaceEnv();
    const memoryMiB = spec.resources?.memoryMiB;
    if (memoryMiB !== undefined) this.cgroups?.applyLimits({ memoryBytes: memoryMiB * 1024 * 1024 });
    this.armTimers();
  }

  private armTimers(): void {
    const maxSeconds = this.spec.duration?.maxSeconds;
    if (maxSeconds !== undefined) {
      const timer = setTimeout(() => void this.end("duration limit"), maxSeconds * 1000);
      timer.unref();
      this.timers.push(timer);
    }
    this.touchIdle();
  }

  private touchIdle(): void {
    const idleSeconds = this.spec.duration?.idleSeconds;
    if (idleSeconds === undefined) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.activeExecs === 0) void this.end("idle limit");
      else this.touchIdle();
    }, idleSeconds * 1000);
    this.idleTimer.unref();
  }

  /** Ends the sandbox on its own terms (command exit, limits): everything is torn down. */
  private async end(reason: string): Promise<void> {
    if (this.teardownPromise) return;
    await this.teardown(reason);
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
    const cgroups = this.cgroups;
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
  /**
   * Runs a fixed shell script as the sandbox user for the files extension; the path arrives as
   * a positional argument, never spliced into the script. Fails typed with the script's stderr.
   */
  private async runInside(scriptAndArgs: readonly string[], stdin?: Uint8Array): Promise<void> {
    const result = await this.exec(
      parseExecRequest(
        ["/bin/sh", "-c", ...scriptAndArgs],
        { timeoutMs: 60_000, maxOutputBytes: 64 * 1024, ...(stdin ? { stdin } : {}) },
        this.provider,
      ),
    );
    if (result.exitCode !== 0) {
      const message = result.stderr.trim() || `exit code ${result.exitCode}`;
      throw new InvalidArgumentError("path", `${JSON.stringify(scriptAndArgs.at(-1))}: ${message}`, {
        provider: this.provider,
      });
    }
  }

  async exec(request: ExecRequest): Promise<ExecResult> {
    this.ensureLive();
    let group: ProcessGroupHandle | undefined;
    try {
      group = this.cgroups?.usable ? this.cgroups.execGroup() : undefined;
    } catch (error) {
      // The sandbox's cgroups vanish only when it is being torn down.
      this.ensureLive();
      throw new InternalError(`could not create the exec's cgroup: ${(error as Error).message}`, {
        provider: this.provider,
        cause: error,
      });
    }
    this.activeExecs++;
    try {
      const env = { ...this.env, ...request.env };
      let launch: ProcessLaunch;
      if (this.tier === "namespace") {
        const tools = this.environment.probe.namespace.available ? this.environment.probe.namespace.tools : undefined;
        if (!tools || this.initPid === undefined) {
          throw new InternalError("sandbox has no init", { provider: this.provider });
        }
        const cwd = request.cwd === undefined ? this.workdir : path.posix.resolve(this.workdir, request.cwd);
        if (cwd !== this.workdir) await this.assertDirectory(cwd);
        launch = namespaceLaunch({
          nsenter: tools.nsenter,
          initPid: this.initPid,
          uid: this.environment.options.sandboxUid,
          cwd: cwd === this.workdir ? undefined : cwd,
          env,
          argv: request.argv,
          group,
        });
      } else {
        const cwd = request.cwd === undefined ? this.workdir : path.resolve(this.workdir, request.cwd);
        await this.assertHostDirectory(cwd);
        launch = hostLaunch({ cwd, env, argv: request.argv, group });
      }
      const result = await runProcess(launch, request, this.provider);
      if (this.teardownPromise) this.ensureLive();
      return result;
    } finally {
      this.activeExecs--;
      this.touchIdle();
      void group?.release();
    }
  }

  private async assertDirectory(sandboxPath: string): Promise<void> {
    try {
      const stats = await this.filesExtension().stat(sandboxPath);
      // A symlink is checked by `cd` itself, inside the sandbox.
      if (stats.type === "directory" || stats.type === "symlink") return;
    } catch {
      // Reported below.
    }
    throw new InvalidArgumentError("cwd", `${JSON.stringify(sandboxPath)} is not a directory in the sandbox`, {
      provider: this.provider,
    });
  }

  private async assertHostDirectory(hostPath: string): Promise<void> {
    try {
      if ((await stat(hostPath)).isDirectory()) return;
    } catch {
      // Reported below.
    }
    throw new InvalidArgumentError("cwd", `${JSON.stringify(hostPath)} is not a directory`, {
      provider: this.provider,
    });
  }

  filesExtension(): FilesExtension {
    if (!this.files) throw new InternalError("sandbox has no files binding yet", { provider: this.provider });
    return this.files;
  }

  /** URL of a port inside the sandbox, as the host reaches it. */
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
    // Shared host network (none tier, or egress "all"): the port is the host's port.
    return `http://127.0.0.1:${port}`;
  }

  get canFreeze(): boolean {
    return Boolean(this.cgroups?.canFreeze);
  }

  async pause(): Promise<void> {
    this.ensureLive();
    if (this.status === "paused") return;
    await this.cgroups?.setFrozen(true).catch((error: unknown) => {
      throw asSandboxError(error, "could not pause");
    });
    this.status = "paused";
  }

  async resume(): Promise<void> {
    this.ensureLive();
    if (this.status !== "paused") return;
    await this.cgroups?.setFrozen(false).catch((error: unknown) => {
      throw asSandboxError(error, "could not resume");
    });
    this.status = "running";
  }

  async sample() {
    this.ensureLive();
    return (await this.cgroups?.sample()) ?? {};
  }

  /**
   * Kills every process (by cgroup: grandchildren and `setsid` escapees included), removes the
   * cgroups, the workspace and the state directory. Idempotent; concurrent calls share one run.
   */
  teardown(reason: string): Promise<void> {
    this.teardownPromise ??= (async () => {
      for (const timer of this.timers) clearTimeout(timer);
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.reason = reason;
      await this.ports?.close().catch(() => {});
      if (this.cgroups) await this.cgroups.destroy();
      if (this.init?.pid !== undefined && this.init.exitCode === null && this.init.signalCode === null) {
        try {
          if (this.tier === "none") process.kill(-this.init.pid, "SIGKILL");
          else this.init.kill("SIGKILL");
        } catch {
          // Already gone.
        }
      }
      await rm(this.workspaceHost, { recursive: true, force: true });
      await rm(this.environment.layout.sandboxDir(this.id), { recursive: true, force: true });
      this.status = "terminated";
      this.endedAt = new Date();
    })();
    return this.teardownPromise;
  }

  /** What `inspect` reports. */
  info(): SandboxInfo & SandboxNode {
    const resources = this.spec.resources;
    return {
      externalId: this.id,
      provider: this.provider,
      status: this.status,
      createdAt: this.createdAt,
      labels: this.spec.labels ?? {},
      ...(this.spec.name !== undefined ? { name: this.spec.name } : {}),
      ...(this.startedAt ? { startedAt: this.startedAt } : {}),
      ...(this.endedAt ? { endedAt: this.endedAt } : {}),
      ...(this.exitCode !== undefined ? { exitCode: this.exitCode } : {}),
      ...(this.reason !== undefined ? { reason: this.reason } : {}),
      image: this.spec.runtime?.image ?? "host",
      ...(resources ? { resources: { ...resources } } : {}),
      details: {
        isolation: this.tier,
        workdir: this.workdir,
        ...(this.initPid !== undefined ? { hostPid: this.initPid } : {}),
      },
    };
  }
}
