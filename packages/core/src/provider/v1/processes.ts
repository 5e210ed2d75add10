import type { ExecResult } from "./exec.js";

/** Where a process's output goes while it runs; the same callbacks `exec` takes. */
export interface OutputStreamCallbacks {
  /** Stdout as text, decoded incrementally (a character split across chunks arrives whole). */
  onStdout?: (chunk: string) => void;
  /** Stderr as text. With a PTY there is no separate stderr: everything arrives on stdout. */
  onStderr?: (chunk: string) => void;
  /** Stdout bytes exactly as produced. */
  onStdoutBytes?: (chunk: Uint8Array) => void;
  /** Stderr bytes exactly as produced. */
  onStderrBytes?: (chunk: Uint8Array) => void;
}

/** Options of `processes.start`. */
export interface ProcessStartOptions extends OutputStreamCallbacks {
  /** Working directory; relative paths resolve against the sandbox's workdir (as for `exec`). */
  cwd?: string;
  /** Extra environment for this process only. */
  env?: Record<string, string>;
  /**
   * Written to stdin at start. Stdin then stays open for `write` until `closeStdin` (or the
   * process ends): unlike `exec`, a started process is interactive.
   */
  stdin?: string | Uint8Array;
  /** Run under a pseudo-terminal: `tty` succeeds, stdout and stderr merge, `\x03` interrupts. */
  pty?: boolean;
  /** Terminal width in columns (PTY only); default 80. */
  cols?: number;
  /** Terminal height in rows (PTY only); default 24. */
  rows?: number;
  /** Kills the process tree after this many milliseconds; `wait` then reports `timedOut`. */
  timeoutMs?: number;
  /** Result bytes `wait` keeps per stream (default `DEFAULT_MAX_OUTPUT_BYTES`). */
  maxOutputBytes?: number;
}

/** Options of `processes.attach`. */
export interface ProcessAttachOptions extends OutputStreamCallbacks {
  /**
   * Replay the output buffered since the process started (up to the provider's
   * `constraints.processOutputBufferBytes` per stream) before following live output. Without it
   * only output produced after attaching is delivered.
   */
  fromStart?: boolean;
}

/** Lifecycle of a started process. */
export type ProcessState = "running" | "exited";

/** What `processes.list` reports of one process. */
export interface ProcessInfo {
  /** The provider's id of the process, unique within the sandbox (the pid inside it where there is one). */
  readonly pid: number;
  readonly argv: readonly string[];
  readonly startedAt: Date;
  readonly state: ProcessState;
  readonly pty: boolean;
  /** Exit status once exited; 128 + N when killed by signal N. */
  readonly exitCode?: number;
  /** The signal that ended it, e.g. `"SIGTERM"`, when one did. */
  readonly signal?: string;
  readonly endedAt?: Date;
}

/**
 * A handle to a started process. Several handles (from `start` and `attach`, in this or another
 * orchestrator) may follow the same process; dropping a handle does not stop the process.
 */
export interface ProcessHandle {
  readonly pid: number;
  /**
   * True when output the handle should have replayed was no longer buffered (the ring buffer
   * overflowed before `attach({ fromStart: true })`).
   */
  readonly outputDropped: boolean;
  /** Writes to the process's stdin (keys for a PTY, e.g. `"\x03"` for Ctrl-C). */
  write(data: string | Uint8Array): Promise<void>;
  /** Closes stdin: the process sees end-of-file (a PTY sees Ctrl-D). */
  closeStdin(): Promise<void>;
  /** Resizes the terminal (PTY only; `invalid_argument` otherwise). */
  resize(cols: number, rows: number): Promise<void>;
  /** Sends `signal` (default `"SIGTERM"`) to the process's whole tree; resolves once sent. */
  kill(signal?: string): Promise<void>;
  /**
   * Resolves once the process has exited, with the same shape `exec` returns (output kept by
   * this handle since it started following, up to `maxOutputBytes`).
   */
  wait(): Promise<ExecResult>;
  /** Stops delivering output to this handle's callbacks; the process keeps running. */
  detach(): void;
}

/**
 * Background processes of one sandbox: started without waiting, listed, attached to from any
 * handle of the same sandbox. A process keeps running when nobody is attached and ends with
 * the sandbox.
 */
export interface ProcessesExtension {
  start(argv: readonly string[], options?: ProcessStartOptions): Promise<ProcessHandle>;
  /** Live and recently finished processes, oldest first. */
  list(): Promise<ProcessInfo[]>;
  /** Follows a process by pid; `not_found` when the sandbox has no such process (or forgot it). */
  attach(pid: number, options?: ProcessAttachOptions): Promise<ProcessHandle>;
}
