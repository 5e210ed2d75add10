import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import {
  type Capabilities,
  ConflictError,
  createExecResult,
  type ExecResult,
  InvalidArgumentError,
  NotFoundError,
  type ProcessAttachOptions,
  type ProcessesExtension,
  type ProcessHandle,
  type ProcessInfo,
  type ProcessStartRequest,
  parseProcessStart,
  parseTerminalSize,
} from "@openlattice/core";
import { signalGroup } from "./reference-exec.js";
import { Follower, isSignalName, ProcessRecord } from "./reference-process-record.js";
import { type PtyLaunch, ptyLaunch, ptySession, resizePty } from "./reference-pty.js";
import { beginActivity, type ReferenceSandbox } from "./reference-state.js";

/** Finished processes a sandbox keeps listing (and replaying) before it forgets the oldest. */
const KEPT_FINISHED = 64;

const CALLBACKS = ["onStdout", "onStderr", "onStdoutBytes", "onStderrBytes"] as const;

/** What the processes extension needs from its provider. */
export interface ProcessesDeps {
  readonly live: () => ReferenceSandbox;
  readonly provider: string;
  readonly capabilities: Capabilities;
  /** Resolves a cwd like exec does (`not_found` when it is no directory). */
  readonly cwdOf: (sandbox: ReferenceSandbox, cwd: string | undefined) => Promise<string>;
  /** Where terminal wrappers record their session. */
  readonly ptyDir: string;
}

/**
 * Background processes of a reference sandbox: host processes in their own process groups,
 * listed and followed through the sandbox's record (shared by every provider instance, as a
 * real backend's state is), so any handle of the same sandbox can attach.
 */
export function referenceProcesses(deps: ProcessesDeps): ProcessesExtension {
  const { live, provider } = deps;
  return {
    start: async (argv, options) => {
      const request = parseProcessStart(argv, options, provider, deps.capabilities);
      const sandbox = live();
      if (sandbox.status === "paused") throw new ConflictError(`sandbox ${sandbox.id} is paused`, { provider });
      const cwd = await deps.cwdOf(sandbox, request.cwd);
      const record = await launch(sandbox, request, cwd, deps.ptyDir, provider);
      const follower = new Follower(request.maxOutputBytes, request);
      record.follow(follower, false);
      return new ReferenceProcessHandle(record, follower, false, provider);
    },
    list: async () => [...live().processes.values()].map(infoOf),
    attach: async (pid, options?: ProcessAttachOptions) => {
      const sandbox = live();
      const given = (options ?? {}) as Record<string, unknown>;
      for (const key of CALLBACKS) {
        if (given[key] !== undefined && typeof given[key] !== "function")
          throw new InvalidArgumentError(key, "must be a function", { provider });
      }
      if (given.fromStart !== undefined && typeof given.fromStart !== "boolean")
        throw new InvalidArgumentError("fromStart", "must be a boolean", { provider });
      const record = sandbox.processes.get(pid);
      if (!record) throw new NotFoundError(`sandbox ${sandbox.id} has no process ${String(pid)}`, { provider });
      const follower = new Follower(Number.MAX_SAFE_INTEGER, options ?? {});
      const fromStart = options?.fromStart === true;
      record.follow(follower, fromStart);
      const dropped = fromStart && (record.stdoutRing.dropped > 0 || record.stderrRing.dropped > 0);
      return new ReferenceProcessHandle(record, follower, dropped, provider);
    },
  };
}

/**
 * Spawns the process (under a terminal when asked) and records it in the sandbox. A program
 * that cannot be started rejects typed: there is no process to follow.
 */
