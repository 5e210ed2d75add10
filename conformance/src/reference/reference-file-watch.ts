import { type FSWatcher, lstatSync, watch as watchPath } from "node:fs";
import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  type FileEvent,
  type FileWatchExtension,
  InvalidArgumentError,
  NotFoundError,
  type WatchOptions,
} from "@openlattice/core";

/** How often a quiet watch checks that its sandbox still runs. */
const LIVENESS_MS = 500;

/**
 * The reference `fileWatch` extension, on Node's `fs.watch` (inotify on Linux). Node reports a
 * name that appeared or vanished as "rename": the reference looks at the path to tell a create
 * from a delete. Events stop when the signal aborts, the iterator is returned, or the sandbox ends.
 */
export function createReferenceFileWatch(
  workdir: () => string,
  provider: string,
  /** True while the sandbox runs. */
  running: () => boolean,
): FileWatchExtension {
  return {
    watch: async (path: string, options: WatchOptions = {}) => {
      if (options.recursive !== undefined && typeof options.recursive !== "boolean")
        throw new InvalidArgumentError("recursive", "must be a boolean", { provider });
      const target = resolve(workdir(), path);
      const info = await stat(target).catch((error: unknown) => {
        throw new NotFoundError(`${path}: no such file or directory`, { provider, cause: error });
      });
      const queue: FileEvent[] = [];
      let wake: (() => void) | undefined;
      let closed = false;
      const watcher: FSWatcher = watchPath(target, { recursive: options.recursive === true });
      const close = () => {
        closed = true;
        watcher.close();
        wake?.();
      };
      watcher.on("change", (kind, name) => {
        const changed = info.isDirectory() && name ? join(target, name.toString()) : target;
        const exists = (() => {
          try {
            lstatSync(changed);
            return true;
          } catch {
            return false;
          }
        })();
        const type = kind === "change" ? "modify" : exists ? "create" : "delete";
        queue.push({ type, path: changed });
        wake?.();
      });
      watcher.on("error", close);
      if (options.signal?.aborted) close();
      options.signal?.addEventListener("abort", close);
      async function* events(): AsyncGenerator<FileEvent> {
        try {
          for (;;) {
            const next = queue.shift();
            if (next) {
              yield next;
              continue;
            }
            if (closed || !running()) return;
            await new Promise<void>((resolve) => {
              wake = resolve;
              setTimeout(resolve, LIVENESS_MS);
            });
            wake = undefined;
          }
        } finally {
          close();
        }
      }
      return events();
    },
  };
}
