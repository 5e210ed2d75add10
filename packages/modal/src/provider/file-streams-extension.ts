import {
  type FileStreamsExtension,
  InvalidArgumentError,
  type ReadStreamOptions,
  type WriteStreamOptions,
} from "@openlattice/core";
import type { Sandbox } from "modal";
import { mapModalError } from "./map-modal-error.js";
import { openFileWriter } from "./sandbox-file-writer.js";
import { resolveSandboxPath } from "./sandbox-paths.js";
import { windowedReadStream } from "./windowed-read.js";

/** How the extension reaches one sandbox. */
export interface FileStreamsTarget {
  readonly externalId: string;
  sandbox(): Promise<Sandbox>;
  workdir(): Promise<string>;
}

const fail = (field: string, message: string) => new InvalidArgumentError(field, message, { provider: "modal" });

/**
 * The `fileStreams` extension on Modal: reads as windows of `dd` execs, writes through a `cat`
 * exec's stdin into a temporary file renamed into place on close (see windowed-read.ts and
 * sandbox-file-writer.ts). Neither side ever holds the whole file, so there is no size limit
 * but the sandbox's disk. The SDK's `filesystem.readBytes`/`writeBytes` are not used: they
 * take and return whole buffers.
 */
export function createFileStreamsExtension(target: FileStreamsTarget): FileStreamsExtension {
  return {
    readStream: async (path, options) => {
      const given = checkOptions<ReadStreamOptions>(options, ["start", "end", "onProgress", "signal"]);
      const start = offset(given.start, "start") ?? 0;
      const end = offset(given.end, "end");
      if (end !== undefined && end < start) throw fail("end", `must not be before start (${start})`);
      const absolute = await resolveSandboxPath(path, target.workdir);
      given.signal?.throwIfAborted();
      const sandbox = await target.sandbox();
      // One stat first, so that a missing path or a directory fails here with its own error.
      const info = await sandbox.filesystem.stat(absolute).catch((error: unknown) => {
        throw mapModalError(error, { operation: "fileStreams.readStream", externalId: target.externalId });
      });
      if (info.type === "directory") throw fail("path", `${absolute} is a directory`);
      return windowedReadStream(sandbox, absolute, {
        size: info.size,
        start,
        end,
        onProgress: given.onProgress,
        signal: given.signal,
        externalId: target.externalId,
      });
    },

    writeStream: async (path, options) => {
      const given = checkOptions<WriteStreamOptions>(options, ["mode", "onProgress", "signal"]);
      const mode = given.mode ?? 0o644;
      if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777)
        throw fail("mode", "must be permission bits from 0 to 0o7777");
      const absolute = await resolveSandboxPath(path, target.workdir);
      if (absolute.endsWith("/")) throw fail("path", "must name a file, not a directory");
      given.signal?.throwIfAborted();
      return openFileWriter(await target.sandbox(), absolute, {
        mode,
        onProgress: given.onProgress,
        signal: given.signal,
        externalId: target.externalId,
      });
    },
  };
}

/** Checks an options object: known keys only, callbacks are functions, the signal is a signal. */
function checkOptions<T extends object>(options: unknown, keys: readonly string[]): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== "object" || Array.isArray(options)) throw fail("options", "must be an object");
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!keys.includes(key)) throw fail(key, `unknown option; use ${keys.join(", ")}`);
    if (key === "onProgress" && typeof value !== "function") throw fail(key, "must be a function");
    if (key === "signal" && !(value instanceof AbortSignal)) throw fail(key, "must be an AbortSignal");
  }
  return options as T;
}

function offset(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) < 0)
    throw fail(field, "must be a whole number of bytes, at least 0");
  return value as number;
}
