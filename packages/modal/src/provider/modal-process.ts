import { ConflictError, InternalError, type OutputCollector, type ProcessInfo } from "@openlattice/core";
import type { Sandbox } from "modal";
import { ModalExecProcess } from "./exec-process.js";
import { argvLength, envTransport, SDK_ARGV_LIMIT } from "./exec-wrappers.js";
import { mapModalError } from "./map-modal-error.js";
import { OutputRing } from "./output-ring.js";
import {
  PID_MARKER_SEARCH_BYTES,
  parsePidMarker,
  recordExitArgv,
  resizeArgv,
  signalTreeArgv,
  startArgv,
} from "./process-scripts.js";
import { signalName } from "./signals.js";

/** Where one follower of a process (a handle) receives its output. */
export interface ProcessSubscriber {
  readonly stdout: OutputCollector;
  readonly stderr: OutputCollector;
}

/** What starting a process needs, validated and translated already. */
export interface ProcessSpec {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly workdir: string | undefined;
  readonly pty: { readonly cols: number; readonly rows: number } | undefined;
  readonly timeoutMs: number | undefined;
  /** Bytes of each stream kept for replays (`constraints.processOutputBufferBytes`). */
  readonly bufferBytes: number;
}

/** How a process ended. */
export interface ProcessOutcome {
  readonly exitCode: number;
  readonly timedOut: boolean;
  readonly endedAt: Date;
}

const latin1 = new TextDecoder("latin1");

/**
 * One process this provider instance started in a Modal sandbox: a Modal exec (binary mode,
 * optionally under Modal's PTY) wrapped so that it records itself and announces its pid. Both
 * output streams are read from the start until the end whether or not anyone follows them:
 * the newest `bufferBytes` of each are kept for replays, and every subscriber receives the
 * rest live. Stdin, signals and resizes go through further execs, since Modal has no per-exec
 * kill or resize.
 */
export class ModalProcess {
  readonly stdout: OutputRing;
  readonly stderr: OutputRing;
  pid = 0;
  readonly #subscribers = new Set<ProcessSubscriber>();
  #outcome: ProcessOutcome | undefined;
  #failure: unknown;
  #timedOut = false;
  #stdinClosed = false;
  readonly #ended = { stdout: false, stderr: false };
  #timer: NodeJS.Timeout | undefined;
  /** Resolves once both streams ended and the exit is known (or the exec failed). */
  readonly finished: Promise<void>;

  private constructor(
    private readonly sandbox: Sandbox,
    private readonly exec: ModalExecProcess,
    readonly argv: readonly string[],
    readonly startedAt: Date,
    readonly pty: boolean,
    bufferBytes: number,
    initial: ProcessSubscriber,
    pidFound: { resolve: (pid: number) => void; reject: (error: unknown) => void },
  ) {
    this.stdout = new OutputRing(bufferBytes);
    this.stderr = new OutputRing(bufferBytes);
    this.#subscribers.add(initial);
    const streams = Promise.all([this.#pumpStdout(pidFound), this.#pumpStderr()]);
    this.finished = Promise.all([streams, exec.wait()]).then(
      ([, exitCode]) => this.#end({ exitCode, timedOut: this.#timedOut, endedAt: new Date() }),
      (error: unknown) => this.#fail(error),
    );
    // The pid never came: what the exec's end says is the reason.
    void this.finished.then(() => pidFound.reject(this.#startFailure()));
  }

  /** Starts the process; resolves once its pid is known, with `initial` following from the first byte. */
  static async start(sandbox: Sandbox, spec: ProcessSpec, initial: ProcessSubscriber): Promise<ModalProcess> {
    const startedAt = new Date();
    const transported = argvLength(spec.argv) >= SDK_ARGV_LIMIT ? envTransport(spec.argv) : undefined;
    const exec = await ModalExecProcess.start(sandbox, {
      argv: startArgv(transported?.argv ?? spec.argv, startedAt, spec.pty),
      env: { ...spec.env, ...transported?.env },
      workdir: spec.workdir,
      timeoutSecs: spec.timeoutMs === undefined ? undefined : Math.max(1, Math.ceil(spec.timeoutMs / 1000)),
      killable: false,
      pty: spec.pty !== undefined,
    });
    let pidFound!: { resolve: (pid: number) => void; reject: (error: unknown) => void };
    const pid = new Promise<number>((resolve, reject) => {
      pidFound = { resolve, reject };
    });
    const process = new ModalProcess(
      sandbox,
      exec,
      spec.argv,
      startedAt,
      spec.pty !== undefined,
      spec.bufferBytes,
      initial,
      pidFound,
    );
    process.pid = await pid;
    if (spec.timeoutMs !== undefined) {
      const remaining = spec.timeoutMs - (Date.now() - startedAt.getTime());
      process.#timer = setTimeout(
        () => {
          process.#timedOut = true;
          void process.kill("SIGKILL");
        },
        Math.max(0, remaining),
      );
      process.#timer.unref();
    }
    return process;
  }

  get outcome(): ProcessOutcome | undefined {
    return this.#outcome;
  }

  /** Why the process could not be followed to its end (the sandbox went away, …), if it could not. */
  get failure(): unknown {
    return this.#failure;
  }

  get running(): boolean {
    return this.#outcome === undefined && this.#failure === undefined;
  }

  /**
   * Adds a follower. With `fromStart` it first receives what the ring buffers kept; `dropped`
   * says whether that was less than everything. Synchronous, so no chunk is missed or doubled.
   */
  subscribe(subscriber: ProcessSubscriber, fromStart: boolean): { dropped: boolean } {
    let dropped = false;
    if (fromStart) {
      dropped = this.stdout.dropped || this.stderr.dropped;
      for (const chunk of this.stdout.snapshot()) subscriber.stdout.push(chunk);
      for (const chunk of this.stderr.snapshot()) subscriber.stderr.push(chunk);
    }
    if (this.#ended.stdout) subscriber.stdout.end();
    if (this.#ended.stderr) subscriber.stderr.end();
    if (this.running) this.#subscribers.add(subscriber);
    return { dropped };
  }

  unsubscribe(subscriber: ProcessSubscriber): void {
    this.#subscribers.delete(subscriber);
  }

  /** Writes to stdin (quietly dropped once the process has ended, as on a closed pipe). */
  async write(data: Uint8Array): Promise<void> {
    if (this.#stdinClosed) {
      throw new ConflictError("processes: stdin was closed with closeStdin(); start a new process to send more input", {
        provider: "modal",
        details: { pid: this.pid },
      });
    }
    await this.#call("write", () => this.exec.write(data));
  }

  async closeStdin(): Promise<void> {
    this.#stdinClosed = true;
    await this.#call("closeStdin", () => this.exec.closeStdin());
  }

  /** Sends `signal` to the process and its descendants; resolves once sent. */
  async kill(signal: string): Promise<void> {
    if (!this.running) return;
    await this.#run("kill", signalTreeArgv(this.pid, signal));
  }

  async resize(cols: number, rows: number): Promise<void> {
    if (!this.running) return;
    const code = await this.#run("resize", resizeArgv(this.pid, cols, rows));
    if (code !== 0 && this.running) {
      throw new InternalError(`resize: stty could not set the terminal's size (exit ${code}); the image needs stty`, {
        provider: "modal",
      });
    }
  }

  info(): ProcessInfo {
    const outcome = this.#outcome;
    const signal = outcome ? signalName(outcome.exitCode) : undefined;
    return {
      pid: this.pid,
      argv: [...this.argv],
      startedAt: this.startedAt,
      state: this.running ? "running" : "exited",
      pty: this.pty,
      ...(outcome ? { exitCode: outcome.exitCode, endedAt: outcome.endedAt } : {}),
      ...(signal ? { signal } : {}),
    };
  }

  /** Runs a helper exec to its end (stdin closed at once); its exit code. */
  async #run(operation: string, argv: string[]): Promise<number> {
    return this.#call(operation, async () => {
      const helper = await this.sandbox.exec(argv, { mode: "binary", timeoutMs: 30_000 });
      await helper.stdin.close();
      const [, , code] = await Promise.all([helper.stdout.readBytes(), helper.stderr.readBytes(), helper.wait()]);
      return code;
    });
  }

  async #call<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw mapModalError(error, { operation: `processes.${operation}`, externalId: this.sandbox.sandboxId });
    }
  }

