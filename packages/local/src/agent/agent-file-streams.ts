import type { AgentConnection } from "./agent-connection.js";
import { readFailure } from "./agent-errors.js";
import { AgentFileError } from "./agent-files.js";
import { encodeData, encodeFrame, FieldWriter, type Frame, ProtocolViolation } from "./frame-codec.js";
import { Field, FLAG_FIN, MAX_DATA_PAYLOAD, OUTPUT_WINDOW, Stream, Type } from "./protocol.js";

/** Bytes a read stream queues for its consumer before it stops granting the agent credit. */
const READ_QUEUE_BYTES = 4 * 1024 * 1024;

export interface StreamHooks {
  readonly onProgress?: (bytes: number) => void;
  /** Maps an `AgentFileError` (or a dead connection) to what the caller sees. */
  readonly mapError: (error: unknown) => unknown;
}

function creditOf(frame: Frame): number {
  if (frame.stream !== Stream.in || frame.payload.byteLength !== 4) throw new ProtocolViolation("bad credit");
  return Buffer.from(frame.payload.buffer, frame.payload.byteOffset, 4).readUInt32LE(0);
}

/**
 * A READ of `[offset, offset + length)` (`length` 0: to the end) as a web stream. Credit goes
 * back to the agent only as the consumer takes bytes, so a slow consumer holds the agent, not
 * host memory: at most the agent's window plus `READ_QUEUE_BYTES` are ever buffered here.
 * Resolves once the first bytes (or the end) arrived, so a missing file rejects the call.
 */
export function openReadStream(
  connection: AgentConnection,
  path: string,
  offset: number,
  length: number,
  hooks: StreamHooks,
): Promise<ReadableStream<Uint8Array>> {
  return new Promise((resolve, reject) => {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let started = false;
    let done = false;
    let outstanding = 0;
    let owed = 0;
    let total = 0;
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          controller = c;
        },
        pull: () => {
          if (owed === 0) return;
          connection.credit(id, Stream.out, owed);
          outstanding -= owed;
          owed = 0;
        },
        cancel: () => {
          if (done) return;
          done = true;
          connection.send(encodeFrame(Type.close, id));
          connection.release(id);
        },
      },
      { highWaterMark: READ_QUEUE_BYTES, size: (chunk) => chunk.byteLength },
    );
    const fail = (error: unknown) => {
      if (done) return;
      done = true;
      connection.release(id);
      const mapped = hooks.mapError(error);
      if (started) controller.error(mapped);
      else reject(mapped);
    };
    const begin = () => {
      if (started) return;
      started = true;
      resolve(stream);
    };
    const id = connection.open({
      onFrame: (frame) => {
        if (frame.type === Type.error) return fail(new AgentFileError(readFailure(frame)));
        if (frame.type !== Type.data || frame.stream !== Stream.out || done) {
          throw new ProtocolViolation("unexpected frame for a read stream");
        }
        const n = frame.payload.byteLength;
        outstanding += n;
        if (outstanding > OUTPUT_WINDOW) throw new ProtocolViolation("the agent sent more than its credit");
        total += n;
        if (length > 0 && total > length) throw new ProtocolViolation("a ranged read returned too much");
        if (n > 0) {
          controller.enqueue(frame.payload.slice());
          hooks.onProgress?.(total);
          // Room left in the queue: the credit goes back now; else when the consumer pulls.
          if ((controller.desiredSize ?? 0) > 0) {
            connection.credit(id, Stream.out, n);
            outstanding -= n;
          } else {
            owed += n;
          }
        }
        begin();
        if (frame.flags & FLAG_FIN) {
          done = true;
          connection.release(id);
          controller.close();
        }
      },
      onClose: fail,
    });
    const fields = new FieldWriter().str(Field.path, path);
    if (offset > 0) fields.u64(Field.offset, offset);
    if (length > 0) fields.u64(Field.length, length);
    connection.send(encodeFrame(Type.read, id, fields.finish()));
  });
}

/**
 * An atomic WRITE as a web stream: the agent writes a temporary file beside `path` and renames
 * it over `path` when the stream closes; an abort (CLOSE) removes it. Each `write` resolves
 * once its bytes went out under the agent's credit, which it grants as it writes to disk: the
 * host holds at most one chunk. Resolves once the agent opened the file (credit arrived).
 */
export function openWriteStream(
  connection: AgentConnection,
  path: string,
  mode: number,
  hooks: StreamHooks,
): Promise<WritableStream<Uint8Array>> {
  return new Promise((resolve, reject) => {
    let credit = 0;
    let opened = false;
    let failure: unknown;
    let ended = false;
    let total = 0;
    let wake: (() => void) | undefined;
    let closing: { resolve: () => void; reject: (e: unknown) => void } | undefined;
    const settle = (error: unknown) => {
      if (ended) return;
      ended = true;
      connection.release(id);
      failure = hooks.mapError(error);
      if (!opened) reject(failure);
      closing?.reject(failure);
      wake?.();
    };
    const id = connection.open({
      onFrame: (frame) => {
        if (frame.type === Type.error) return settle(new AgentFileError(readFailure(frame)));
        if (frame.type === Type.ok && closing) {
          ended = true;
          connection.release(id);
          return closing.resolve();
        }
        if (frame.type !== Type.credit) throw new ProtocolViolation("unexpected frame for a write stream");
        credit += creditOf(frame);
        if (!opened) {
          opened = true;
          resolve(stream);
        }
        wake?.();
      },
      onClose: settle,
    });
    const waitCredit = () => new Promise<void>((r) => (wake = r)).finally(() => (wake = undefined));
    const stream = new WritableStream<Uint8Array>({
      write: async (chunk) => {
        if (!(chunk instanceof Uint8Array)) throw new TypeError("writeStream takes Uint8Array chunks");
        let rest = chunk;
        while (rest.byteLength > 0) {
          if (failure !== undefined) throw failure;
          if (credit === 0) {
            await waitCredit();
            continue;
          }
          const part = rest.subarray(0, Math.min(credit, MAX_DATA_PAYLOAD * 4));
          rest = rest.subarray(part.byteLength);
          credit -= part.byteLength;
          connection.send(...encodeData(id, Stream.in, part, false));
          total += part.byteLength;
          hooks.onProgress?.(total);
        }
      },
      close: () => {
        if (failure !== undefined) return Promise.reject(failure);
        return new Promise<void>((res, rej) => {
          closing = { resolve: res, reject: rej };
          connection.send(...encodeData(id, Stream.in, new Uint8Array(), true));
        });
      },
      abort: () => {
        if (ended) return;
        ended = true;
        connection.send(encodeFrame(Type.close, id));
        connection.release(id);
      },
    });
    const fields = new FieldWriter().str(Field.path, path).u32(Field.mode, mode).u32(Field.atomic, 1);
    connection.send(encodeFrame(Type.write, id, fields.finish()));
  });
}
