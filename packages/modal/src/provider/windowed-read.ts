import { InternalError, NotFoundError } from "@openlattice/core";
import type { ContainerProcess, Sandbox } from "modal";
import { mapModalError } from "./map-modal-error.js";

/** `dd`'s block: windows start and end on multiples of it (dd seeks to `skip` blocks). */
export const READ_BLOCK_BYTES = 64 * 1024;
/** One window, one exec: at most this much of a file is in flight per window (8 MiB). */
export const READ_WINDOW_BLOCKS = 128;

/** What one window read: the exec, the bytes it skips at its head, and what it may yield. */
interface Window {
  readonly process: ContainerProcess<Uint8Array>;
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  /** File offset of the window's first byte. */
  readonly rawStart: number;
  /** Bytes the window asked for; fewer arriving means the file ended in it. */
  readonly rawLength: number;
  received: number;
}

export interface WindowedReadOptions {
  /** The file's size when it was opened: a short window before it is a cut-off read, not the end. */
  readonly size: number;
  readonly start: number;
  readonly end: number | undefined;
  readonly onProgress: ((bytes: number) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly externalId: string;
}

/**
 * A file of a Modal sandbox as a web stream, read as consecutive windows: each window is one
 * `dd` exec (argv only, no shell) reading `READ_WINDOW_BLOCKS` blocks, and the next window's
 * exec is started while the current one is consumed. The SDK streams an exec's stdout lazily
 * (only as it is read), so the host holds about one chunk and the server at most two windows,
 * whatever the file's size; a consumer that stops reading stops the transfer.
 */
export function windowedReadStream(
  sandbox: Sandbox,
  path: string,
  options: WindowedReadOptions,
): ReadableStream<Uint8Array> {
  let position = options.start;
  let current: Window | undefined;
  let next: Promise<Window> | undefined;
  let nextRawStart = Math.floor(options.start / READ_BLOCK_BYTES) * READ_BLOCK_BYTES;
  let exhausted = false;
  let stalls = 0;

  const open = (): Promise<Window> | undefined => {
    const end = options.end;
    if (exhausted || (end !== undefined && nextRawStart >= end)) return undefined;
    const rawStart = nextRawStart;
    const blocks =
      end === undefined
        ? READ_WINDOW_BLOCKS
        : Math.min(READ_WINDOW_BLOCKS, Math.ceil((end - rawStart) / READ_BLOCK_BYTES));
    nextRawStart = rawStart + blocks * READ_BLOCK_BYTES;
    const argv = [
      "dd",
      `if=${path}`,
      `bs=${READ_BLOCK_BYTES}`,
      `skip=${rawStart / READ_BLOCK_BYTES}`,
      `count=${blocks}`,
    ];
    const window = sandbox.exec(argv, { mode: "binary" }).then((process) => ({
      process,
      reader: process.stdout.getReader(),
      rawStart,
      rawLength: blocks * READ_BLOCK_BYTES,
      received: 0,
    }));
    window.catch(() => undefined);
    return window;
  };

  const finishWindow = async (window: Window): Promise<void> => {
    const code = await window.process.wait();
    if (code !== 0) {
      const stderr = new TextDecoder().decode(await window.process.stderr.readBytes()).trim();
      const message = `fileStreams.readStream ${options.externalId}: reading ${path} failed (dd exit ${code}): ${stderr.slice(-300)}`;
      throw /No such file/i.test(stderr)
        ? new NotFoundError(message, { provider: "modal" })
        : new InternalError(message, { provider: "modal" });
    }
    if (window.received >= window.rawLength) return;
    const reached = window.rawStart + window.received;
    // An empty window before the size seen at open: the file shrank, or its output was lost;
    // a few tries tell them apart.
    stalls = window.received === 0 ? stalls + 1 : 0;
    if (reached >= options.size || stalls > 2) {
      exhausted = true;
      return;
    }
    // The output of the window's exec ended before the bytes dd wrote did (a backend that cut
    // its output short): read the rest again from where it stopped, rather than end early.
    void next?.then((pending) => pending.reader.cancel()).catch(() => undefined);
    next = undefined;
    nextRawStart = Math.floor(position / READ_BLOCK_BYTES) * READ_BLOCK_BYTES;
  };

  const stopAll = () => {
    void current?.reader.cancel().catch(() => undefined);
    void next?.then((window) => window.reader.cancel()).catch(() => undefined);
    current = undefined;
    next = undefined;
  };

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        options.signal?.addEventListener(
          "abort",
          () => {
            stopAll();
            controller.error(options.signal?.reason);
          },
          { once: true },
        );
      },
      async pull(controller) {
        try {
          for (;;) {
            options.signal?.throwIfAborted();
            if (!current) {
              const opening = next ?? open();
              next = undefined;
              if (!opening) {
                controller.close();
                return;
              }
              current = await opening;
              // Started now, so that it runs while this one is consumed.
              next = open();
            }
            const { value, done } = await current.reader.read();
            if (done) {
              await finishWindow(current);
              current = undefined;
              if (exhausted) {
                void next?.then((window) => window.reader.cancel()).catch(() => undefined);
                next = undefined;
              }
              continue;
            }
            const chunk = trim(value, current, position, options.end);
            current.received += value.byteLength;
            if (chunk.byteLength === 0) continue;
            position += chunk.byteLength;
            controller.enqueue(chunk);
            options.onProgress?.(position - options.start);
            return;
          }
        } catch (error) {
          stopAll();
          throw options.signal?.aborted
            ? options.signal.reason
            : mapModalError(error, { operation: "fileStreams.readStream", externalId: options.externalId });
        }
      },
      cancel() {
        stopAll();
      },
    },
    { highWaterMark: 0 },
  );
}

/** The part of a window's chunk inside `[position, end)` (windows start on a block boundary). */
function trim(chunk: Uint8Array, window: Window, position: number, end: number | undefined): Uint8Array {
  const chunkStart = window.rawStart + window.received;
  const from = Math.max(0, position - chunkStart);
  const to = end === undefined ? chunk.byteLength : Math.max(from, Math.min(chunk.byteLength, end - chunkStart));
  return from === 0 && to === chunk.byteLength ? chunk : chunk.subarray(from, to);
}
