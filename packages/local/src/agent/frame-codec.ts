import { FLAG_FIN, HEADER_BYTES, MAX_DATA_PAYLOAD } from "./protocol.js";

/** One decoded frame. `payload` may be a view into a socket read buffer. */
export interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly stream: number;
  readonly id: number;
  readonly payload: Uint8Array;
}

/** Raised for anything the agent sent that breaks the protocol; the connection is then dropped. */
export class ProtocolViolation extends Error {}

/** Builds the tag-length-value payload of a request. */
export class FieldWriter {
  private readonly parts: Buffer[] = [];
  private length = 0;

  private push(tag: number, value: Buffer): this {
    const head = Buffer.allocUnsafe(6);
    head.writeUInt16LE(tag, 0);
    head.writeUInt32LE(value.byteLength, 2);
    this.parts.push(head, value);
    this.length += 6 + value.byteLength;
    return this;
  }

  str(tag: number, text: string): this {
    return this.push(tag, Buffer.from(text, "utf8"));
  }

  u32(tag: number, value: number): this {
    const v = Buffer.allocUnsafe(4);
    v.writeUInt32LE(value >>> 0, 0);
    return this.push(tag, v);
  }

  u64(tag: number, value: number): this {
    const v = Buffer.allocUnsafe(8);
    v.writeBigUInt64LE(BigInt(Math.max(0, Math.floor(value))), 0);
    return this.push(tag, v);
  }

  get byteLength(): number {
    return this.length;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }
}

/** Encodes one frame. */
export function encodeFrame(type: number, id: number, payload?: Uint8Array, stream = 0, flags = 0): Buffer {
  const size = payload?.byteLength ?? 0;
  const frame = Buffer.allocUnsafe(HEADER_BYTES + size);
  frame.writeUInt32LE(HEADER_BYTES - 4 + size, 0);
  frame.writeUInt8(type, 4);
  frame.writeUInt8(flags, 5);
  frame.writeUInt16LE(stream, 6);
  frame.writeUInt32LE(id >>> 0, 8);
  if (payload && size > 0) frame.set(payload, HEADER_BYTES);
  return frame;
}

/** DATA frames for `bytes`, split at the payload limit; the last carries FIN when `fin`. */
export function encodeData(id: number, stream: number, bytes: Uint8Array, fin: boolean): Buffer[] {
  const frames: Buffer[] = [];
  for (let offset = 0; offset < bytes.byteLength || (frames.length === 0 && fin); offset += MAX_DATA_PAYLOAD) {
    const part = bytes.subarray(offset, offset + MAX_DATA_PAYLOAD);
    const last = offset + MAX_DATA_PAYLOAD >= bytes.byteLength;
    frames.push(encodeFrame(0x20, id, part, stream, last && fin ? FLAG_FIN : 0));
    if (part.byteLength === 0) break;
  }
  return frames;
}

const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * The fields of a payload the agent sent, checked against what the receiver expects: every tag
 * must be listed with its exact type, integers must have their exact size, strings their limit.
 */
export class Fields {
  private readonly values = new Map<number, Uint8Array[]>();

  constructor(payload: Uint8Array) {
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    let offset = 0;
    while (offset < payload.byteLength) {
      if (payload.byteLength - offset < 6) throw new ProtocolViolation("truncated field header");
      const tag = view.getUint16(offset, true);
      const length = view.getUint32(offset + 2, true);
      offset += 6;
      if (length > payload.byteLength - offset) throw new ProtocolViolation(`field ${tag} overruns its frame`);
      const list = this.values.get(tag) ?? [];
      list.push(payload.subarray(offset, offset + length));
      this.values.set(tag, list);
      offset += length;
    }
  }

  /** Refuses tags outside `allowed` (an agent of this package never sends them). */
  only(allowed: readonly number[]): this {
    for (const tag of this.values.keys()) {
      if (!allowed.includes(tag) && (tag & 0x8000) === 0) throw new ProtocolViolation(`unexpected field ${tag}`);
    }
    return this;
  }

  private one(tag: number): Uint8Array | undefined {
    const list = this.values.get(tag);
    if (!list) return undefined;
    if (list.length !== 1) throw new ProtocolViolation(`field ${tag} repeated`);
    return list[0];
  }

  u32(tag: number): number | undefined {
    const value = this.one(tag);
    if (value === undefined) return undefined;
    if (value.byteLength !== 4) throw new ProtocolViolation(`field ${tag} is not a u32`);
    return new DataView(value.buffer, value.byteOffset, 4).getUint32(0, true);
  }

  /** A u64 that must fit a JavaScript number exactly. */
  u64(tag: number): number | undefined {
    const value = this.one(tag);
    if (value === undefined) return undefined;
    if (value.byteLength !== 8) throw new ProtocolViolation(`field ${tag} is not a u64`);
    const big = new DataView(value.buffer, value.byteOffset, 8).getBigUint64(0, true);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolViolation(`field ${tag} is out of range`);
    return Number(big);
  }

  /** A u64 of any size (nanosecond timestamps). */
  bigint(tag: number): bigint | undefined {
    const value = this.one(tag);
    if (value === undefined) return undefined;
    if (value.byteLength !== 8) throw new ProtocolViolation(`field ${tag} is not a u64`);
    return new DataView(value.buffer, value.byteOffset, 8).getBigUint64(0, true);
  }

  str(tag: number, maxBytes: number): string | undefined {
    const value = this.one(tag);
    if (value === undefined) return undefined;
    if (value.byteLength > maxBytes) throw new ProtocolViolation(`field ${tag} is longer than ${maxBytes} bytes`);
    return decoder.decode(value);
  }

  /** Every occurrence of a repeated field, in order. */
  all(tag: number): readonly Uint8Array[] {
    return this.values.get(tag) ?? [];
  }
}