  async #pumpStdout(pidFound: { resolve: (pid: number) => void }): Promise<void> {
    let head: Uint8Array[] | undefined = [];
    let headBytes = 0;
    const deliver = (chunk: Uint8Array) => this.#deliver(chunk, this.stdout, (subscriber) => subscriber.stdout);
    try {
      for await (const chunk of this.exec.stdout) {
        if (!head) {
          deliver(chunk);
          continue;
        }
        head.push(chunk);
        headBytes += chunk.byteLength;
        const bytes = head.length === 1 ? chunk : Buffer.concat(head);
        const marker = parsePidMarker(latin1.decode(bytes));
        if (!marker && headBytes < PID_MARKER_SEARCH_BYTES) continue;
        head = undefined;
        if (marker) {
          // Output before the marker (a terminal's own) is the process's; the marker is not.
          deliver(bytes.subarray(0, marker.start));
          pidFound.resolve(marker.pid);
          deliver(bytes.subarray(marker.end));
        } else deliver(bytes);
      }
      if (head && headBytes > 0) deliver(Buffer.concat(head));
    } finally {
      this.#ended.stdout = true;
      for (const subscriber of this.#subscribers) subscriber.stdout.end();
    }
  }

  async #pumpStderr(): Promise<void> {
    try {
      for await (const chunk of this.exec.stderr) this.#deliver(chunk, this.stderr, (subscriber) => subscriber.stderr);
    } finally {
      this.#ended.stderr = true;
      for (const subscriber of this.#subscribers) subscriber.stderr.end();
    }
  }

  #deliver(chunk: Uint8Array, ring: OutputRing, pick: (subscriber: ProcessSubscriber) => OutputCollector): void {
    if (chunk.byteLength === 0) return;
    ring.push(chunk);
    for (const subscriber of this.#subscribers) pick(subscriber).push(chunk);
  }

  #end(outcome: ProcessOutcome): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#outcome = outcome;
    this.#subscribers.clear();
    if (this.pid > 0) {
      // For other provider instances' `list`; the sandbox may be gone already.
      void this.#run("recordExit", recordExitArgv(this.pid, outcome.exitCode, outcome.endedAt)).catch(() => undefined);
    }
  }

  #fail(error: unknown): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#failure = mapModalError(error, { operation: "processes.wait", externalId: this.sandbox.sandboxId });
    this.#subscribers.clear();
  }

  #startFailure(): unknown {
    if (this.#failure !== undefined) return this.#failure;
    const code = this.#outcome?.exitCode;
    const stderr = new TextDecoder().decode(Buffer.concat(this.stderr.snapshot())).trim().slice(-500);
    return new InternalError(
      `processes.start: the command's wrapper never started (exit ${code}${stderr ? `: ${stderr}` : ""}); the image needs sh`,
      { provider: "modal", details: { exitCode: code } },
    );
  }
}
