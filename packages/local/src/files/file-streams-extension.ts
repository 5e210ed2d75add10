import {
  type FileStreamsExtension,
  type FileWatchExtension,
  InvalidArgumentError,
  type ReadStreamOptions,
  type WatchOptions,
  type WriteStreamOptions,
} from "@openlattice/core";
import { openReadStream, openWriteStream } from "../agent/agent-file-streams.js";
import { openWatch } from "../agent/agent-watch.js";
import { type FilesBinding, locatePath, toSandboxError } from "./files-extension.js";

function offsetOf(value: unknown, field: string, provider: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(field, "must be a non-negative integer byte offset", { provider });
  }
  return value;
}

function callback(value: unknown, field: string, provider: string): ((bytes: number) => void) | undefined {
  if (value !== undefined && typeof value !== "function") {
    throw new InvalidArgumentError(field, "must be a function", { provider });
  }
  return value as ((bytes: number) => void) | undefined;
}

/**
 * Streamed files through the agent, with the `files` extension's path rules and refusals
 * (regular files only, the sandbox user's permissions): nothing is buffered whole on either
 * side, so any size moves in constant memory.
 */
export function createFileStreamsExtension(binding: FilesBinding): FileStreamsExtension {
  const { provider } = binding;
  const guard = (options: unknown) => {
    if (options !== undefined && (typeof options !== "object" || options === null)) {
      throw new InvalidArgumentError("options", "must be an object", { provider });
    }
  };
  return {
    readStream: async (p, options?: ReadStreamOptions) => {
      binding.ensureLive();
      guard(options);
      const where = locatePath(binding, p);
      const start = offsetOf(options?.start, "start", provider) ?? 0;
      const end = offsetOf(options?.end, "end", provider);
      if (end !== undefined && end < start) {
        throw new InvalidArgumentError("end", `must be at least start (${start})`, { provider });
      }
      options?.signal?.throwIfAborted();
      const mapError = (error: unknown) => toSandboxError(error, where.sandboxPath, binding);
      const onProgress = callback(options?.onProgress, "onProgress", provider);
      // An empty range still checks that the file is there and readable.
      const length = end === undefined ? 0 : end - start;
      const stream = await openReadStream(binding.connection(), where.wire, start, end === start ? 1 : length, {
        onProgress: end === start ? undefined : onProgress,
        mapError,
      });
      if (end === start) {
        await stream.cancel();
        return new ReadableStream<Uint8Array>({ start: (c) => c.close() });
      }
      const signal = options?.signal;
      if (!signal) return stream;
      // An abort errors the consumer's stream and closes the agent's channel.
      const reader = stream.getReader();
      return new ReadableStream<Uint8Array>({
        start: (c) => {
          signal.addEventListener("abort", () => {
            c.error(signal.reason);
            void reader.cancel(signal.reason).catch(() => {});
          });
        },
        pull: async (c) => {
          const { value, done } = await reader.read();
          if (done) c.close();
          else c.enqueue(value);
        },
        cancel: (reason) => reader.cancel(reason),
      });
    },
    writeStream: async (p, options?: WriteStreamOptions) => {
      binding.ensureLive();
      guard(options);
      const where = locatePath(binding, p);
      const mode = options?.mode ?? 0o644;
      if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
        throw new InvalidArgumentError("mode", "must be permission bits from 0 to 0o7777", { provider });
      }
      options?.signal?.throwIfAborted();
      const stream = await openWriteStream(binding.connection(), where.wire, mode, {
        onProgress: callback(options?.onProgress, "onProgress", provider),
        mapError: (error) => toSandboxError(error, where.sandboxPath, binding),
      });
      const signal = options?.signal;
      if (!signal) return stream;
      const writer = stream.getWriter();
      signal.addEventListener("abort", () => void writer.abort(signal.reason).catch(() => {}));
      return new WritableStream<Uint8Array>({
        write: (chunk) => writer.write(chunk),
        close: () => writer.close(),
        abort: (reason) => writer.abort(reason),
      });
    },
  };
}

/** Change notifications through the agent's inotify; paths as the sandbox sees them. */
export function createFileWatchExtension(binding: FilesBinding): FileWatchExtension {
  return {
    watch: async (p, options?: WatchOptions) => {
      binding.ensureLive();
      if (options !== undefined && (typeof options !== "object" || options === null)) {
        throw new InvalidArgumentError("options", "must be an object", { provider: binding.provider });
      }
      const where = locatePath(binding, p);
      return openWatch(binding.connection(), where.sandboxPath, options?.recursive === true, options?.signal, (error) =>
        toSandboxError(error, where.sandboxPath, binding),
      );
    },
  };
}
