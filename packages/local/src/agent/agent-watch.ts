import type { FileEvent, FileEventType } from "@openlattice/core";
import type { AgentConnection } from "./agent-connection.js";
import { readFailure } from "./agent-errors.js";
import { AgentFileError } from "./agent-files.js";
import { encodeFrame, Fields, FieldWriter, ProtocolViolation } from "./frame-codec.js";
import { EventKind, Field, Type } from "./protocol.js";

/** Events a watch queues for a consumer that does not keep up; later ones are dropped. */
export const MAX_QUEUED_EVENTS = 65_536;

const TYPES: Record<number, FileEventType> = {
  [EventKind.create]: "create",
  [EventKind.modify]: "modify",
  [EventKind.delete]: "delete",
};

/**
 * A WATCH channel as an async iterable: resolves once the agent's inotify watch is in place.
 * The iteration ends when `signal` aborts, the consumer returns, or the connection closes.
 */
export function openWatch(
  connection: AgentConnection,
  path: string,
  recursive: boolean,
  signal: AbortSignal | undefined,
  mapError: (error: unknown) => unknown,
): Promise<AsyncIterable<FileEvent>> {
  return new Promise((resolve, reject) => {
    const queue: FileEvent[] = [];
    let ready = false;
    let ended = false;
    let failure: unknown;
    let wake: (() => void) | undefined;
    const stop = (error?: unknown) => {
      if (ended) return;
      ended = true;
      if (error !== undefined) failure = mapError(error);
      connection.send(encodeFrame(Type.close, id));
      connection.release(id);
      signal?.removeEventListener("abort", onAbort);
      if (!ready) reject(failure ?? signal?.reason);
      wake?.();
    };
    const onAbort = () => stop();
    const id = connection.open(
      {
        onFrame: (frame) => {
          if (frame.type === Type.error) return stop(new AgentFileError(readFailure(frame)));
          if (frame.type === Type.ok && !ready) {
            ready = true;
            return resolve(iterable);
          }
          if (frame.type !== Type.event || !ready) throw new ProtocolViolation("unexpected frame for a watch");
          const fields = new Fields(frame.payload).only([Field.type, Field.path]);
          const type = TYPES[fields.u32(Field.type) ?? 0];
          const where = fields.str(Field.path, 4096);
          if (!type || !where) throw new ProtocolViolation("bad watch event");
          if (queue.length < MAX_QUEUED_EVENTS) queue.push({ type, path: where });
          wake?.();
        },
        onClose: (error) => {
          ended = true;
          if (!ready) reject(mapError(error));
          wake?.();
        },
      },
      false,
    );
    const iterable: AsyncIterable<FileEvent> = {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<FileEvent>> => {
          for (;;) {
            const event = queue.shift();
            if (event) return { value: event, done: false };
            if (ended) {
              if (failure !== undefined) throw failure;
              return { value: undefined, done: true };
            }
            // A pending next() keeps the orchestrator alive, like any await on a sandbox.
            connection.hold();
            await new Promise<void>((r) => (wake = r)).finally(() => connection.unhold());
            wake = undefined;
          }
        },
        return: async (): Promise<IteratorResult<FileEvent>> => {
          stop();
          return { value: undefined, done: true };
        },
      }),
    };
    if (signal?.aborted) return reject(signal.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    connection.send(
      encodeFrame(
        Type.watch,
        id,
        new FieldWriter()
          .str(Field.path, path)
          .u32(Field.recursive, recursive ? 1 : 0)
          .finish(),
      ),
    );
  });
}
