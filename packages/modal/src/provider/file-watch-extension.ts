import { randomUUID } from "node:crypto";
import {
  type FileEvent,
  type FileWatchExtension,
  InternalError,
  InvalidArgumentError,
  type WatchOptions,
} from "@openlattice/core";
import type { Sandbox } from "modal";
import { FileEventStream } from "./file-event-stream.js";
import { watchCommandArgv } from "./fs-tools-watch-command.js";
import { mapModalError } from "./map-modal-error.js";
import { resolveSandboxPath } from "./sandbox-paths.js";

/** How the extension reaches one sandbox. */
export interface FileWatchTarget {
  readonly externalId: string;
  sandbox(): Promise<Sandbox>;
  workdir(): Promise<string>;
}

/** Name prefix of the files that confirm a directory watch is in place (never reported). */
export const PROBE_PREFIX = ".openlattice-watch-probe-";
/** How long one probe file may take to be reported before another is tried. */
const PROBE_WAIT_MS = 1000;
const PROBE_ATTEMPTS = 10;

const fail = (field: string, message: string) => new InvalidArgumentError(field, message, { provider: "modal" });

/**
 * The `fileWatch` extension over Modal's fs-tools `Watch` (what the SDK's
 * `filesystem.watch` runs), started as an exec by the provider so that the watch can be ended
 * at once (see FileEventStream). The promise resolves once the watch is in place: for a
 * directory, once a probe file created in it has been reported (then removed; its events are
 * never yielded); for a file, once the watch exec has started, which is all Modal confirms.
 */
export function createFileWatchExtension(target: FileWatchTarget): FileWatchExtension {
  return {
    watch: async (path, options) => {
      const given = checkOptions(options);
      const absolute = await resolveSandboxPath(path, target.workdir);
      given.signal?.throwIfAborted();
      const sandbox = await target.sandbox();
      const call = async <T>(work: () => Promise<T>): Promise<T> => {
        try {
          return await work();
        } catch (error) {
          throw mapModalError(error, { operation: "fileWatch.watch", externalId: target.externalId });
        }
      };
      // A missing path fails here, with its own error, rather than at the first next().
      const info = await call(() => sandbox.filesystem.stat(absolute));
      const process = await call(() =>
        sandbox.exec(watchCommandArgv(absolute, given.recursive === true), { mode: "binary" }),
      );
      const probes = new Set<string>();
      const events = new FileEventStream(process, { path: absolute, externalId: target.externalId }, (event) =>
        isProbe(event, absolute, probes),
      );
      const onAbort = () => events.stop();
      given.signal?.addEventListener("abort", onAbort, { once: true });
      if (info.type === "directory") {
        try {
          await confirm(sandbox, absolute, events, probes);
        } catch (error) {
          events.stop();
          given.signal?.removeEventListener("abort", onAbort);
          throw error;
        }
      }
      return events;
    },
  };
}

/** Creates probe files in `dir` until the watch reports one; removes them. */
async function confirm(sandbox: Sandbox, dir: string, events: FileEventStream, probes: Set<string>): Promise<void> {
  try {
    for (let attempt = 0; attempt < PROBE_ATTEMPTS; attempt += 1) {
      const probe = `${dir.replace(/\/+$/, "")}/${PROBE_PREFIX}${randomUUID().slice(0, 12)}`;
      probes.add(probe);
      const seen = events.until((event) => event.path === probe, PROBE_WAIT_MS);
      try {
        await sandbox.filesystem.writeBytes(new Uint8Array(), probe);
      } catch {
        // A directory the sandbox cannot write to: Modal's start of the watch is all there is.
        return;
      }
      if (await seen) return;
    }
    throw new InternalError(
      `fileWatch.watch: the watch of ${dir} reported none of ${PROBE_ATTEMPTS} files created in it`,
      {
        provider: "modal",
      },
    );
  } finally {
    for (const probe of probes) void sandbox.filesystem.remove(probe).catch(() => undefined);
  }
}

function isProbe(event: FileEvent, dir: string, probes: ReadonlySet<string>): boolean {
  if (probes.has(event.path)) return true;
  // Another watcher's probe, or one of ours seen from a recursive watch of a parent.
  return event.path.slice(event.path.lastIndexOf("/") + 1).startsWith(PROBE_PREFIX) && event.path.startsWith(dir);
}

function checkOptions(options: unknown): WatchOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object" || Array.isArray(options)) throw fail("options", "must be an object");
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (key === "recursive" && typeof value !== "boolean") throw fail(key, "must be a boolean");
    else if (key === "signal" && !(value instanceof AbortSignal)) throw fail(key, "must be an AbortSignal");
    else if (key !== "recursive" && key !== "signal") throw fail(key, "unknown option; use recursive, signal");
  }
  return options as WatchOptions;
}
