import type { Duplex } from "node:stream";
import { InternalError } from "@openlattice/core";
import { encodeFrame, Fields, type Frame, ProtocolViolation } from "./frame-codec.js";
import { FrameReader } from "./frame-reader.js";
import { AGENT_TYPES, Field, OUTPUT_WINDOW, PROTOCOL_VERSION, Type } from "./protocol.js";

/** What the agent said about itself in HELLO. */
export interface AgentHello {
  readonly version: number;
  readonly agent: string;
  readonly features: number;
  readonly pid: number;
}

/** The receiving side of one request or stream. */
export interface Channel {
  /** A frame for this channel's id. May throw `ProtocolViolation`. */
  onFrame(frame: Frame): void;
  /** The connection ended; the channel is gone. */
  onClose(error: unknown): void;
}

/** How many diagnostics lines of the agent are kept for error messages. */
const KEPT_LOGS = 5;

/**
 * The host end of one agent's socket: frames in and out, channels by id. Every frame is
 * treated as hostile (the agent runs as the sandbox user, next to the code it runs): anything
 * malformed ends the connection with an `InternalError`, never with unbounded memory or an
 * uncaught exception.
 */
export class AgentConnection {
  readonly hello: Promise<AgentHello>;
  private resolveHello!: (hello: AgentHello) => void;
  private rejectHello!: (error: unknown) => void;
  private greeted = false;
  private readonly channels = new Map<number, Channel>();
  private nextId = 1;
  private failure: unknown;
  private readonly closeListeners: ((error: unknown) => void)[] = [];
  private readonly logs: string[] = [];

  constructor(
    private readonly socket: Duplex,
    private readonly provider: string,
  ) {
    this.hello = new Promise((resolve, reject) => {
      this.resolveHello = resolve;
      this.rejectHello = reject;
    });
    this.hello.catch(() => {});
    const reader = new FrameReader((frame) => this.dispatch(frame));
    socket.on("data", (chunk: Buffer) => {
      if (this.failure !== undefined) return;
      try {
        reader.push(chunk);
      } catch (error) {
        this.fail(this.violation(error));
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => this.fail(undefined));
    // An idle sandbox must not keep the orchestrator alive; work in flight does (see `open`).
    this.unrefSocket();
  }

  private refSocket(): void {
    (this.socket as Duplex & { ref?: () => void }).ref?.();
  }

  private unrefSocket(): void {
    (this.socket as Duplex & { unref?: () => void }).unref?.();
  }

  /** Diagnostics the agent sent last (newest last). */
  get recentLogs(): readonly string[] {
    return this.logs;
  }

  /** The error the connection ended with; `undefined` while it is open. */
  get closedWith(): unknown {
    return this.failure;
  }

  get isOpen(): boolean {
    return this.failure === undefined;
  }

  /** Registers a channel under a fresh id. */
  open(channel: Channel): number {
    if (this.failure !== undefined) throw this.failure;
    let id = this.nextId;
    while (this.channels.has(id)) id = id >= 0xffff_ffff ? 1 : id + 1;
    this.nextId = id >= 0xffff_ffff ? 1 : id + 1;
    this.channels.set(id, channel);
    if (this.channels.size === 1) this.refSocket();
    return id;
  }

  release(id: number): void {
    if (this.channels.delete(id) && this.channels.size === 0) this.unrefSocket();
  }

  /** Sends frames as one write. Frames to a closed connection are dropped (the channel learns why). */
  send(...frames: Buffer[]): void {
    if (this.failure !== undefined) return;
    this.socket.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames));
  }

  /** Grants the agent `bytes` more on an output stream. */
  credit(id: number, stream: number, bytes: number): void {
    const amount = Buffer.allocUnsafe(4);
    amount.writeUInt32LE(bytes, 0);
    this.send(encodeFrame(Type.credit, id, amount, stream));
  }

  onClose(listener: (error: unknown) => void): void {
    if (this.failure !== undefined) listener(this.failure);
    else this.closeListeners.push(listener);
  }

  /** Ends the connection: every open channel and the HELLO wait fail with `error`. */
  fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure =
      error ??
      new InternalError(`the sandbox agent went away${this.logs.length ? ` (${this.logs.join("; ")})` : ""}`, {
        provider: this.provider,
      });
    this.socket.destroy();
    this.rejectHello(this.failure);
    const channels = [...this.channels.values()];
    this.channels.clear();
    for (const channel of channels) channel.onClose(this.failure);
    for (const listener of this.closeListeners.splice(0)) listener(this.failure);
  }

  private violation(error: unknown): unknown {
    if (!(error instanceof ProtocolViolation)) return error;
    return new InternalError(`the sandbox agent broke the protocol: ${error.message}`, {
      provider: this.provider,
      cause: error,
    });
  }

  private dispatch(frame: Frame): void {
    if (!AGENT_TYPES.has(frame.type)) throw new ProtocolViolation(`unknown frame type ${frame.type}`);
    if (!this.greeted) {
      if (frame.type !== Type.hello || frame.id !== 0) throw new ProtocolViolation("the first frame is not HELLO");
      this.greeted = true;
      this.acceptHello(frame);
      return;
    }
    if (frame.type === Type.hello) throw new ProtocolViolation("HELLO repeated");
    if (frame.type === Type.log) {
      const text = new Fields(frame.payload).only([Field.message]).str(Field.message, 1024) ?? "";
      // Agent text is untrusted: printable characters only, bounded.
      this.logs.push(text.replace(/[^\x20-\x7e]/g, "?").slice(0, 200));
      if (this.logs.length > KEPT_LOGS) this.logs.shift();
      return;
    }
    // A frame for a channel that already ended (a late DATA or EXIT) is harmless: drop it.
    this.channels.get(frame.id)?.onFrame(frame);
  }

  private acceptHello(frame: Frame): void {
    const fields = new Fields(frame.payload).only([Field.version, Field.agent, Field.features, Field.pid]);
    const version = fields.u32(Field.version);
    if (version !== PROTOCOL_VERSION) {
      throw new ProtocolViolation(`agent speaks protocol ${version}, this package ${PROTOCOL_VERSION}`);
    }
    this.resolveHello({
      version,
      agent: fields.str(Field.agent, 200) ?? "",
      features: fields.u32(Field.features) ?? 0,
      pid: fields.u32(Field.pid) ?? 0,
    });
  }
}

/**
 * Book-keeping for one output stream the agent sends on: it may have at most `OUTPUT_WINDOW`
 * unacknowledged bytes in flight, and gets credit back in quarter-window steps as they are used.
 */
export class InboundWindow {
  private outstanding = 0;
  private unacked = 0;

  constructor(
    private readonly connection: AgentConnection,
    private readonly id: number,
    private readonly stream: number,
  ) {}

  /** Counts `bytes` that arrived; more than the window allows is a violation. */
  receive(bytes: number): void {
    this.outstanding += bytes;
    if (this.outstanding > OUTPUT_WINDOW) throw new ProtocolViolation("the agent sent more than its credit");
  }

  /** Marks `bytes` as consumed (after the callbacks ran), returning credit when enough piled up. */
  consumed(bytes: number): void {
    this.unacked += bytes;
    if (this.unacked >= OUTPUT_WINDOW / 4) {
      this.connection.credit(this.id, this.stream, this.unacked);
      this.outstanding -= this.unacked;
      this.unacked = 0;
    }
  }
}
