/**
 * Bytes of each stream an exec result keeps when `maxOutputBytes` is not given (16 MiB). The
 * whole stream still reaches the callbacks; only what is kept in the result is bounded, so a
 * command printing gigabytes cannot exhaust the caller's memory or string limits.
 */
export const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/**
 * Largest `maxOutputBytes` accepted (256 MiB per stream): the kept bytes are decoded into a
 * JavaScript string, and V8 cannot hold strings much beyond 512 Mi characters.
 */
export const MAX_OUTPUT_BYTES_LIMIT = 256 * 1024 * 1024;

/** Options of one `exec` call. */
export interface ExecOptions {
  /**
   * Working directory inside the sandbox; defaults to the sandbox's workdir. A relative path is
   * resolved against the workdir. A directory that does not exist makes `exec` reject with
   * `not_found` (the command never runs somewhere else).
   */
  cwd?: string;
  /** Extra environment variables for this call only; they never leak into later calls. */
  env?: Record<string, string>;
  /** Kills the whole process tree after this many milliseconds and sets `timedOut`. */
  timeoutMs?: number;
  /** Written to the command's stdin, which is then closed. Without it stdin is empty. */
  stdin?: string | Uint8Array;
  /**
   * Receives stdout as text while the command runs, decoded as UTF-8 incrementally: a
   * character split across chunks arrives whole in the later chunk, never as U+FFFD.
   */
  onStdout?: (chunk: string) => void;
  /** Receives stderr as text while the command runs; decoded like `onStdout`. */
  onStderr?: (chunk: string) => void;
  /** Receives stdout bytes exactly as produced (binary-safe), while the command runs. */
  onStdoutBytes?: (chunk: Uint8Array) => void;
  /** Receives stderr bytes exactly as produced, while the command runs. */
  onStderrBytes?: (chunk: Uint8Array) => void;
  /** Aborting kills the process tree and rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Run under a pseudo-terminal (`capabilities.pty`): `tty` succeeds, stdout and stderr arrive
   * merged on stdout, and `stdin` is typed into the terminal. `unsupported` where absent.
   */
  pty?: boolean;
  /** Terminal width in columns with `pty`; default 80. */
  cols?: number;
  /** Terminal height in rows with `pty`; default 24. */
  rows?: number;
  /**
   * Keeps at most this many bytes of each stream in the result (default
   * `DEFAULT_MAX_OUTPUT_BYTES`, at most `MAX_OUTPUT_BYTES_LIMIT`); the rest still streams to the
   * callbacks and `truncated` is set.
   */
  maxOutputBytes?: number;
}

/** The outcome of a command that ran. A command that could not run rejects instead. */
export interface ExecResult {
  /** Exit status; 128 + N when killed by signal N (137 for SIGKILL). */
  readonly exitCode: number;
  /** Stdout decoded as UTF-8 (invalid sequences become U+FFFD); use `stdoutBytes` for binary. */
  readonly stdout: string;
  /** Stderr decoded as UTF-8, like `stdout`. */
  readonly stderr: string;
  /** Stdout exactly as produced (up to `maxOutputBytes`). */
  readonly stdoutBytes: Uint8Array;
  /** Stderr exactly as produced (up to `maxOutputBytes`). */
  readonly stderrBytes: Uint8Array;
  /** The command was killed because `timeoutMs` passed. */
  readonly timedOut: boolean;
  /** Output beyond `maxOutputBytes` was dropped from at least one stream. */
  readonly truncated: boolean;
  /**
   * The kernel's out-of-memory killer ended the command (the sandbox's memory limit was hit).
   * Present only where the backend can tell; `undefined` means unknown, not "no".
   */
  readonly oomKilled?: boolean;
  /** Wall-clock time from the start of the command to its end, in milliseconds. */
  readonly durationMs: number;
}
