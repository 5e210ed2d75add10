import { randomUUID } from "node:crypto";
import {
  collectorsFor,
  createExecResult,
  type ExecRequest,
  type ExecResult,
  type OutputCollector,
} from "@openlattice/core";
import type { Sandbox } from "modal";
import { ceilToSecondMs } from "./durations.js";

const STDIN_CHUNK_BYTES = 1024 * 1024;

/** Exit code reported for a command killed at its deadline (SIGKILL). */
const KILLED = 137;

/**
 * Runs one command through the SDK: argv verbatim with native `workdir`/`env` (no shell),
 * binary mode (text mode would corrupt invalid UTF-8), stdin written and closed at once (an
 * open stdin can keep a command waiting forever), stdout and stderr drained concurrently with
 * `wait()` (the SDK's streams are lazy), and a client-side deadline: the server kills the
 * command at the whole second after `timeoutMs`, but the SDK's `wait()` can outlive its own
 * deadline, so this call resolves at `timeoutMs` regardless.
 */
export async function runExec(
  sandbox: Sandbox,
  request: ExecRequest,
  workdir: string | undefined,
): Promise<ExecResult> {
  const started = Date.now();
  request.signal?.throwIfAborted();
  // The SDK refuses argv totalling 64 KiB or more; longer argv travels in the environment.
  const transported = argvLength(request.argv) >= SDK_ARGV_LIMIT ? envTransport(request.argv) : undefined;
  const argv = transported?.argv ?? [...request.argv];
  // Modal has no per-exec kill: an abortable exec records its pid so its tree can be killed.
  const killable = request.signal ? abortableArgv(argv) : undefined;
  const env = { ...request.env, ...transported?.env };
  const process = await sandbox.exec(killable?.argv ?? argv, {
    mode: "binary",
    ...(workdir ? { workdir } : {}),
    ...(Object.keys(env).length > 0 ? { env } : {}),
    ...(request.timeoutMs === undefined ? {} : { timeoutMs: ceilToSecondMs(request.timeoutMs) }),
  });
  const { stdout, stderr } = collectorsFor(request);
  const drain = async (stream: AsyncIterable<Uint8Array>, collector: OutputCollector) => {
    for await (const chunk of stream) collector.push(chunk);
    collector.end();
  };

  const writer = process.stdin.getWriter();
  const stdinDone = (async () => {
    // The SDK sends each write as one message; keep them well under gRPC's message limits.
    const stdin = request.stdin ?? new Uint8Array();
    for (let offset = 0; offset < stdin.byteLength; offset += STDIN_CHUNK_BYTES) {
      await writer.write(stdin.subarray(offset, offset + STDIN_CHUNK_BYTES));
    }
    await writer.close();
  })();
  // Reads start only after stdin is closed: a server that runs the command once stdin is
  // complete (the emulator does) then sees everything; output is buffered server-side.
  const completion = stdinDone.then(() =>
    Promise.all([drain(process.stdout, stdout), drain(process.stderr, stderr), process.wait()]),
  );

  const outcome = await raceDeadline(completion, request.timeoutMs, request.signal);
  if (outcome.kind === "aborted") {
    completion.catch(() => undefined);
    if (killable) await killProcessTree(sandbox, killable.pidFile);
    throw request.signal?.reason ?? new Error("aborted");
  }
  const callbackError = stdout.callbackError ?? stderr.callbackError;
  if (callbackError !== undefined) throw callbackError;
  const timedOut =
    outcome.kind === "deadline" ||
    (request.timeoutMs !== undefined && outcome.exitCode === KILLED && Date.now() - started >= request.timeoutMs);
  return createExecResult({
    exitCode: outcome.kind === "deadline" ? KILLED : outcome.exitCode,
    stdoutBytes: stdout.bytes(),
    stderrBytes: stderr.bytes(),
    timedOut,
    truncated: stdout.truncated || stderr.truncated,
    durationMs: Date.now() - started,
  });
}

/** The SDK's client-side argv limit (total UTF-16 length, `validateExecArgs`), with a margin. */
const SDK_ARGV_LIMIT = 60_000;

