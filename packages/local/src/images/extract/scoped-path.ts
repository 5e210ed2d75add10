import { lstatSync, mkdirSync, readlinkSync } from "node:fs";
import path from "node:path";

/** Symlinks followed while resolving one path, as Linux's MAXSYMLINKS. */
const MAX_SYMLINKS = 40;

/** A layer asked for something the root filesystem cannot hold; the message says what. */
export class LayerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LayerError";
  }
}

/**
 * Cleans a path written in a layer lexically, as if the rootfs were `/`: leading `/` and `./`
 * dropped, `..` stopped at the root (`../../etc/x` is `etc/x`). Returns `""` for the root itself.
 */
export function cleanLayerPath(name: string): string {
  return path.posix.normalize(`/${name}`).replace(/^\/+/, "").replace(/\/+$/, "");
}

/**
 * Resolves paths inside one root directory the way the kernel would if that directory were
 * `/` (what `filepath-securejoin` does for umoci and containerd): every symlink met on the way is
 * followed with its target read relative to the root, and `..` never climbs above it. So a
 * layer's `evil -> /` followed by `evil/etc/passwd`, or `lib -> ../../../../host`, lands inside
 * the root, never on the host. Nothing here follows a symlink on the host's side: each component
 * is `lstat`ed and its link text interpreted by this code.
 *
 * Safe only while nobody else changes the tree: the rootfs being built is private to one
 * extraction. Resolved directories are cached until `forget()` (call it after removing or
 * replacing anything, or making a symlink). Synchronous on purpose: it runs only in the
 * extraction worker, a process of its own, where a system call costs a fraction of a trip
 * through libuv's thread pool.
 */
export class ScopedResolver {
  private readonly cache = new Map<string, string>();

  constructor(private readonly root: string) {}

  /** Host path of a root-relative path. */
  host(relative: string): string {
    return relative === "" ? this.root : path.join(this.root, relative);
  }

  /**
   * Resolves `relative` (already cleaned) to the real root-relative path of a directory,
   * creating missing directories (mode 0755 plus owner access) on the way. Throws `LayerError`
   * when a component exists and is not a directory.
   */
  directory(relative: string, onCreate?: (created: string) => void): string {
    const cached = this.cache.get(relative);
    if (cached !== undefined) return cached;
    const resolved = this.walk(relative, true, onCreate);
    this.cache.set(relative, resolved);
    return resolved;
  }

  /** Resolves every component but the last, which is returned as is (never followed). */
  entry(relative: string): string {
    if (relative === "") return "";
    const parent = this.walk(path.posix.dirname(relative) === "." ? "" : path.posix.dirname(relative), false);
    return joinRelative(parent, path.posix.basename(relative));
  }

  forget(): void {
    this.cache.clear();
  }

  private walk(relative: string, create: boolean, onCreate?: (created: string) => void): string {
    const pending = splitComponents(relative);
    const resolved: string[] = [];
    let links = 0;
    let missing = false;
    while (pending.length > 0) {
      const component = pending.shift() as string;
      if (component === "..") {
        resolved.pop();
        missing = false;
        continue;
      }
      const candidate = joinRelative(resolved.join("/"), component);
      let absent = missing;
      if (!missing) {
        const stats = lstatSync(this.host(candidate), { throwIfNoEntry: false });
        if (stats?.isSymbolicLink()) {
          if (++links > MAX_SYMLINKS) throw new LayerError(`${relative}: too many levels of symbolic links`);
          const target = readlinkSync(this.host(candidate));
          if (target.startsWith("/")) resolved.length = 0;
          pending.unshift(...splitComponents(target));
          continue;
        }
        if (stats && !stats.isDirectory()) throw new LayerError(`${relative}: ${candidate} is not a directory`);
        absent = stats === undefined;
      }
      // A missing component is created when asked; otherwise the rest resolves lexically (a
      // later `..` still pops, so no returned path ever contains one).
      if (absent && create) {
        mkdirSync(this.host(candidate), { mode: 0o755 });
        onCreate?.(candidate);
      } else if (absent) {
        missing = true;
      }
      resolved.push(component);
    }
    return resolved.join("/");
  }
}

function splitComponents(text: string): string[] {
  return text.split("/").filter((part) => part !== "" && part !== ".");
}

export function joinRelative(parent: string, name: string): string {
  return parent === "" ? name : `${parent}/${name}`;
}
