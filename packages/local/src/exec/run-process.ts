import { type ChildProcess, spawn } from "node:child_process";
import {
  collectorsFor,
  createExecResult,
  type ExecRequest,
  type ExecResult,
  exitCodeForSignal,
  InternalError,
} from "@openlattice/core";

/** How to start one command and how to kill everything it started. */
export interface ProcessLaunch {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  /** Host directory to start in. */
  readonly cwd?: string;
  /** Start in a new session (process group), so the group can be killed without a cgroup. */
  readonly detached: boolean;
  /** Kills the command's whole process tree (grandchildren and `setsid` escapees included). */
  readonly killTree: (child: ChildProcess) => Promise<void>;
}

/** After the command exits, output still arriving is waited for until the pipes stay quiet this long… */
const DRAIN_QUIET_MS = 100;
/** …but never longer than this, even if a background process keeps writing. */
const DRAIN_MAX_MS = 2000;

/**
 * Runs one command to completion with the caller's exec options: stdin written then closed,
 * output streamed to the callbacks and capped at `maxOutputBytes`, `timeoutMs` and `signal`
 * killing the whole tree. Resolves with the result; rejects with the signal's reason on abort.
 */
export function runProcess(launch: ProcessLaunch, request: ExecRequest, provider: string): Promise<ExecResult> {
  const signal = request.signal;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const started = performance.now();
  return new Promise<ExecResult>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(launch.file, launch.args, {
        env: launch.env,
        ...(launch.cwd === undefined ? {} : { cwd: launch.cwd }),
        detached: launch.detached,
        stdio: ["pipe", "pipe", "pipe"],
      });
    } catch (error) {
      reject(new InternalError(`could not start the command: ${(error as Error).message}`, { cause: error, provider }));
      return;
    }
    const { stdout, stderr } = collectorsFor(request);
    let timedOut = false;
    let aborted = false;
    let killing: Promise<void> | undefined;
    let exitCode: number | undefined;
    let quietTimer: NodeJS.Timeout | undefined;
    let drainDeadline: NodeJS.Timeout | undefined;
    let settled = false;

    const kill = () => {
      killing ??= launch.killTree(child).catch(() => {});
      return killing;
    };
    const timer =
      request.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            void kill();
          }, request.timeoutMs);
    const onAbort = () => {
      aborted = true;
      void kill();
    };
    signal?.addEventListener("abort", onAbort, { once: true });

    const finish = async (spawnError?: Error) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (quietTimer) clearTimeout(quietTimer);
      if (drainDeadline) clearTimeout(drainDeadline);
      signal?.removeEventListener("abort", onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      if (killing) await killing;
      if (aborted) {
        reject(signal?.reason);
        return;
      }
      if (spawnError) {
        reject(
          new InternalError(`could not start the command: ${spawnError.message}`, { cause: spawnError, provider }),
        );
        return;
      }
      stdout.end();
      stderr.end();
      const callbackError = stdout.callbackError ?? stderr.callbackError;
      if (callbackError !== undefined) {
        reject(callbackError);
        return;
      }
      resolve(
        createExecResult({
          exitCode: exitCode ?? 1,
          stdoutBytes: stdout.bytes(),
          stderrBytes: stderr.bytes(),
          timedOut,
          truncated: stdout.truncated || stderr.truncated,
          durationMs: performance.now() - started,
        }),
      );
    };
    const armQuiet = () => {
      if (exitCode === undefined) return;
      if (quietTimer) clearTimeout(quietTimer);
      // A background process may keep the pipes open forever; stop reading once they go quiet.
      quietTimer = setTimeout(() => void finish(), DRAIN_QUIET_MS);
    };
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout.push(chunk);
      armQuiet();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr.push(chunk);
      armQuiet();
    });
    child.on("error", (error) => void finish(error));
    child.on("exit", (code, signalName) => {
      exitCode = code ?? exitCodeForSignal(signalName);
      drainDeadline = setTimeout(() => void finish(), DRAIN_MAX_MS);
      armQuiet();
    });
    child.on("close", () => void finish());

    const stdin = child.stdin;
    if (stdin) {
      stdin.on("error", () => {
        // The command may exit without reading its input (EPIPE); that is not an error.
      });
      if (request.stdin && request.stdin.byteLength > 0) stdin.end(request.stdin);
      else stdin.end();
    }
  });
}