async function launch(
  sandbox: ReferenceSandbox,
  request: ProcessStartRequest,
  cwd: string,
  ptyDir: string,
  provider: string,
): Promise<ProcessRecord> {
  const env = { ...sandbox.env, ...request.env };
  let pty: PtyLaunch | undefined;
  if (request.pty) {
    mkdirSync(ptyDir, { recursive: true });
    pty = ptyLaunch(request.argv, request.pty, env, ptyDir);
  }
  const [program, ...args] = (pty?.argv ?? request.argv) as [string, ...string[]];
  // detached: its own process group, which kill, timeouts, pause and destroy signal as a whole.
  const child = spawn(program, args, { cwd, env: pty?.env ?? env, detached: true });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = `${JSON.stringify(request.argv[0])} cannot be started (${code ?? String(error)})`;
    if (code === "ENOENT") throw new NotFoundError(message, { provider, cause: error });
    throw new InvalidArgumentError("argv[0]", message, { provider, cause: error });
  }
  const pid = child.pid as number;
  const record = new ProcessRecord(pid, request.argv, pty !== undefined, child);
  const session = () => pty?.session();
  const groups = (): number[] => {
    const leader = session()?.pgid;
    return leader === undefined ? [pid] : [pid, leader];
  };
  terminals.set(record, { pty, groups });
  sandbox.groups.add(pid);
  if (pty) {
    void ptySession(pty).then((found) => {
      if (!found) return;
      if (record.exit !== undefined || sandbox.status === "terminated") signalGroup(found.pgid, "SIGKILL");
      else sandbox.groups.add(found.pgid);
    });
  }
  // A running process keeps its sandbox busy (duration.idleSeconds).
  const done = beginActivity(sandbox);
  const timer =
    request.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          record.timedOut = true;
          for (const group of groups()) signalGroup(group, "SIGKILL");
        }, request.timeoutMs);
  if (request.stdin !== undefined) child.stdin?.write(Buffer.from(request.stdin));
  void record.ended.then(() => {
    clearTimeout(timer);
    done();
    for (const group of groups()) if (!groupAlive(group)) sandbox.groups.delete(group);
    forgetOldest(sandbox);
  });
  sandbox.processes.set(pid, record);
  return record;
}

/** The terminal (if any) and process groups of each record. */
const terminals = new WeakMap<ProcessRecord, { pty: PtyLaunch | undefined; groups: () => number[] }>();

function forgetOldest(sandbox: ReferenceSandbox): void {
  const finished = [...sandbox.processes.values()].filter((record) => record.exit !== undefined);
  for (const record of finished.slice(0, Math.max(0, finished.length - KEPT_FINISHED))) {
    sandbox.processes.delete(record.pid);
  }
}

function infoOf(record: ProcessRecord): ProcessInfo {
  return {
    pid: record.pid,
    argv: [...record.argv],
    startedAt: record.startedAt,
    state: record.state,
    pty: record.pty,
    ...(record.exit && {
      exitCode: record.exit.exitCode,
      endedAt: record.exit.endedAt,
      ...(record.exit.signal !== undefined && { signal: record.exit.signal }),
    }),
  };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One handle on a started process. Dropping it changes nothing for the process. */
class ReferenceProcessHandle implements ProcessHandle {
  private result: Promise<ExecResult> | undefined;

  constructor(
    private readonly record: ProcessRecord,
    private readonly follower: Follower,
    readonly outputDropped: boolean,
    private readonly provider: string,
  ) {}

  get pid(): number {
    return this.record.pid;
  }

  async write(data: string | Uint8Array): Promise<void> {
    if (typeof data !== "string" && !(data instanceof Uint8Array))
      throw new InvalidArgumentError("data", "must be a string or a Uint8Array", { provider: this.provider });
    const stdin = this.record.child.stdin;
    if (this.record.exit !== undefined || !stdin || stdin.writableEnded)
      throw new ConflictError(`process ${this.pid} has exited or its stdin is closed`, { provider: this.provider });
    await new Promise<void>((resolve, reject) =>
      stdin.write(Buffer.from(data), (error) => (error ? reject(error) : resolve())),
    );
  }

  async closeStdin(): Promise<void> {
    this.record.child.stdin?.end();
  }

  async resize(cols: number, rows: number): Promise<void> {
    const pty = terminals.get(this.record)?.pty;
    if (!pty)
      throw new InvalidArgumentError("pty", `process ${this.pid} has no terminal to resize`, {
        provider: this.provider,
      });
    const size = parseTerminalSize(cols, rows, this.provider);
    const session = await ptySession(pty);
    if (session && this.record.exit === undefined) await resizePty(session, size.cols, size.rows);
  }

  async kill(signal: string = "SIGTERM"): Promise<void> {
    if (!isSignalName(signal))
      throw new InvalidArgumentError("signal", `${JSON.stringify(signal)} is not a signal name such as "SIGTERM"`, {
        provider: this.provider,
      });
    if (this.record.exit !== undefined) return;
    for (const group of terminals.get(this.record)?.groups() ?? []) signalGroup(group, signal);
  }

  wait(): Promise<ExecResult> {
    this.result ??= this.record.ended.then((exit) => {
      const { stdout, stderr } = this.follower;
      const callbackError = stdout.callbackError ?? stderr.callbackError;
      if (callbackError !== undefined) throw callbackError;
      return createExecResult({
        exitCode: exit.exitCode,
        stdoutBytes: stdout.bytes(),
        stderrBytes: stderr.bytes(),
        timedOut: exit.timedOut,
        truncated: stdout.truncated || stderr.truncated,
        durationMs: exit.durationMs,
      });
    });
    return this.result;
  }

  detach(): void {
    this.follower.detached = true;
  }
}
