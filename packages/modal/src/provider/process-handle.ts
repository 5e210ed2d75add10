import {
  createExecResult,
  type ExecResult,
  InvalidArgumentError,
  OutputCollector,
  type OutputStreamCallbacks,
  type ProcessHandle,
  parseTerminalSize,
} from "@openlattice/core";
import type { ModalProcess, ProcessSubscriber } from "./modal-process.js";
import { parseSignal } from "./signals.js";

const encoder = new TextEncoder();

/** The collectors of one follower: its callbacks, and the output its `wait()` returns. */
export function subscriberFor(callbacks: OutputStreamCallbacks, maxOutputBytes: number): ProcessSubscriber {
  return {
    stdout: new OutputCollector(maxOutputBytes, { onText: callbacks.onStdout, onBytes: callbacks.onStdoutBytes }),
    stderr: new OutputCollector(maxOutputBytes, { onText: callbacks.onStderr, onBytes: callbacks.onStderrBytes }),
  };
}

/**
 * A `ProcessHandle` over a process this provider instance follows. Several handles may follow
 * one process; each has its own callbacks and keeps its own output for `wait()`.
 */
export class ModalProcessHandle implements ProcessHandle {
  readonly #process: ModalProcess;
  readonly #subscriber: ProcessSubscriber;
  readonly outputDropped: boolean;

  constructor(process: ModalProcess, subscriber: ProcessSubscriber, outputDropped: boolean) {
    this.#process = process;
    this.#subscriber = subscriber;
    this.outputDropped = outputDropped;
  }

  get pid(): number {
    return this.#process.pid;
  }

  async write(data: string | Uint8Array): Promise<void> {
    if (typeof data !== "string" && !(data instanceof Uint8Array)) {
      throw new InvalidArgumentError("data", "must be a string or a Uint8Array", { provider: "modal" });
    }
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    if (bytes.byteLength === 0) return;
    await this.#process.write(bytes);
  }

  closeStdin(): Promise<void> {
    return this.#process.closeStdin();
  }

  async resize(cols: number, rows: number): Promise<void> {
    const size = parseTerminalSize(cols, rows, "modal");
    if (!this.#process.pty) {
      throw new InvalidArgumentError("resize", "the process has no terminal; start it with pty: true", {
        provider: "modal",
      });
    }
    await this.#process.resize(size.cols, size.rows);
  }

  async kill(signal?: string): Promise<void> {
    await this.#process.kill(parseSignal(signal));
  }

  async wait(): Promise<ExecResult> {
    await this.#process.finished;
    const failure = this.#process.failure;
    if (failure !== undefined) throw failure;
    const { stdout, stderr } = this.#subscriber;
    const callbackError = stdout.callbackError ?? stderr.callbackError;
    if (callbackError !== undefined) throw callbackError;
    const outcome = this.#process.outcome;
    if (!outcome) throw failure;
    return createExecResult({
      exitCode: outcome.exitCode,
      stdoutBytes: stdout.bytes(),
      stderrBytes: stderr.bytes(),
      timedOut: outcome.timedOut,
      truncated: stdout.truncated || stderr.truncated,
      durationMs: outcome.endedAt.getTime() - this.#process.startedAt.getTime(),
    });
  }

  detach(): void {
    this.#process.unsubscribe(this.#subscriber);
  }
}
