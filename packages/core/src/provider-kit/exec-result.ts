import type { ExecResult } from "../provider/v1/exec.js";

const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * Builds an `ExecResult` from raw output bytes, decoding the text fields once. The bytes are
 * what an `OutputCollector` kept, so decoding is bounded by the request's `maxOutputBytes`.
 */
export function createExecResult(fields: {
  exitCode: number;
  stdoutBytes: Uint8Array;
  stderrBytes: Uint8Array;
  timedOut?: boolean;
  truncated?: boolean;
  oomKilled?: boolean;
  durationMs: number;
}): ExecResult {
  return {
    ...(fields.oomKilled === undefined ? {} : { oomKilled: fields.oomKilled }),
    exitCode: fields.exitCode,
    stdout: decoder.decode(fields.stdoutBytes),
    stderr: decoder.decode(fields.stderrBytes),
    stdoutBytes: fields.stdoutBytes,
    stderrBytes: fields.stderrBytes,
    timedOut: fields.timedOut ?? false,
    truncated: fields.truncated ?? false,
    durationMs: fields.durationMs,
  };
}

/** The conventional exit code of a process killed by `signal` (128 + its number). */
export function exitCodeForSignal(signal: string | null | undefined): number {
  const numbers: Record<string, number> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGQUIT: 3,
    SIGILL: 4,
    SIGTRAP: 5,
    SIGABRT: 6,
    SIGBUS: 7,
    SIGFPE: 8,
    SIGKILL: 9,
    SIGUSR1: 10,
    SIGSEGV: 11,
    SIGUSR2: 12,
    SIGPIPE: 13,
    SIGALRM: 14,
    SIGTERM: 15,
    SIGXCPU: 24,
    SIGXFSZ: 25,
  };
  return 128 + (signal ? (numbers[signal] ?? 0) : 0);
}
