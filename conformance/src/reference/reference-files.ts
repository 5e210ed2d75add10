import { lstat, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import {
  type FileEntry,
  type FileStat,
  type FilesExtension,
  InvalidArgumentError,
  NotFoundError,
  SandboxError,
} from "@openlattice/core";

/**
 * The reference `files` extension. The reference runs host processes (isolation "none"), so the
 * sandbox sees host paths, and so do its files: a path is resolved against the working
 * directory exactly as a command in the sandbox would resolve it, with no other rule (there is
 * no boundary to enforce; never hand this provider a path you would not hand to `exec`).
 */
export function createReferenceFiles(
  workdir: () => string,
  provider: string,
  /** Marks a call as sandbox activity (for `duration.idleSeconds`); returns its end. */
  activity: () => () => void,
): FilesExtension {
  // No validation of its own: Node refuses a path with a NUL byte (ERR_INVALID_ARG_VALUE), and
  // toError reports that, like any error other than a missing path, as invalid_argument.
  const toError = (error: unknown, path: string): SandboxError => {
    if (error instanceof SandboxError) return error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR")
      return new NotFoundError(`${path}: no such file or directory`, { provider, cause: error });
    return new InvalidArgumentError("path", `${path}: ${(error as Error).message}`, { provider, cause: error });
  };
  const guarded =
    <A extends unknown[], R>(operation: (path: string, ...args: A) => Promise<R>) =>
    async (path: string, ...args: A): Promise<R> => {
      const done = activity();
      try {
        return await operation(resolve(workdir(), path), ...args);
      } catch (error) {
        throw toError(error, path);
      } finally {
        done();
      }
    };

  const entryOf = async (path: string, name: string): Promise<FileStat> => {
    const info = await lstat(path);
    const type = info.isFile()
      ? "file"
      : info.isDirectory()
        ? "directory"
        : info.isSymbolicLink()
          ? "symlink"
          : "other";
    return { name, path, type, size: info.size, mode: info.mode & 0o7777, modifiedAt: info.mtime };
  };

  return {
    read: guarded(async (path) => new Uint8Array(await readFile(path))),
    readText: guarded((path) => readFile(path, "utf8")),
    write: guarded(async (path, data: string | Uint8Array) => {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, data);
    }),
    list: guarded(async (path): Promise<FileEntry[]> => {
      const names = (await readdir(path)).sort();
      return Promise.all(
        names.map(async (name) => {
          const { mode: _mode, modifiedAt: _modifiedAt, ...entry } = await entryOf(join(path, name), name);
          return entry;
        }),
      );
    }),
    remove: guarded(async (path, options?: { recursive?: boolean }) => {
      const info = await lstat(path).catch(() => undefined);
      if (!info) return;
      if (info.isDirectory() && !options?.recursive) {
        throw new InvalidArgumentError("options.recursive", `${path} is a directory; pass { recursive: true }`, {
          provider,
        });
      }
      await rm(path, { recursive: true, force: true });
    }),
    mkdir: guarded(async (path) => {
      await mkdir(path, { recursive: true });
    }),
    stat: guarded((path) => entryOf(path, basename(path) || "/")),
  };
}
