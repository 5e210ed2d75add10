import { OutputBuffer } from "./output-buffer.js";
import { StdinQueue } from "./stdin-queue.js";

/** How an emulated exec ended, as the router reports it (`TaskExecWaitResponse`). */
export type ExecExit = { readonly code: number } | { readonly signal: number };

/** What a runner gets: stdin as it streams in, and the buffers its output goes to. */
export interface ExecIo {
  readonly stdin: StdinQueue;
  readonly stdout: OutputBuffer;
  readonly stderr: OutputBuffer;
}

/** Runs one command, from the moment the exec starts, until it exits. */
export type ExecRunner = (io: ExecIo) => Promise<ExecExit>;

/**
 * One exec of the emulated router. Like Modal, the command starts when `TaskExecStart`
 * arrives; stdin written later (at offsets, until EOF) streams into it while it runs, and its
 * output is kept by offset for readers that reconnect.
 */
export class ExecSession {
  readonly stdin = new StdinQueue();
  readonly stdout = new OutputBuffer();
  readonly stderr = new OutputBuffer();
  #exit: ExecExit | undefined;
  #failure: unknown;
  readonly #finished: Promise<void>;

  constructor(
    readonly execId: string,
    runner: ExecRunner,
  ) {
    this.#finished = runner({ stdin: this.stdin, stdout: this.stdout, stderr: this.stderr })
      .then(
        (exit) => {
          this.#exit = exit;
        },
        (error: unknown) => {
          this.#failure = error;
        },
      )
      .finally(() => {
        this.stdout.close();
        this.stderr.close();
        // Stdin that arrives after the command ended goes nowhere, as on a closed pipe.
        this.stdin.abandon();
      });
  }

  /** The exit, once known; rethrows the runner's failure. */
  poll(): ExecExit | undefined {
    if (this.#failure !== undefined) throw this.#failure;
    return this.#exit;
  }

  /** Resolves with the exit (undefined when `signal` aborted first); rejects with the runner's failure. */
  async wait(signal?: AbortSignal): Promise<ExecExit | undefined> {
    if (signal) {
      let onAbort: (() => void) | undefined;
      await Promise.race([
        this.#finished,
        new Promise<void>((resolve) => {
          onAbort = () => resolve();
          signal.addEventListener("abort", onAbort, { once: true });
        }),
      ]);
      if (onAbort) signal.removeEventListener("abort", onAbort);
    } else {
      await this.#finished;
    }
    return this.poll();
  }
}
