import { randomUUID } from "node:crypto";
import { type FileHandle, mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import {
  type FileStreamsExtension,
  InvalidArgumentError,
  NotFoundError,
  type ReadStreamOptions,
  SandboxError,
  type WriteStreamOptions,
} from "@openlattice/core";

/** Bytes per read: what a stream holds at a time, whatever the file's size. */
const CHUNK_BYTES = 256 * 1024;

/**
 * The reference `fileStreams` extension: files moved a chunk at a time through a file handle,
 * never whole. Paths resolve like the reference `files` extension's (host paths, relative ones
 * against the working directory). A written file is built under a temporary name next to it and
 * renamed into place on close, so readers see the old file or the new one, never half of it.
 */
export function createReferenceFileStreams(
  workdir: () => string,
  provider: string,
  /** Marks a call as sandbox activity (for `duration.idleSeconds`); returns its end. */
  activity: () => () => void,
): FileStreamsExtension {
  const toError = (error: unknown, path: string): SandboxError => {
    if (error instanceof SandboxError) return error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR")
      return new NotFoundError(`${path}: no such file or directory`, { provider, cause: error });
    return new InvalidArgumentError("path", `${path}: ${(error as Error).message}`, { provider, cause: error });
  };
  const byteOffset = (value: unknown, field: string): number | undefined => {
    if (value === undefined) return undefined;
    if (!Number.isSafeInteger(value) || (value as number) < 0)
      throw new InvalidArgumentError(field, "must be a non-negative integer byte offset", { provider });
    return value as number;
  };
  const during = async <T>(path: string, operation: () => Promise<T>): Promise<T> => {
    const done = activity();
    try {
      return await operation();
    } catch (error) {
      throw toError(error, path);
    } finally {
      done();
    }
  };

  return {
    readStream: async (path: string, options: ReadStreamOptions = {}) => {
      const start = byteOffset(options.start, "start") ?? 0;
      const end = byteOffset(options.end, "end") ?? Number.POSITIVE_INFINITY;
      if (end < start) throw new InvalidArgumentError("end", "must not be before start", { provider });
      const handle = await during(path, async () => {
        const opened = await open(resolve(workdir(), path), "r");
        if ((await opened.stat()).isDirectory()) {
          await opened.close();
          throw new InvalidArgumentError("path", `${path} is a directory`, { provider });
        }
        return opened;
      });
      let position = start;
      let total = 0;
      return new ReadableStream<Uint8Array>(
        {
          start: (controller) => {
            options.signal?.addEventListener("abort", () => {
              controller.error(options.signal?.reason);
              void handle.close().catch(() => undefined);
            });
          },
          pull: (controller) =>
            during(path, async () => {
              const want = Math.min(CHUNK_BYTES, end - position);
              const buffer = new Uint8Array(Math.max(want, 0));
              const { bytesRead } = want > 0 ? await handle.read(buffer, 0, want, position) : { bytesRead: 0 };
              if (bytesRead === 0) {
                await handle.close();
                controller.close();
                return;
              }
              position += bytesRead;
              total += bytesRead;
              controller.enqueue(buffer.subarray(0, bytesRead));
              options.onProgress?.(total);
            }),
          cancel: () => handle.close(),
        },
        // One chunk read ahead at most: the stream holds 256 KiB, not the file.
        { highWaterMark: 1 },
      );
    },

    writeStream: async (path: string, options: WriteStreamOptions = {}) => {
      const mode = options.mode ?? 0o644;
      if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777)
        throw new InvalidArgumentError("mode", "must be permission bits from 0 to 0o7777", { provider });
      const target = resolve(workdir(), path);
      const temporary = join(dirname(target), `.${basename(target)}.olc-${randomUUID()}.part`);
      const handle: FileHandle = await during(path, async () => {
        await mkdir(dirname(target), { recursive: true });
        const opened = await open(temporary, "wx");
        // chmod, not open's mode: the umask must not change what was asked for.
        await opened.chmod(mode);
        return opened;
      });
      let total = 0;
      let finished = false;
      const discard = async () => {
        if (finished) return;
        finished = true;
        await handle.close().catch(() => undefined);
        await rm(temporary, { force: true });
      };
      return new WritableStream<Uint8Array>({
        start: (controller) => {
          options.signal?.addEventListener("abort", () => {
            controller.error(options.signal?.reason);
            void discard();
          });
        },
        write: (chunk) =>
          during(path, async () => {
            if (!(chunk instanceof Uint8Array))
              throw new InvalidArgumentError("chunk", "writeStream takes Uint8Array chunks", { provider });
            for (let offset = 0; offset < chunk.byteLength; ) {
              offset += (await handle.write(chunk, offset, chunk.byteLength - offset)).bytesWritten;
            }
            total += chunk.byteLength;
            options.onProgress?.(total);
          }).catch(async (error: unknown) => {
            await discard();
            throw error;
          }),
        close: () =>
          during(path, async () => {
            finished = true;
            await handle.close();
            await rename(temporary, target);
          }),
        abort: () => discard(),
      });
    },
  };
}
