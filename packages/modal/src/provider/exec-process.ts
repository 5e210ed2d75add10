import type { ContainerProcess, Sandbox } from "modal";
import { killableArgv, killProcessTreeArgv } from "./exec-wrappers.js";

/** Largest stdin message; the SDK sends each write as one gRPC message. */
const STDIN_CHUNK_BYTES = 1024 * 1024;

/** What starting a process needs, already translated for the SDK. */
export interface ProcessStart {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly workdir: string | undefined;
  /** Server-side backstop, in whole seconds (the SDK's wire unit); the caller enforces the exact deadline. */
  readonly timeoutSecs: number | undefined;
  /** Record the process's pid so that `kill()` can end its tree (Modal has no per-exec kill). */
  readonly killable: boolean;
}

/**
 * One running command in a Modal sandbox, over the SDK's `ContainerProcess` in binary mode.
 * Starting it is one round trip (`TaskExecStart`); everything after (stdin, both output
 * streams, the exit) can proceed concurrently, which is what keeps an exec to two waves.
 * Shaped as a long-lived handle: the one-shot `exec` is built on it.
 */
export class ModalExecProcess {
  readonly #process: ContainerProcess<Uint8Array>;
  readonly #sandbox: Sandbox;
  readonly #pidFile: string | undefined;
  #exited = false;
  #writing: Promise<void> = Promise.resolve();
  #stdinClosed = false;

  private constructor(sandbox: Sandbox, process: ContainerProcess<Uint8Array>, pidFile: string | undefined) {
    this.#sandbox = sandbox;
    this.#process = process;
    this.#pidFile = pidFile;
  }

  /** Starts the command; resolves once the server accepted it (one round trip). */
  static async start(sandbox: Sandbox, start: ProcessStart): Promise<ModalExecProcess> {
    const wrapped = start.killable ? killableArgv(start.argv) : undefined;
    const process = await sandbox.exec(wrapped?.argv ?? [...start.argv], {
      mode: "binary",
      ...(start.workdir ? { workdir: start.workdir } : {}),
      ...(Object.keys(start.env).length > 0 ? { env: { ...start.env } } : {}),
      ...(start.timeoutSecs === undefined ? {} : { timeoutMs: start.timeoutSecs * 1000 }),
    });
    return new ModalExecProcess(sandbox, process, wrapped?.pidFile);
  }

  /** Stdout chunks as the server streams them. Read it (and stderr) concurrently with `wait`. */
  get stdout(): AsyncIterable<Uint8Array> {
    return this.#process.stdout;
  }

  get stderr(): AsyncIterable<Uint8Array> {
    return this.#process.stderr;
  }

  /** Writes to stdin, in order with earlier writes; stops quietly once the process exited. */
  write(data: Uint8Array): Promise<void> {
    const previous = this.#writing;
    const next = (async () => {
      await previous;
      const writer = this.#process.stdin.getWriter();
      try {
        for (let offset = 0; offset < data.byteLength && !this.#exited; offset += STDIN_CHUNK_BYTES) {
          await writer.write(data.subarray(offset, offset + STDIN_CHUNK_BYTES));
        }
      } finally {
        writer.releaseLock();
      }
    })();
    this.#writing = next.catch(() => undefined);
    return next;
  }

  /** Sends EOF after the pending writes. With nothing written it goes out at once. */
  closeStdin(): Promise<void> {
    if (this.#stdinClosed) return this.#writing;
    this.#stdinClosed = true;
    const previous = this.#writing;
    const next = (async () => {
      await previous;
      await this.#process.stdin.close();
    })();
    this.#writing = next.catch(() => undefined);
    return next;
  }

  /** The exit code (128 + N for signal N). */
  async wait(): Promise<number> {
    try {
      return await this.#process.wait();
    } finally {
      this.#exited = true;
    }
  }

  /**
   * Kills the process and all its descendants (a second exec that reads the recorded pid),
   * best effort: a sandbox that is gone has nothing left to kill. Only for killable processes.
   */
  async kill(): Promise<void> {
    if (!this.#pidFile) return;
    try {
      const killer = await this.#sandbox.exec(killProcessTreeArgv(this.#pidFile), {
        mode: "binary",
        timeoutMs: 10_000,
      });
      await killer.stdin.close();
      await Promise.race([killer.wait(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    } catch {
      // The sandbox may be gone; nothing is left to kill then.
    }
  }
}
