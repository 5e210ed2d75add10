import os from "node:os";
import {
  collectorsFor,
  createExecResult,
  DEFAULT_MAX_OUTPUT_BYTES,
  type ExecResult,
  InvalidArgumentError,
  type OutputStreamCallbacks,
  type ProcessHandle,
  parseTerminalSize,
} from "@openlattice/core";
import { type AgentConnection, InboundWindow } from "./agent-connection.js";
import { type AgentFailure, readFailure } from "./agent-errors.js";
import { encodeData, encodeFrame, Fields, FieldWriter, type Frame, ProtocolViolation } from "./frame-codec.js";
import { Field, FLAG_FIN, MAX_DATA_PAYLOAD, Stream, Type } from "./protocol.js";

/** The agent refused to start or attach (mapped to a typed error by the caller). */
export class ProcessRefused extends Error {
  constructor(readonly failure: AgentFailure) {
    super(failure.code ?? failure.message ?? `kind ${failure.kind}`);
  }
}

/** What a follower needs from its sandbox. */
export interface FollowerContext {
  readonly connection: AgentConnection;
  readonly provider: string;
  /** The error to report when the connection died (the sandbox ended). */
  readonly ended: (error: unknown) => unknown;
}

/** How a follower came to be: START (output from the first byte) or ATTACH. */
export interface FollowerSetup extends OutputStreamCallbacks {
  readonly maxOutputBytes?: number;
  readonly pty?: boolean;
}

/** Signal names to numbers, from this host (the agent runs on the same kernel). */
function signalNumber(signal: unknown, provider: string): number {
  const name = signal === undefined ? "SIGTERM" : signal;
  const number = typeof name === "string" ? os.constants.signals[name as keyof typeof os.constants.signals] : undefined;
  if (number === undefined) {
    throw new InvalidArgumentError("signal", `${JSON.stringify(name)} is not a signal name such as "SIGTERM"`, {
      provider,
    });
  }
  return number;
}

/**
 * One host channel following a background process in the agent: output to the callbacks and
 * (bounded) into the result, stdin under the agent's credit, KILL/RESIZE/CLOSE on the same
 * channel. Everything the agent sends is checked; a violation ends the connection.
 */
export class ProcessFollower implements ProcessHandle {
  pid = 0;
  outputDropped = false;
  pty: boolean;
  readonly id: number;
  private readonly stdout;
  private readonly stderr;
  private readonly windows: InboundWindow[];
  private readonly started = performance.now();
  private credit = 0;
  private readonly queue: { bytes: Uint8Array; fin: boolean; done: () => void }[] = [];
  private result: ExecResult | undefined;
  private failure: unknown;
  private detached = false;
  private waiters: { resolve: (r: ExecResult) => void; reject: (e: unknown) => void }[] = [];
  private onReady: ((error?: unknown) => void) | undefined;

  constructor(
    private readonly context: FollowerContext,
    setup: FollowerSetup,
  ) {
    this.pty = setup.pty === true;
    const collectors = collectorsFor({ ...setup, maxOutputBytes: setup.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES });
    this.stdout = collectors.stdout;
    this.stderr = collectors.stderr;
    this.id = context.connection.open({ onFrame: (f) => this.onFrame(f), onClose: (e) => this.closed(e) }, false);
    this.windows = [Stream.out, Stream.err].map((s) => new InboundWindow(context.connection, this.id, s));
  }

  /** Sends `request` and resolves once the agent confirmed it (STARTED) with the pid. */
  begin(request: Buffer, type: number): Promise<this> {
    return new Promise((resolve, reject) => {
      this.onReady = (error) => (error === undefined ? resolve(this) : reject(error));
      this.context.connection.send(encodeFrame(type, this.id, request));
    });
  }

  private onFrame(frame: Frame): void {
    switch (frame.type) {
      case Type.started: {
        const fields = new Fields(frame.payload).only([Field.pid, Field.dropped, Field.pty]);
        const pid = fields.u32(Field.pid);
        if (!pid || this.pid) throw new ProtocolViolation("bad STARTED for a process");
        this.pid = pid;
        if (fields.u32(Field.dropped) === 1) this.outputDropped = true;
        if (fields.u32(Field.pty) !== undefined) this.pty = fields.u32(Field.pty) === 1;
        this.onReady?.();
        this.onReady = undefined;
        return;
      }
      case Type.data: {
        const index = frame.stream - Stream.out;
        const window = this.windows[index];
        if (!window || frame.flags & FLAG_FIN || !this.pid) throw new ProtocolViolation("bad process output");
        window.receive(frame.payload.byteLength);
        if (!this.detached) (index === 0 ? this.stdout : this.stderr).push(frame.payload);
        window.consumed(frame.payload.byteLength);
        return;
      }
      case Type.dropped:
        new Fields(frame.payload).only([Field.size]).u64(Field.size);
        this.outputDropped = true;
        return;
      case Type.credit:
        if (frame.stream !== Stream.in || frame.payload.byteLength !== 4) throw new ProtocolViolation("bad credit");
        this.credit += Buffer.from(frame.payload.buffer, frame.payload.byteOffset, 4).readUInt32LE(0);
        this.pump();
        return;
      case Type.exit:
        this.exited(frame);
        return;
      case Type.error: {
        const failure = readFailure(frame);
        if (this.onReady) {
          this.onReady(new ProcessRefused(failure));
          this.onReady = undefined;
          this.context.connection.release(this.id);
        }
        return;
      }
      default:
        throw new ProtocolViolation(`unexpected frame ${frame.type} for a process`);
    }
  }

