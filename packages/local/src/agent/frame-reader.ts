import { type Frame, ProtocolViolation } from "./frame-codec.js";
import { FLAG_FIN, HEADER_BYTES, MAX_AGENT_FRAME, Type } from "./protocol.js";

/** The header of a DATA frame whose payload is still arriving. */
interface OpenData {
  readonly flags: number;
  readonly stream: number;
  readonly id: number;
  remaining: number;
}

/**
 * Splits the agent's byte stream into frames without trusting it: a frame longer than
 * `MAX_AGENT_FRAME` or shorter than a header is a violation, and at most one frame is ever
 * buffered. Nothing is copied on the hot path: payloads are views into the socket's read
 * buffers, and a DATA frame that spans reads is delivered in parts as they arrive (same
 * header, FIN only on the last part), which its consumers treat like separate frames.
 */
export class FrameReader {
  /** A small frame being assembled across reads, and how much of it has arrived. */
  private partial: Buffer | undefined;
  private filled = 0;
  /** A DATA frame being delivered in parts. */
  private data: OpenData | undefined;
  /** Fewer than a header's bytes, kept until the next read. */
  private stash: Buffer | undefined;

  constructor(private readonly onFrame: (frame: Frame) => void) {}

  push(input: Buffer): void {
    let chunk = input;
    let offset = 0;
    if (this.stash) {
      chunk = Buffer.concat([this.stash, input]);
      this.stash = undefined;
    }
    if (this.data) {
      offset = this.continueData(chunk);
      if (this.data) return;
    } else if (this.partial) {
      const take = Math.min(this.partial.byteLength - this.filled, chunk.byteLength);
      chunk.copy(this.partial, this.filled, 0, take);
      this.filled += take;
      offset = take;
      if (this.filled < this.partial.byteLength) return;
      const whole = this.partial;
      this.partial = undefined;
      this.emit(whole, 0, whole.byteLength);
    }
    while (offset < chunk.byteLength) {
      const left = chunk.byteLength - offset;
      if (left < HEADER_BYTES) {
        this.stash = Buffer.from(chunk.subarray(offset));
        return;
      }
      const length = chunk.readUInt32LE(offset);
      if (length < HEADER_BYTES - 4 || length > MAX_AGENT_FRAME) {
        throw new ProtocolViolation(`frame length ${length} is out of bounds`);
      }
      const total = 4 + length;
      if (left >= total) {
        this.emit(chunk, offset, total);
        offset += total;
        continue;
      }
      if (chunk[offset + 4] === Type.data) {
        const flags = chunk[offset + 5] as number;
        this.data = {
          flags,
          stream: chunk.readUInt16LE(offset + 6),
          id: chunk.readUInt32LE(offset + 8),
          remaining: total - left,
        };
        if (left > HEADER_BYTES) this.part(chunk.subarray(offset + HEADER_BYTES), flags & ~FLAG_FIN);
        return;
      }
      this.partial = Buffer.allocUnsafe(total);
      chunk.copy(this.partial, 0, offset);
      this.filled = left;
      return;
    }
  }

  /** Delivers the next part of an open DATA frame; returns how much of `chunk` it used. */
  private continueData(chunk: Buffer): number {
    const data = this.data as OpenData;
    const take = Math.min(data.remaining, chunk.byteLength);
    data.remaining -= take;
    const last = data.remaining === 0;
    if (last) this.data = undefined;
    if (take > 0 || last) this.part(chunk.subarray(0, take), last ? data.flags : data.flags & ~FLAG_FIN, data);
    return take;
  }

  private part(payload: Buffer, flags: number, header: OpenData | undefined = this.data): void {
    if (!header) return;
    this.onFrame({ type: Type.data, flags, stream: header.stream, id: header.id, payload });
  }

  private emit(buffer: Buffer, offset: number, total: number): void {
    this.onFrame({
      type: buffer[offset + 4] as number,
      flags: buffer[offset + 5] as number,
      stream: buffer.readUInt16LE(offset + 6),
      id: buffer.readUInt32LE(offset + 8),
      payload: buffer.subarray(offset + HEADER_BYTES, offset + total),
    });
  }
}
