import {
  collectorsFor,
  createExecResult,
  type ExecRequest,
  type ExecResult,
  type OutputCollector,
} from "@openlattice/core";
import type { Sandbox } from "modal";
import { ModalExecProcess } from "./exec-process.js";
import { argvLength, envTransport, ptySizedArgv, SDK_ARGV_LIMIT } from "./exec-wrappers.js";

/**
 * What an output callback threw, carried past the provider's error mapping: `exec` rejects with
 * the callback's own error (the provider kit's contract), not with a Modal error made of it.
 */
export class CallbackFailure {
  constructor(readonly error: unknown) {}
}

/** Exit code reported for a command killed at its deadline (SIGKILL). */
const KILLED = 137;

/** After killing a command at its deadline, how long its output may take to drain. */
const DRAIN_AFTER_KILL_MS = 2000;

/**
 * Runs one command through the SDK: argv verbatim with native `workdir`/`env` (no shell), in
 * binary mode (text mode would corrupt invalid UTF-8). After `TaskExecStart`, stdin (or at
 * once its EOF), both output streams and the wait all go out together, so a command with empty
 * stdin costs two round-trip waves and output streams while stdin is still being sent.
 *
 * Timeouts keep millisecond precision: the wire takes whole seconds (rounded up, the server's
 * backstop), and at `timeoutMs` the provider kills the command's process tree itself.
 *
 * With `pty`, the command runs under Modal's terminal sized to `cols`x`rows`, `stdin` is typed
 * into it and followed by Ctrl-D (end of input on a terminal).
 */
export async function runExec(
  sandbox: Sandbox,
  request: ExecRequest,
  workdir: string | undefined,
): Promise<ExecResult> {
  const started = performance.now();
  request.signal?.throwIfAborted();
  // The SDK refuses argv totalling 64 KiB or more; longer argv travels in the environment.
  const transported = argvLength(request.argv) >= SDK_ARGV_LIMIT ? envTransport(request.argv) : undefined;
  const argv = transported?.argv ?? request.argv;
  const process = await ModalExecProcess.start(sandbox, {
    // Modal's PTY is always 80x24: the command's terminal is sized inside the sandbox first.
    argv: request.pty ? ptySizedArgv(argv, request.pty) : argv,
    env: { ...request.env, ...transported?.env },
    workdir,
    timeoutSecs: request.timeoutMs === undefined ? undefined : Math.max(1, Math.ceil(request.timeoutMs / 1000)),
    killable: request.timeoutMs !== undefined || request.signal !== undefined,
    pty: request.pty !== undefined,
  });
  const { stdout, stderr } = collectorsFor(request);
  // Failures writing stdin (the command closed it, or ended) are the command's business.
  if (request.stdin && request.stdin.byteLength > 0) process.write(request.stdin).catch(() => undefined);
  process.closeStdin().catch(() => undefined);
  const completion = Promise.all([drain(process.stdout, stdout), drain(process.stderr, stderr), process.wait()]).then(
    ([, , exitCode]) => exitCode,
  );
  completion.catch(() => undefined);

  const remaining = request.timeoutMs === undefined ? undefined : request.timeoutMs - (performance.now() - started);
  const outcome = await raceDeadline(completion, remaining, request.signal);
  if (outcome.kind === "aborted") {
    await process.kill();
    throw request.signal?.reason ?? new Error("aborted");
  }
  let exitCode: number;
  let timedOut = false;
  if (outcome.kind === "deadline") {
    await process.kill();
    // Output produced before the kill is still delivered, within a bound.
    await Promise.race([completion.catch(() => undefined), delay(DRAIN_AFTER_KILL_MS)]);
    exitCode = KILLED;
    timedOut = true;
  } else {
    exitCode = outcome.exitCode;
    // The server's whole-second backstop fired before the provider's own deadline could.
    timedOut =
      request.timeoutMs !== undefined && exitCode === KILLED && performance.now() - started >= request.timeoutMs;
  }
  const callbackError = stdout.callbackError ?? stderr.callbackError;
  if (callbackError !== undefined) throw new CallbackFailure(callbackError);
  return createExecResult({
    exitCode,
    stdoutBytes: stdout.bytes(),
    stderrBytes: stderr.bytes(),
    timedOut,
    truncated: stdout.truncated || stderr.truncated,
    durationMs: performance.now() - started,
  });
}

async function drain(stream: AsyncIterable<Uint8Array>, collector: OutputCollector): Promise<void> {
  for await (const chunk of stream) collector.push(chunk);
  collector.end();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

type Outcome = { kind: "done"; exitCode: number } | { kind: "deadline" } | { kind: "aborted" };

async function raceDeadline(
  completion: Promise<number>,
  remainingMs: number | undefined,
  signal: AbortSignal | undefined,
): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const contenders: Promise<Outcome>[] = [completion.then((exitCode) => ({ kind: "done", exitCode }))];
  if (remainingMs !== undefined) {
    contenders.push(
      new Promise((resolve) => {
        timer = setTimeout(() => resolve({ kind: "deadline" }), Math.max(0, remainingMs));
      }),
    );
  }
  if (signal) {
    contenders.push(
      new Promise((resolve) => {
        onAbort = () => resolve({ kind: "aborted" });
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort, { once: true });
      }),
    );
  }
  try {
    return await Promise.race(contenders);
  } catch (error) {
    // The SDK's stdio reads fail with "Deadline exceeded" once its own (whole-second) deadline passes.
    if (remainingMs !== undefined && /Deadline exceeded/i.test(String(error))) return { kind: "deadline" };
    throw error;
  } finally {
    if (timer) clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}