  private exited(frame: Frame): void {
    const fields = new Fields(frame.payload).only([Field.exitCode, Field.signal, Field.timedOut]);
    const code = fields.u32(Field.exitCode);
    const signal = fields.u32(Field.signal);
    if ((code === undefined) === (signal === undefined) || (code ?? 0) > 255 || (signal ?? 0) > 127) {
      throw new ProtocolViolation("EXIT needs exactly one of an exit code and a signal");
    }
    this.context.connection.release(this.id);
    this.stdout.end();
    this.stderr.end();
    this.result = createExecResult({
      exitCode: code ?? 128 + (signal as number),
      stdoutBytes: this.stdout.bytes(),
      stderrBytes: this.stderr.bytes(),
      timedOut: fields.u32(Field.timedOut) === 1,
      truncated: this.stdout.truncated || this.stderr.truncated,
      durationMs: performance.now() - this.started,
    });
    const callbackError = this.stdout.callbackError ?? this.stderr.callbackError;
    for (const waiter of this.waiters.splice(0)) {
      if (callbackError !== undefined) waiter.reject(callbackError);
      else waiter.resolve(this.result);
    }
    this.releaseWrites();
  }

  private closed(error: unknown): void {
    this.failure = this.context.ended(error);
    this.onReady?.(this.failure);
    this.onReady = undefined;
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
    this.releaseWrites();
  }

  /** Pending writes to a process that is gone resolve: like a pipe whose reader left. */
  private releaseWrites(): void {
    for (const item of this.queue.splice(0)) item.done();
  }

  private pump(): void {
    while (this.queue.length > 0 && (this.credit > 0 || (this.queue[0]?.bytes.byteLength === 0 && this.queue[0].fin))) {
      const item = this.queue[0] as (typeof this.queue)[number];
      const part = item.bytes.subarray(0, Math.min(this.credit, MAX_DATA_PAYLOAD * 4));
      item.bytes = item.bytes.subarray(part.byteLength);
      this.credit -= part.byteLength;
      const last = item.bytes.byteLength === 0;
      this.context.connection.send(...encodeData(this.id, Stream.in, part, last && item.fin));
      if (!last) return;
      this.queue.shift();
      item.done();
    }
  }

  /** Throws unless the handle can drive the process; a detached handle may still `kill` it. */
  private usable(control = false): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.detached && !control) {
      throw new InvalidArgumentError("handle", "this handle was detached; attach again to drive the process", {
        provider: this.context.provider,
      });
    }
  }

  write(data: string | Uint8Array): Promise<void> {
    this.usable();
    if (typeof data !== "string" && !(data instanceof Uint8Array)) {
      throw new InvalidArgumentError("data", "must be a string or a Uint8Array", { provider: this.context.provider });
    }
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    if (this.result || bytes.byteLength === 0) return Promise.resolve();
    return new Promise((done) => {
      this.queue.push({ bytes, fin: false, done });
      this.pump();
    });
  }

  closeStdin(): Promise<void> {
    this.usable();
    if (this.result) return Promise.resolve();
    return new Promise((done) => {
      this.queue.push({ bytes: new Uint8Array(), fin: true, done });
      this.pump();
    });
  }

  async resize(cols: number, rows: number): Promise<void> {
    this.usable();
    const size = parseTerminalSize(cols, rows, this.context.provider);
    if (!this.pty) {
      throw new InvalidArgumentError("pty", "resize needs a process started with pty: true", {
        provider: this.context.provider,
      });
    }
    const fields = new FieldWriter().u32(Field.cols, size.cols).u32(Field.rows, size.rows).finish();
    this.context.connection.send(encodeFrame(Type.resize, this.id, fields));
  }

  async kill(signal?: string): Promise<void> {
    this.usable(true);
    const number = signalNumber(signal, this.context.provider);
    if (this.result) return;
    this.context.connection.send(encodeFrame(Type.kill, this.id, new FieldWriter().u32(Field.signum, number).finish()));
  }

  wait(): Promise<ExecResult> {
    if (this.result) return Promise.resolve(this.result);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.detached) return Promise.reject(this.detachedError());
    // Someone waits: the orchestrator stays alive until the process ends.
    this.context.connection.hold();
    return new Promise<ExecResult>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
    }).finally(() => this.context.connection.unhold());
  }

  private detachedError() {
    return new InvalidArgumentError("handle", "this handle was detached before the process ended", {
      provider: this.context.provider,
    });
  }

  detach(): void {
    if (this.detached || this.result || this.failure !== undefined) return;
    this.detached = true;
    // The channel stays open (it keeps no one alive) so that `kill` still reaches the process;
    // output is no longer delivered, and the channel goes when the process ends.
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.detachedError());
    this.releaseWrites();
  }
}
