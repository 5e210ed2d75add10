import { constants, existsSync } from "node:fs";
import { type FileHandle, lstat, mkdir, open, readdir, readlink, rm, rmdir, unlink } from "node:fs/promises";
import path from "node:path";
import type { FileEntry, FileStat, FileType } from "@openlattice/core";

const { O_RDONLY, O_WRONLY, O_CREAT, O_TRUNC, O_DIRECTORY, O_NOFOLLOW } = constants;

/** Owner given to everything the host creates, so the sandbox user can change it later. */
export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** Raised for paths the caller gave wrongly; mapped to `invalid_argument` by the extension. */
export class PathError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** One resolved directory: an open handle on Linux (race-free), a host path elsewhere. */
interface Dir {
  readonly handle?: FileHandle;
  readonly hostPath: string;
}

const MAX_SYMLINK_HOPS = 40;
/** On Linux `/proc/self/fd/N/name` looks `name` up in the directory the handle holds, not by path. */
const HAVE_PROC_FD = process.platform === "linux" && existsSync("/proc/self/fd");

function child(dir: Dir, name: string): string {
  return dir.handle ? `/proc/self/fd/${dir.handle.fd}/${name}` : path.join(dir.hostPath, name);
}

function typeOf(stats: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): FileType {
  if (stats.isFile()) return "file";
  if (stats.isDirectory()) return "directory";
  if (stats.isSymbolicLink()) return "symlink";
  return "other";
}

/** Where a path ended up: its parent directory and final name, or a directory itself. */
interface Resolved {
  readonly stack: Dir[];
  /** The final component inside `stack.at(-1)`; `undefined` when the path is that directory. */
  readonly name?: string;
}

/**
 * Filesystem access confined to one root, like `openat2(RESOLVE_IN_ROOT)`: every component is
 * opened without following symlinks; symlinks are resolved by hand against the root, and `..`
 * never climbs above it. A symlink planted inside (even an absolute one, or one swapped in
 * concurrently) therefore cannot make a read or write land outside.
 */
export class RootedFs {
  constructor(
    /** Host path of the root (`/proc/<pid>/root` reaches a sandbox's whole mount namespace). */
    private readonly rootPath: string,
    private readonly owner?: Owner,
    /**
     * What an absolute symlink target means: `/` when the root is the sandbox's own root;
     * otherwise the host path the root stands for, and targets outside it are refused.
     */
    private readonly absolutePrefix = "/",
  ) {}

  private async openRoot(): Promise<Dir> {
    if (!HAVE_PROC_FD) return { hostPath: this.rootPath };
    return { handle: await open(this.rootPath, O_RDONLY | O_DIRECTORY), hostPath: this.rootPath };
  }

  private async openDir(parent: Dir, name: string): Promise<Dir> {
    const target = child(parent, name);
    if (parent.handle) return { handle: await open(target, O_RDONLY | O_DIRECTORY | O_NOFOLLOW), hostPath: target };
    const stats = await lstat(target);
    if (stats.isSymbolicLink()) throw Object.assign(new Error("symlink"), { code: "ELOOP" });
    if (!stats.isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
    return { hostPath: target };
  }

  private static async close(dirs: Dir[]): Promise<void> {
    await Promise.all(dirs.map((dir) => dir.handle?.close().catch(() => {})));
  }

  /**
   * Resolves `relative` (components below the root). `followLast` resolves a final symlink;
   * `createDirs` creates missing directories (all of them when `createLast`).
   */
  private async resolve(
    relative: string,
    options: { followLast: boolean; createDirs?: boolean; createLast?: boolean },
  ): Promise<Resolved> {
    const root = await this.openRoot();
    const stack: Dir[] = [root];
    const queue = relative.split("/").filter((part) => part !== "" && part !== ".");
    let hops = 0;
    try {
      while (queue.length > 0) {
        const name = queue.shift() as string;
        const top = stack[stack.length - 1] as Dir;
        if (name === "..") {
          if (stack.length > 1) await RootedFs.close([stack.pop() as Dir]);
          continue;
        }
        const last = queue.length === 0;
        if (last && !options.followLast && !options.createLast) return { stack, name };
        try {
          stack.push(await this.openDir(top, name));
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === "ENOENT") {
            if (options.createDirs && (!last || options.createLast)) {
              await mkdir(child(top, name), { mode: 0o755 });
              await this.chown(child(top, name));
              queue.unshift(name);
              continue;
            }
            if (last) return { stack, name };
            throw error;
          }
          if (code !== "ELOOP" && code !== "ENOTDIR") throw error;
          const stats = await lstat(child(top, name));
          if (!stats.isSymbolicLink()) {
            if (last) return { stack, name };
            throw Object.assign(new Error(`${name} is not a directory`), { code: "ENOTDIR" });
          }
          if (++hops > MAX_SYMLINK_HOPS) throw Object.assign(new Error("too many symlinks"), { code: "ELOOP" });
          let target = await readlink(child(top, name));
          if (target.startsWith("/")) {
            // Absolute targets mean the sandbox's root, never the host's.
            const prefix = this.absolutePrefix;
            if (prefix !== "/") {
              if (target !== prefix && !target.startsWith(`${prefix}/`)) {
                throw new PathError("EXDEV", `a symlink points outside the sandbox (${name})`);
              }
              target = target.slice(prefix.length);
            }
            await RootedFs.close(stack.splice(1));
          }
          queue.unshift(...target.split("/").filter((part) => part !== "" && part !== "."));
        }
      }
      return { stack };
    } catch (error) {
      await RootedFs.close(stack);
      throw error;
    }
  }

