import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readlinkSync, statSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { InvalidArgumentError, UnsupportedError } from "@openlattice/core";

/** An image reference the local provider understands. */
export type ImageRef =
  | { readonly kind: "host" }
  | { readonly kind: "dir"; readonly path: string }
  | { readonly kind: "tar"; readonly path: string };

/** Image kinds as stated in `capabilities.constraints.imageKinds`. */
export const IMAGE_KINDS = ["host", "dir:<path>", "tar:<path>"] as const;

/** Top-level host directories the `host` image exposes, read-only. */
const HOST_ENTRIES = ["usr", "etc", "bin", "sbin", "lib", "lib32", "lib64", "libx32"];

/** Entries of a rootfs that the sandbox always provides itself. */
const OWN_ENTRIES = new Set(["proc", "dev", "tmp", "sys", "run"]);

/**
 * Parses `runtime.image`. Registry references fail with `unsupported`, saying what works:
 * there is no registry client in the local provider, by design.
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
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(target);
    } catch {
      throw new InvalidArgumentError("runtime.image", `${JSON.stringify(target)} does not exist`, { provider });
    }
    if (kind === "dir" && !stats.isDirectory()) {
      throw new InvalidArgumentError("runtime.image", `${JSON.stringify(target)} is not a directory`, { provider });
    }
    if (kind === "tar" && !stats.isFile()) {
      throw new InvalidArgumentError("runtime.image", `${JSON.stringify(target)} is not a file`, { provider });
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

/** bwrap arguments that mount every top-level entry of `root` read-only, recreating symlinks as symlinks. */
export function rootfsBindArgs(root: string, only?: readonly string[]): string[] {
  const args: string[] = [];
  const names = only ?? readdirSync(root).sort();
  for (const name of names) {
    if (OWN_ENTRIES.has(name) || name === "workspace") continue;
    const source = path.join(root, name);
    let stats: ReturnType<typeof lstatSync>;
    try {
      stats = lstatSync(source);
    } catch {
      continue;
    }
    const target = `/${name}`;
    if (stats.isSymbolicLink()) args.push("--symlink", readlinkSync(source), target);
    else if (stats.isDirectory() || stats.isFile()) args.push("--ro-bind", source, target);
  }
  return args;
}

/** The host's layout does not change while we run; computed once. */
let hostArgs: string[] | undefined;

/** bwrap arguments of the `host` image. */
export function hostImageArgs(): string[] {
  hostArgs ??= rootfsBindArgs("/", HOST_ENTRIES);
  return hostArgs;
}

const extractions = new Map<string, Promise<string>>();

/**
 * Extracts a rootfs tarball once into `<stateDir>/images/` and returns the directory. The
 * cache key covers the path, size and mtime, so a changed tarball is extracted again.
 */
export function extractTarImage(tarPath: string, stateDir: string): Promise<string> {
  const stats = statSync(tarPath);
  const key = createHash("sha256").update(`${tarPath}\0${stats.size}\0${stats.mtimeMs}`).digest("hex").slice(0, 32);
  const target = path.join(stateDir, "images", `tar-${key}`);
  const cached = extractions.get(target);
  if (cached) return cached;
  const job = (async () => {
    if (existsSync(target)) return target;
    const staging = `${target}.tmp-${process.pid}-${Date.now()}`;
    await mkdir(staging, { recursive: true });
    try {
      await new Promise<void>((resolve, reject) => {
        execFile("tar", ["-xf", tarPath, "-C", staging], (error, _stdout, stderr) =>
          error ? reject(new Error(stderr || error.message)) : resolve(),
        );
      });
      await rename(staging, target).catch(async (error: NodeJS.ErrnoException) => {
        // Another process finished first: its copy is as good as ours.
        if (!existsSync(target)) throw error;
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
