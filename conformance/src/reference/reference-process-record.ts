import type { ChildProcess } from "node:child_process";
import { constants } from "node:os";
import { exitCodeForSignal, OutputCollector, type OutputStreamCallbacks } from "@openlattice/core";

/** Output each started process keeps per stream for `attach({ fromStart: true })` (1 MiB). */
export const PROCESS_OUTPUT_BUFFER_BYTES = 1024 * 1024;

/** The newest `capacity` bytes of a stream, and how many older bytes it had to drop. */
export class RingBuffer {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  dropped = 0;

  constructor(private readonly capacity: number) {}

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.size += chunk.byteLength;
    while (this.size > this.capacity) {
      const first = this.chunks[0] as Uint8Array;
      const excess = this.size - this.capacity;
      const cut = Math.min(excess, first.byteLength);
      if (cut === first.byteLength) this.chunks.shift();
      else this.chunks[0] = first.subarray(cut);
      this.size -= cut;
      this.dropped += cut;
    }
  }

  contents(): readonly Uint8Array[] {
    return [...this.chunks];
  }
}

/** How a process ended. */
export interface ProcessExit {
  readonly exitCode: number;
  readonly signal: string | undefined;
  readonly timedOut: boolean;
  readonly endedAt: Date;
  readonly durationMs: number;
}

/** One handle's view of a process: its own collectors (its callbacks, its output cap) and whether it still delivers. */
export class Follower {
  readonly stdout: OutputCollector;
  readonly stderr: OutputCollector;
  detached = false;

  constructor(maxOutputBytes: number, callbacks: OutputStreamCallbacks) {
    // Detaching stops the callbacks; what wait() returns is still collected.
    const gate =
      <T>(callback: ((chunk: T) => void) | undefined) =>
      (chunk: T) => {
        if (!this.detached) callback?.(chunk);
      };
    this.stdout = new OutputCollector(maxOutputBytes, {
      onText: callbacks.onStdout && gate(callbacks.onStdout),
      onBytes: callbacks.onStdoutBytes && gate(callbacks.onStdoutBytes),
    });
    this.stderr = new OutputCollector(maxOutputBytes, {
      onText: callbacks.onStderr && gate(callbacks.onStderr),
      onBytes: callbacks.onStderrBytes && gate(callbacks.onStderrBytes),
    });
  }

  end(): void {
    this.stdout.end();
    this.stderr.end();
  }
}

/**
 * A started process as the reference backend keeps it: its child, the ring buffers every handle
 * replays from, and the handles following it live. It outlives every handle.
 */
export class ProcessRecord {
  readonly startedAt = new Date();
  readonly stdoutRing = new RingBuffer(PROCESS_OUTPUT_BUFFER_BYTES);
  readonly stderrRing = new RingBuffer(PROCESS_OUTPUT_BUFFER_BYTES);
  exit: ProcessExit | undefined;
  timedOut = false;
  readonly ended: Promise<ProcessExit>;
  private readonly followers = new Set<Follower>();
  private readonly started = performance.now();

  constructor(
    readonly pid: number,
    readonly argv: readonly string[],
    readonly pty: boolean,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on("data", (chunk: Buffer) => this.deliver("stdout", chunk));
    child.stderr?.on("data", (chunk: Buffer) => this.deliver("stderr", chunk));
    // A process may exit without reading what was written to it (EPIPE): not an error of the process.
    child.stdin?.on("error", () => undefined);
    let signalName: string | undefined;
    child.on("exit", (_code, signal) => {
      signalName = signal ?? undefined;
    });
    this.ended = new Promise((resolve) => {
      // "close": the output is complete (background children holding the pipes included).
      child.on("close", (code, signal) => {
        const name = signal ?? signalName;
        this.exit = {
          exitCode: code ?? exitCodeForSignal(name ?? null),
          signal: name,
          timedOut: this.timedOut,
          endedAt: new Date(),
          durationMs: performance.now() - this.started,
        };
        for (const follower of this.followers) follower.end();
        this.followers.clear();
        resolve(this.exit);
      });
    });
  }

  get state(): "running" | "exited" {
    return this.exit === undefined ? "running" : "exited";
  }

  /** Adds a follower; with `fromStart` it first receives what the ring buffers still hold. */
  follow(follower: Follower, fromStart: boolean): void {
    if (fromStart) {
      for (const chunk of this.stdoutRing.contents()) follower.stdout.push(chunk);
      for (const chunk of this.stderrRing.contents()) follower.stderr.push(chunk);
    }
    if (this.exit === undefined) this.followers.add(follower);
    else follower.end();
  }

  private deliver(stream: "stdout" | "stderr", chunk: Uint8Array): void {
    (stream === "stdout" ? this.stdoutRing : this.stderrRing).push(chunk);
    for (const follower of this.followers) follower[stream].push(chunk);
  }
}

/** Whether `name` is a signal this host knows (`"SIGTERM"`, `"SIGUSR1"`…). */
export function isSignalName(name: unknown): name is NodeJS.Signals {
  return typeof name === "string" && /^SIG[A-Z0-9]+$/.test(name) && name in constants.signals;
}
