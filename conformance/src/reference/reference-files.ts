import { lstat, mkdir, readdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
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
 * sandbox "sees" host paths; this extension still refuses anything outside the sandbox's own
 * directories (`roots`), after resolving `..` and symlinks, so a path can never reach the rest of
 * the host through it.
 */
export function createReferenceFiles(
  workdir: () => string,
  roots: () => readonly string[],
  provider: string,
  /** Marks a call as sandbox activity (for `duration.idleSeconds`); returns its end. */
  activity: () => () => void = () => () => undefined,
): FilesExtension {
  /** Resolves `path` against the working directory and checks it stays inside a root. */
  async function confine(path: string): Promise<string> {
    if (typeof path !== "string" || path === "" || path.includes("\u0000")) {
      throw new InvalidArgumentError("path", "must be a non-empty string without NUL", { provider });
    }
    const absolute = isAbsolute(path) ? resolve(path) : resolve(workdir(), path);
    // Symlinks are resolved on the longest existing prefix; the rest does not exist yet.
    let existing = absolute;
    let rest = "";
    for (;;) {
      try {
        existing = await realpath(existing);
        break;
      } catch {
        const parent = dirname(existing);
        if (parent === existing) break;
        rest = rest === "" ? existing.slice(parent.length + 1) : join(existing.slice(parent.length + 1), rest);
        existing = parent;
      }
    }
    const real = rest === "" ? existing : join(existing, rest);
    const inside = roots().some((root) => {
      const fromRoot = relative(root, real);
      return fromRoot === "" || (!fromRoot.startsWith(`..${sep}`) && fromRoot !== ".." && !isAbsolute(fromRoot));
    });
    if (!inside) {
      throw new InvalidArgumentError("path", `${JSON.stringify(path)} resolves outside the sandbox's directories`, {
        provider,
      });
    }
    return absolute;
  }

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
        return await operation(await confine(path), ...args);
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
