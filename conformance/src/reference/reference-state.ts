import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { cp, mkdir, mkdtemp, realpath } from "node:fs/promises";
import { join } from "node:path";
import { exitCodeForSignal, type SandboxNode, type SandboxStatus, type ValidProvisionSpec } from "@openlattice/core";
import { signalGroup } from "./reference-exec.js";
import type { ProcessRecord } from "./reference-process-record.js";

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
  /** When the duration limit ends the sandbox: creation + `duration.maxSeconds`, moved by `lifetime.extend`. */
  deadline?: Date;
  /** The timer of `deadline`. */
  timer?: NodeJS.Timeout;
  /** The `duration.idleSeconds` timer, re-armed whenever the sandbox falls idle. */
  idleTimer?: NodeJS.Timeout;
  /** Execs and file calls running now: a sandbox is idle only when this is 0. */
  active: number;
  main?: ChildProcess;
  /** @internal Processes started through the `processes` extension, by pid, oldest first. */
  readonly processes: Map<number, ProcessRecord>;
}

export interface ReferenceSnapshot {
  readonly dir: string;
  readonly spec: ValidProvisionSpec;
}

// The "backend": shared by every provider instance in the process, the way a real backend is
// shared by every client. That is what lets a fresh provider inspect another one's sandboxes.
export const sandboxes = new Map<string, ReferenceSandbox>();
export const snapshots = new Map<string, ReferenceSnapshot>();
/** Idempotency key → the provision that claimed it (a promise, so a concurrent repeat waits for it). */
export const idempotencyKeys = new Map<string, Promise<SandboxNode>>();

// Snapshots have no delete operation in spec v1, and a crashed run skips destroy: remove this
// process's directories when it exits so that test runs do not fill the temp directory.
export const createdDirs = new Set<string>();
process.once("exit", () => {
  for (const sandbox of sandboxes.values()) {
    for (const group of sandbox.groups) signalGroup(group, "SIGKILL");
  }
  for (const dir of createdDirs) rmSync(dir, { recursive: true, force: true });
});

/** Ends a sandbox: every process group is killed and the state becomes terminal. Idempotent. */
export function endSandbox(sandbox: ReferenceSandbox, reason: string, exitCode?: number): void {
  if (sandbox.status === "terminated") return;
  sandbox.status = "terminated";
  sandbox.reason = reason;
  sandbox.endedAt = new Date();
  if (exitCode !== undefined) sandbox.exitCode = exitCode;
  clearTimeout(sandbox.timer);
  clearTimeout(sandbox.idleTimer);
  // SIGKILL ends stopped (paused) processes too.
  for (const group of sandbox.groups) signalGroup(group, "SIGKILL");
  sandbox.groups.clear();
}

/** Sets when the duration limit ends the sandbox (at creation, and again when `lifetime.extend` moves it). */
export function armDeadline(sandbox: ReferenceSandbox, deadline: Date): void {
  clearTimeout(sandbox.timer);
  sandbox.deadline = deadline;
  sandbox.timer = setTimeout(() => endSandbox(sandbox, "duration limit"), deadline.getTime() - Date.now());
  sandbox.timer.unref();
}

/**
 * (Re-)arms the idle timer of a sandbox with `duration.idleSeconds` that has nothing running;
 * activity (`beginActivity`) disarms it.
 */
export function armIdleTimer(sandbox: ReferenceSandbox): void {
  const seconds = sandbox.spec.duration?.idleSeconds;
  if (seconds === undefined || sandbox.active > 0) return;
  clearTimeout(sandbox.idleTimer);
  sandbox.idleTimer = setTimeout(() => endSandbox(sandbox, "idle limit"), seconds * 1000);
  sandbox.idleTimer.unref();
}

/** Marks an exec or file call as running; the returned function marks it done. */
export function beginActivity(sandbox: ReferenceSandbox): () => void {
  sandbox.active += 1;
  clearTimeout(sandbox.idleTimer);
  return () => {
    sandbox.active -= 1;
    armIdleTimer(sandbox);
  };
}

/**
 * Creates a sandbox: a fresh workspace (a copy of `fromSnapshot` when restoring), its workdir,
 * the duration and idle timers, and the entrypoint when the spec has one.
 */
export async function createSandbox(
  root: string,
  spec: ValidProvisionSpec,
  fromSnapshot?: string,
): Promise<ReferenceSandbox> {
  await mkdir(root, { recursive: true });
  const workspace = await mkdtemp(join(root, "sbx-"));
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
    active: 0,
    processes: new Map(),
  };
  sandboxes.set(sandbox.id, sandbox);
  const seconds = spec.duration?.maxSeconds;
  if (seconds !== undefined) armDeadline(sandbox, new Date(sandbox.createdAt.getTime() + seconds * 1000));
  armIdleTimer(sandbox);
  const entrypoint = spec.runtime?.entrypoint;
  if (entrypoint) {
    const [program, ...args] = entrypoint as [string, ...string[]];
    const main = spawn(program, args, { cwd: workdir, env: sandbox.env, detached: true, stdio: "ignore" });
    sandbox.main = main;
    if (main.pid !== undefined) sandbox.groups.add(main.pid);
    main.on("error", () => endSandbox(sandbox, "entrypoint could not start", 127));
    main.on("exit", (code, signal) => endSandbox(sandbox, "entrypoint exited", code ?? exitCodeForSignal(signal)));
    main.unref();
  }
  return sandbox;
}