function argvLength(argv: readonly string[]): number {
  return argv.reduce((sum, arg) => sum + arg.length, 0);
}

/**
 * Rebuilds argv inside the sandbox from `OPENLATTICE_ARG_<i>` variables: the script is
 * constant and `eval` only ever sees variable names, so values are never re-parsed. The
 * variables are unset before the program starts.
 */
const ENV_ARGV_SCRIPT = [
  'n="$OPENLATTICE_ARGC"; unset OPENLATTICE_ARGC; i=0; set --',
  'while [ "$i" -lt "$n" ]; do eval "set -- \\"\\$@\\" \\"\\$OPENLATTICE_ARG_$i\\"; unset OPENLATTICE_ARG_$i"; i=$((i + 1)); done',
  'exec "$@"',
].join("\n");

function envTransport(argv: readonly string[]): { argv: string[]; env: Record<string, string> } {
  const env: Record<string, string> = { OPENLATTICE_ARGC: String(argv.length) };
  argv.forEach((arg, index) => {
    env[`OPENLATTICE_ARG_${index}`] = arg;
  });
  return { argv: ["sh", "-c", ENV_ARGV_SCRIPT], env };
}

/**
 * Wraps argv so that the command records its pid before it starts: `sh -c SCRIPT PIDFILE
 * ARGV...`. The arguments stay positional (`exec "$@"`), so nothing is re-parsed by a shell.
 */
function abortableArgv(argv: readonly string[]): { argv: string[]; pidFile: string } {
  const pidFile = `/tmp/.openlattice-exec-${randomUUID()}.pid`;
  return { argv: ["sh", "-c", 'echo $$ > "$0"; exec "$@"', pidFile, ...argv], pidFile };
}

/**
 * Kills an abortable exec and all its descendants, best effort: each process is stopped
 * first (so it cannot fork while its children are collected from /proc), then killed; its
 * process group is killed too, for descendants that were re-parented.
 */
const KILL_TREE = [
  'pid=$(cat "$0" 2>/dev/null) || exit 0',
  'tree() { kill -STOP "$1" 2>/dev/null; for t in /proc/"$1"/task/*; do for c in $(cat "$t/children" 2>/dev/null); do tree "$c"; done; done; kill -KILL "$1" 2>/dev/null; }',
  'tree "$pid"; kill -KILL -- "-$pid" 2>/dev/null; rm -f "$0"; exit 0',
].join("\n");

async function killProcessTree(sandbox: Sandbox, pidFile: string): Promise<void> {
  try {
    const killer = await sandbox.exec(["sh", "-c", KILL_TREE, pidFile], { mode: "binary", timeoutMs: 10_000 });
    await killer.stdin.close();
    await Promise.race([killer.wait(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
  } catch {
    // The sandbox may be gone; nothing is left to kill then.
  }
}

type Outcome = { kind: "done"; exitCode: number } | { kind: "deadline" } | { kind: "aborted" };

async function raceDeadline(
  completion: Promise<readonly [unknown, unknown, number]>,
  timeoutMs: number | undefined,
  signal: AbortSignal | undefined,
): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const contenders: Promise<Outcome>[] = [completion.then(([, , exitCode]) => ({ kind: "done", exitCode }))];
  if (timeoutMs !== undefined) {
    contenders.push(
      new Promise((resolve) => {
        timer = setTimeout(() => resolve({ kind: "deadline" }), timeoutMs);
      }),
    );
  }
  if (signal) {
    contenders.push(
      new Promise((resolve) => {
        onAbort = () => resolve({ kind: "aborted" });
        signal.addEventListener("abort", onAbort, { once: true });
      }),
    );
  }
  try {
    const outcome = await Promise.race(contenders);
    // The losers keep running (the SDK's reads end with its own deadline error); nobody awaits them.
    if (outcome.kind !== "done") completion.catch(() => undefined);
    return outcome;
  } catch (error) {
    // The SDK's stdio reads fail with "Deadline exceeded" once its own deadline passes.
    if (timeoutMs !== undefined && /Deadline exceeded/i.test(String(error))) return { kind: "deadline" };
    throw error;
  } finally {
    if (timer) clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}