  private async chown(target: string): Promise<void> {
    if (!this.owner) return;
    const handle = await open(target, O_RDONLY | O_NOFOLLOW);
    try {
      await handle.chown(this.owner.uid, this.owner.gid);
    } finally {
      await handle.close();
    }
  }

  private async withResolved<T>(
    relative: string,
    options: Parameters<RootedFs["resolve"]>[1],
    body: (resolved: Resolved) => Promise<T>,
  ): Promise<T> {
    const resolved = await this.resolve(relative, options);
    try {
      return await body(resolved);
    } finally {
      await RootedFs.close(resolved.stack);
    }
  }

  /** Reads a file (symlinks followed inside the root). Throws EISDIR for directories, EFBIG past `maxBytes`. */
  read(relative: string, maxBytes: number): Promise<Uint8Array> {
    return this.withResolved(relative, { followLast: true }, async ({ stack, name }) => {
      if (name === undefined) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
      const handle = await open(child(stack[stack.length - 1] as Dir, name), O_RDONLY | O_NOFOLLOW);
      try {
        const stats = await handle.stat();
        if (stats.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
        if (stats.size > maxBytes) throw Object.assign(new Error(`larger than ${maxBytes} bytes`), { code: "EFBIG" });
        return new Uint8Array(await handle.readFile());
      } finally {
        await handle.close();
      }
    });
  }

  /** Creates or replaces a file, creating missing parents. */
  write(relative: string, data: Uint8Array): Promise<void> {
    return this.withResolved(relative, { followLast: true, createDirs: true }, async ({ stack, name }) => {
      if (name === undefined) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
      const handle = await open(
        child(stack[stack.length - 1] as Dir, name),
        O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW,
        0o644,
      );
      try {
        if (this.owner) await handle.chown(this.owner.uid, this.owner.gid);
        await handle.writeFile(data);
      } finally {
        await handle.close();
      }
    });
  }

  /** Creates a directory and its parents; an existing directory is fine. */
  mkdir(relative: string): Promise<void> {
    return this.withResolved(relative, { followLast: true, createDirs: true, createLast: true }, async ({ name }) => {
      if (name !== undefined) throw Object.assign(new Error("exists and is not a directory"), { code: "EEXIST" });
    });
  }

  /** Lists a directory (entries sorted by name, symlinks not followed). */
  list(relative: string, sandboxPath: string): Promise<FileEntry[]> {
    return this.withResolved(relative, { followLast: true }, async ({ stack, name }) => {
      if (name !== undefined) {
        // Either missing or not a directory.
        const stats = await lstat(child(stack[stack.length - 1] as Dir, name));
        throw Object.assign(new Error(stats ? "not a directory" : "missing"), { code: "ENOTDIR" });
      }
      const dir = stack[stack.length - 1] as Dir;
      const listing = dir.handle ? `/proc/self/fd/${dir.handle.fd}` : dir.hostPath;
      const names = (await readdir(listing)).sort();
      const entries: FileEntry[] = [];
      for (const entry of names) {
        try {
          const stats = await lstat(path.join(listing, entry));
          entries.push({
            name: entry,
            path: path.posix.join(sandboxPath, entry),
            type: typeOf(stats),
            size: stats.size,
          });
        } catch {
          // Removed while listing.
        }
      }
      return entries;
    });
  }

  /** Facts about a path (a final symlink is reported as a symlink). */
  stat(relative: string, sandboxPath: string): Promise<FileStat> {
    return this.withResolved(relative, { followLast: false }, async ({ stack, name }) => {
      const dir = stack[stack.length - 1] as Dir;
      // A resolved directory is described by its handle: lstat of /proc/self/fd/N would describe
      // the magic link itself.
      const stats =
        name !== undefined
          ? await lstat(child(dir, name))
          : dir.handle
            ? await dir.handle.stat()
            : await lstat(dir.hostPath);
      return {
        name: path.posix.basename(sandboxPath) || "/",
        path: sandboxPath,
        type: typeOf(stats),
        size: stats.size,
        mode: stats.mode & 0o7777,
        modifiedAt: stats.mtime,
      };
    });
  }

  /**
   * Removes a file, or a directory tree when `recursive`. The tree walk goes by path below the
   * resolved parent handle, so callers freeze the sandbox first where it can run concurrently.
   */
  remove(relative: string, recursive: boolean): Promise<void> {
    return this.withResolved(relative, { followLast: false }, async ({ stack, name }) => {
      if (name === undefined) throw new PathError("EINVAL", "cannot remove the sandbox root");
      const target = child(stack[stack.length - 1] as Dir, name);
      let stats: Awaited<ReturnType<typeof lstat>>;
      try {
        stats = await lstat(target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
        throw error;
      }
      if (!stats.isDirectory()) await unlink(target);
      else if (recursive) await rm(target, { recursive: true, force: true });
      else await rmdir(target);
    });
  }
}
