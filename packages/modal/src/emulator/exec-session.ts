import { OutputBuffer } from "./output-buffer.js";

/** How an emulated exec ended, as the router reports it (`TaskExecWaitResponse`). */
export type ExecExit = { readonly code: number } | { readonly signal: number };

/** Runs the command once its stdin is known, writing its output into the buffers. */
export type ExecRunner = (io: {
  readonly stdin: Uint8Array;
  readonly stdout: OutputBuffer;
  readonly stderr: OutputBuffer;
}) => Promise<ExecExit>;

export interface ExecSessionOptions {
  /**
   * `eof`: start only when stdin is closed (fs-tools writes, whose data arrives on stdin).
   * `first-use`: start at stdin EOF, at the first stdio read, wait or poll, or after `graceMs`.
   */
  readonly startOn: "eof" | "first-use";
  /** For `first-use`: start anyway after this long without stdin EOF or a read. */
  readonly graceMs: number;
}

/**
 * One exec of the emulated router. The backend `Provider.exec` takes stdin up front, while
 * Modal streams it after `TaskExecStart`; the session therefore collects stdin and starts the
 * command when stdin is closed or when the client starts consuming the result, whichever
 * comes first (see the README's emulator notes).
 */
export class ExecSession {
  readonly stdout = new OutputBuffer();
  readonly stderr = new OutputBuffer();
  readonly #stdin: Uint8Array[] = [];
  #stdinBytes = 0;
  #stdinClosed = false;
  #started = false;
  #exit: ExecExit | undefined;
  #failure: unknown;
  readonly #finished: Promise<void>;
  #resolveFinished!: () => void;
  readonly #grace: NodeJS.Timeout | undefined;

  constructor(
    readonly execId: string,
    private readonly runner: ExecRunner,
    private readonly options: ExecSessionOptions,
  ) {
    this.#finished = new Promise((resolve) => {
      this.#resolveFinished = resolve;
    });
    if (options.startOn === "first-use") {
      this.#grace = setTimeout(() => this.start(), options.graceMs);
      this.#grace.unref();
    }
  }

  get stdinBytes(): number {
    return this.#stdinBytes;
  }

  get stdinClosed(): boolean {
    return this.#stdinClosed || this.#started;
  }

  /** Appends stdin at `offset` (duplicates from client retries are skipped) and maybe closes it. */
  writeStdin(offset: number, data: Uint8Array | undefined, eof: boolean): void {
    if (data && data.byteLength > 0 && !this.#started) {
      const skip = this.#stdinBytes - offset;
      if (skip < data.byteLength) {
        const part = data.subarray(Math.max(0, skip));
        this.#stdin.push(part.slice());
        this.#stdinBytes += part.byteLength;
      }
    }
    if (eof) {
      this.#stdinClosed = true;
      this.start();
    }
  }

  /** Called on stdio reads, waits and polls: in `first-use` mode they start the command. */
  touch(): void {
    if (this.options.startOn === "first-use") this.start();
  }

  /** Starts the command if it has not started; stdin written later is ignored. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    if (this.#grace) clearTimeout(this.#grace);
    const stdin = Buffer.concat(this.#stdin);
    this.runner({ stdin, stdout: this.stdout, stderr: this.stderr })
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
        this.#resolveFinished();
      });
  }

  /** The exit, once known; rethrows the runner's failure. */
  poll(): ExecExit | undefined {
    if (this.#failure !== undefined) throw this.#failure;
    return this.#exit;
  }

  /** Resolves with the exit; rejects with the runner's failure. */
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
