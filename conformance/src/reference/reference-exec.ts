import { spawn } from "node:child_process";
import {
  collectorsFor,
  createExecResult,
  type ExecRequest,
  type ExecResult,
  exitCodeForSignal,
  type OutputCollector,
} from "@openlattice/core";

/** Host processes a command runs as: one process group per exec, so the whole tree can be signalled. */
export interface ProcessGroups {
  add(pgid: number): void;
  delete(pgid: number): void;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly groups: ProcessGroups;
  /** Kills what a timeout ends. The reference kills the whole process group. */
  readonly killOnTimeout: (pid: number) => void;
  /** Kills what an abort ends. The reference kills the whole process group. */
  readonly killOnAbort: (pid: number) => void;
}

/**
 * Runs one validated exec request as a child process in its own process group and resolves
 * with its result. Timeouts and aborts kill the group (grandchildren included); an abort rejects
 * with the signal's reason.
 */
export function runProcess(request: ExecRequest, options: RunOptions): Promise<ExecResult> {
  const started = Date.now();
  if (request.signal?.aborted) return Promise.reject(request.signal.reason);
  return new Promise<ExecResult>((resolve, reject) => {
    const [program, ...args] = request.argv as [string, ...string[]];
    // detached: the child leads a new process group, which is what timeouts, aborts and pause signal.
    const child = spawn(program, args, { cwd: options.cwd, env: { ...options.env }, detached: true });
    const { stdout, stderr } = collectorsFor(request);
    let timedOut = false;
    const pid = child.pid;
    if (pid !== undefined) options.groups.add(pid);
    const onTimeout = () => {
      timedOut = true;
      if (pid !== undefined) options.killOnTimeout(pid);
    };
    const timer = request.timeoutMs === undefined ? undefined : setTimeout(onTimeout, request.timeoutMs);
    // Reject at once: the caller asked to stop waiting, whatever the process tree does next.
    const onAbort = () => {
      if (pid !== undefined) options.killOnAbort(pid);
      reject(request.signal?.reason);
    };
    request.signal?.addEventListener("abort", onAbort);
    // A throwing callback is the caller's bug, not the command's: the collector keeps the error
    // and the exec rejects with it after the command ends.
    const push = (collector: OutputCollector) => (chunk: Buffer) => collector.push(chunk);
    child.stdout.on("data", push(stdout));
    child.stderr.on("data", push(stderr));
    child.stdin.on("error", () => {
      // The command may exit without reading its stdin (EPIPE); that is not an error of the exec.
    });
    child.stdin.end(request.stdin === undefined ? undefined : Buffer.from(request.stdin));
    let spawnError: NodeJS.ErrnoException | undefined;
    child.on("error", (error: NodeJS.ErrnoException) => {
      spawnError = error;
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", onAbort);
      // Background children keep the group alive (servers, loops): keep tracking it until it is empty.
      if (pid !== undefined && !groupAlive(pid)) options.groups.delete(pid);
      stdout.end();
      stderr.end();
      const callbackError = stdout.callbackError ?? stderr.callbackError;
      if (callbackError !== undefined) return reject(callbackError);
      if (spawnError?.code === "ENOENT" || spawnError?.code === "EACCES") {
        // What a shell reports for a program it cannot find (127) or cannot run (126).
        return resolve(
          createExecResult({
            exitCode: spawnError.code === "ENOENT" ? 127 : 126,
            stdoutBytes: new Uint8Array(0),
            stderrBytes: new Uint8Array(0),
            durationMs: Date.now() - started,
          }),
        );
      }
      if (spawnError) return reject(spawnError);
      resolve(
        createExecResult({
          exitCode: code ?? exitCodeForSignal(signal),
          stdoutBytes: stdout.bytes(),
          stderrBytes: stderr.bytes(),
          timedOut,
          truncated: stdout.truncated || stderr.truncated,
          durationMs: Date.now() - started,
        }),
      );
    });
  });
}

/** Sends `signal` to a process group, ignoring groups that are already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group has exited.
  }
}

/** True while any process of the group is alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
