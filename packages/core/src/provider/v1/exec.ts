/** Options of one `exec` call. */
export interface ExecOptions {
  /** Working directory inside the sandbox; defaults to the sandbox's workdir. */
  cwd?: string;
  /** Extra environment variables for this call only; they never leak into later calls. */
  env?: Record<string, string>;
  /** Kills the whole process tree after this many milliseconds and sets `timedOut`. */
  timeoutMs?: number;
  /** Written to the command's stdin, which is then closed. Without it stdin is empty. */
  stdin?: string | Uint8Array;
  /** Receives stdout bytes as they are produced, before the call resolves. */
  onStdout?: (chunk: Uint8Array) => void;
  /** Receives stderr bytes as they are produced, before the call resolves. */
  onStderr?: (chunk: Uint8Array) => void;
  /** Aborting kills the process tree and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Keeps at most this many bytes of each stream in the result; the rest is streamed and dropped. */
  maxOutputBytes?: number;
}

/** The outcome of a command that ran. A command that could not run rejects instead. */
export interface ExecResult {
  /** Exit status; 128 + N when killed by signal N (137 for SIGKILL). */
  readonly exitCode: number;
  /** Stdout decoded as UTF-8 (invalid sequences become U+FFFD); use `stdoutBytes` for binary. */
  readonly stdout: string;
  readonly stderr: string;
  /** Stdout exactly as produced (up to `maxOutputBytes`). */
  readonly stdoutBytes: Uint8Array;
  readonly stderrBytes: Uint8Array;
  /** The command was killed because `timeoutMs` passed. */
  readonly timedOut: boolean;
  /** Output beyond `maxOutputBytes` was dropped from at least one stream. */
  readonly truncated: boolean;
  readonly durationMs: number;
}
