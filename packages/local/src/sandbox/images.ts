import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { lstat, mkdir, readdir, readlink, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { InvalidArgumentError, UnsupportedError } from "@openlattice/core";

/** An image reference the local provider understands. */
export type ImageRef =
  | { readonly kind: "host" }
  | { readonly kind: "dir"; readonly path: string }
  | { readonly kind: "tar"; readonly path: string };

/** Image kinds as stated in `capabilities.constraints.imageKinds`. */
export const IMAGE_KINDS = ["host", "dir:<path>", "tar:<path>"] as const;

/** One read-only piece of a sandbox's root: a bind of a host path, or a symlink. */
export type ImageMount =
  | { readonly type: "bind"; readonly source: string; readonly dest: string }
  | { readonly type: "symlink"; readonly target: string; readonly dest: string };

/** Top-level host directories the `host` image exposes, read-only. */
const HOST_ENTRIES = ["usr", "etc", "bin", "sbin", "lib", "lib32", "lib64", "libx32"];

/** Entries of a rootfs that the sandbox always provides itself. */
const OWN_ENTRIES = new Set(["proc", "dev", "tmp", "sys", "run", "workspace"]);

/**
 * Parses `runtime.image` (syntax only; `resolveImage` checks the path). Registry references
 * fail with `unsupported`, saying what works.
 */
export function parseImage(image: string | undefined, provider: string): ImageRef {
  if (image === undefined || image === "host") return { kind: "host" };
  const prefixed = /^(dir|tar):(.*)$/.exec(image);
  if (prefixed) {
    const kind = prefixed[1] as "dir" | "tar";
    const target = prefixed[2] ?? "";
    if (!path.isAbsolute(target)) {
      throw new InvalidArgumentError(
        "runtime.image",
        `${kind}: needs an absolute host path, got ${JSON.stringify(target)}`,
        {
          provider,
        },
      );
    }
    return { kind, path: target };
  }
  throw new UnsupportedError(
    "image",
    `runtime.image: ${JSON.stringify(image)} looks like a registry image; the local provider has no registry client. ` +
      `Use "host" (the host's /usr and /etc, read-only), "dir:<absolute path of a rootfs directory>" or "tar:<absolute path of a rootfs tarball>"`,
    { provider },
  );
}

/** Checks that a `dir:`/`tar:` path exists and has the right type, without blocking the event loop. */
export async function checkImage(image: ImageRef, provider: string): Promise<void> {
  if (image.kind === "host") return;
  const stats = await stat(image.path).catch(() => undefined);
  if (!stats)
    throw new InvalidArgumentError("runtime.image", `${JSON.stringify(image.path)} does not exist`, { provider });
  if (image.kind === "dir" && !stats.isDirectory()) {
    throw new InvalidArgumentError("runtime.image", `${JSON.stringify(image.path)} is not a directory`, { provider });
  }
  if (image.kind === "tar" && !stats.isFile()) {
    throw new InvalidArgumentError("runtime.image", `${JSON.stringify(image.path)} is not a file`, { provider });
  }
}

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

const extractions = new Map<string, Promise<string>>();

/**
 * Extracts a rootfs tarball once into `imagesDir` and returns the directory. The cache key
 * covers the path, size and mtime, so a changed tarball is extracted again.
 */
export async function extractTarImage(tarPath: string, imagesDir: string): Promise<string> {
  const stats = await stat(tarPath);
  const key = createHash("sha256").update(`${tarPath}\0${stats.size}\0${stats.mtimeMs}`).digest("hex").slice(0, 32);
  const target = path.join(imagesDir, `tar-${key}`);
  const cached = extractions.get(target);
  if (cached) return cached;
  const job = (async () => {
    if (
      await stat(target).then(
        () => true,
        () => false,
      )
    )
      return target;
    const staging = `${target}.tmp-${process.pid}-${Date.now()}`;
    await mkdir(staging, { recursive: true, mode: 0o755 });
    try {
      await new Promise<void>((resolve, reject) => {
        execFile("tar", ["-xf", tarPath, "-C", staging], (error, _stdout, stderr) =>
          error ? reject(new Error(stderr || error.message)) : resolve(),
        );
      });
      await rename(staging, target).catch(async (error: NodeJS.ErrnoException) => {
        // Another process finished first: its copy is as good as ours.
        if (
          !(await stat(target).then(
            () => true,
            () => false,
          ))
        )
          throw error;
        await rm(staging, { recursive: true, force: true });
      });
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      extractions.delete(target);
      throw new InvalidArgumentError("runtime.image", `could not extract ${tarPath}: ${(error as Error).message}`, {
        provider: "local",
        cause: error,
      });
    }
    return target;
  })();
  extractions.set(target, job);
  return job;
}
