import { lstat, readdir, readlink } from "node:fs/promises";
import path from "node:path";

/** One read-only piece of a sandbox's root: a bind of a host path, or a symlink. */
export type ImageMount =
  | { readonly type: "bind"; readonly source: string; readonly dest: string }
  | { readonly type: "symlink"; readonly target: string; readonly dest: string };

/** Top-level host directories the `host` image exposes, read-only. */
const HOST_ENTRIES = ["usr", "etc", "bin", "sbin", "lib", "lib32", "lib64", "libx32"];

/** Entries of a rootfs that the sandbox always provides itself. */
const OWN_ENTRIES = new Set(["proc", "dev", "tmp", "sys", "run", "workspace"]);

/** The read-only mounts of every top-level entry of `root` (symlinks recreated as symlinks). */
export async function rootfsMounts(root: string, only?: readonly string[]): Promise<ImageMount[]> {
  const names = only ?? (await readdir(root)).sort();
  const mounts = await Promise.all(
    names.map(async (name): Promise<ImageMount | undefined> => {
      if (OWN_ENTRIES.has(name)) return undefined;
      const source = path.join(root, name);
      const stats = await lstat(source).catch(() => undefined);
      if (!stats) return undefined;
      if (stats.isSymbolicLink()) return { type: "symlink", target: await readlink(source), dest: `/${name}` };
      if (stats.isDirectory() || stats.isFile()) return { type: "bind", source, dest: `/${name}` };
      return undefined;
    }),
  );
  return mounts.filter((mount): mount is ImageMount => mount !== undefined);
}

/** The host's layout does not change while we run: computed once. */
let hostMounts: Promise<ImageMount[]> | undefined;

/** Mounts of the `host` image. */
export function hostImageMounts(): Promise<ImageMount[]> {
  hostMounts ??= rootfsMounts("/", HOST_ENTRIES);
  return hostMounts;
}

/** bwrap arguments of mounts by path (the probe's sandbox, which needs no descriptors). */
export function mountArgsByPath(mounts: readonly ImageMount[]): string[] {
  return mounts.flatMap((mount) =>
    mount.type === "symlink" ? ["--symlink", mount.target, mount.dest] : ["--ro-bind", mount.source, mount.dest],
  );
}
