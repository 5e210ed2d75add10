import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, constants as fsConstants, type Stats } from "node:fs";
import {
  chmod,
  chown,
  copyFile,
  lchown,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  unlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { ProvisionSpec } from "@openlattice/core";
import type { Owner } from "../sandbox/sandbox-boot.js";
import { pruneStore } from "./snapshot-prune.js";

/** One entry of a snapshot, relative to the workspace root. */
export type ManifestEntry =
  | { readonly path: string; readonly type: "dir"; readonly mode: number }
  | {
      readonly path: string;
      readonly type: "file";
      readonly mode: number;
      readonly size: number;
      readonly hash: string;
    }
  | { readonly path: string; readonly type: "symlink"; readonly target: string };

/** What a snapshot is: its files by content hash, plus the spec to restore it with. */
export interface SnapshotManifest {
  readonly version: 1;
  readonly id: string;
  readonly createdAt: string;
  readonly sourceExternalId: string;
  /** The spec to restore with, without env values (see `envNames`). */
  readonly spec: ProvisionSpec;
  /**
   * Names of `runtime.env` entries the source had. Values are never stored at rest: a restore in
   * the same provider instance gets them back from memory; any other restore must pass them.
   */
  readonly envNames?: readonly string[];
  readonly entries: readonly ManifestEntry[];
  /** Bytes of all files in the snapshot. */
  readonly totalBytes: number;
  /** Bytes this snapshot added to the store (new blobs only). */
  readonly newBytes: number;
  readonly newBlobs: number;
  /** Files whose content had to be read (stat changed since the previous snapshot of the sandbox). */
  readonly hashedFiles: number;
}

/** Per-sandbox memory of what each file hashed to, keyed by relative path and invalidated by stat. */
export type StatCache = Map<string, { readonly key: string; readonly hash: string }>;

const statKey = (s: { ino: number; size: number; mtimeMs: number; ctimeMs: number }) =>
  `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;

/** Files up to this size are hashed in memory; larger ones are streamed. */
const IN_MEMORY_LIMIT = 32 * 1024 * 1024;

/**
 * A content-addressed snapshot store: `blobs/<2 hex>/<sha256>` holds each distinct file content
 * once (deduplicated across snapshots and sandboxes), `manifests/<id>.json` lists a snapshot's
 * tree. With a stat cache, a snapshot reads only files changed since the previous one, so its
 * cost grows with what changed, not with the workspace size.
 */
export class SnapshotStore {
  private readonly blobs: string;
  private readonly manifests: string;
  /** Serialises pruning against snapshots in this process, so a sweep never sees half-written manifests. */
  private lock: Promise<unknown> = Promise.resolve();

  constructor(readonly root: string) {
    this.blobs = path.join(root, "blobs");
    this.manifests = path.join(root, "manifests");
  }

  private exclusive<T>(body: () => Promise<T>): Promise<T> {
    const run = this.lock.then(body, body);
    this.lock = run.catch(() => {});
    return run;
  }

  private blobPath(hash: string): string {
    return path.join(this.blobs, hash.slice(0, 2), hash);
  }

  /** Captures `workspace` into the store. */
  capture(
    workspace: string,
    cache: StatCache,
    meta: { sourceExternalId: string; spec: ProvisionSpec; envNames: readonly string[] },
  ): Promise<SnapshotManifest> {
    return this.exclusive(async () => {
      await mkdir(this.manifests, { recursive: true, mode: 0o700 });
      const entries: ManifestEntry[] = [];
      const seen = new Set<string>();
      let totalBytes = 0;
      let newBytes = 0;
      let newBlobs = 0;
      let hashedFiles = 0;
      const walk = async (relDir: string) => {
        const dir = path.join(workspace, relDir);
        const names = (await readdir(dir)).sort();
        // Stat a directory's entries in parallel: an unchanged tree costs only these calls.
        const infos = await Promise.all(names.map((name) => lstat(path.join(dir, name))));
        for (const [index, name] of names.entries()) {
          const rel = relDir ? `${relDir}/${name}` : name;
          const full = path.join(dir, name);
          const info = infos[index] as Stats;
          if (info.isDirectory()) {
            entries.push({ path: rel, type: "dir", mode: info.mode & 0o7777 });
            await walk(rel);
          } else if (info.isSymbolicLink()) {
            entries.push({ path: rel, type: "symlink", target: await readlink(full) });
          } else if (info.isFile()) {
            const key = statKey(info);
            let hash = cache.get(rel)?.key === key ? cache.get(rel)?.hash : undefined;
            if (hash === undefined) {
              hashedFiles++;
              const stored = await this.storeFile(full);
              hash = stored.hash;
              if (stored.added) {
                newBlobs++;
                newBytes += stored.size;
              }
              cache.set(rel, { key, hash });
            }
            seen.add(rel);
            totalBytes += info.size;
            entries.push({ path: rel, type: "file", mode: info.mode & 0o7777, size: info.size, hash });
          }
          // Sockets, fifos and devices are not part of a filesystem snapshot.
        }
      };
      await walk("");
      for (const rel of [...cache.keys()]) if (!seen.has(rel)) cache.delete(rel);
      const manifest: SnapshotManifest = {
        version: 1,
        id: `snap-${Date.now().toString(36)}-${randomBytes(6).toString("hex")}`,
        createdAt: new Date().toISOString(),
        sourceExternalId: meta.sourceExternalId,
        spec: meta.spec,
        ...(meta.envNames.length > 0 ? { envNames: meta.envNames } : {}),
        entries,
        totalBytes,
        newBytes,
        newBlobs,
        hashedFiles,
      };
      const file = path.join(this.manifests, `${manifest.id}.json`);
      await writeFile(`${file}.tmp`, JSON.stringify(manifest), { mode: 0o600 });
      await rename(`${file}.tmp`, file);
      return manifest;
    });
  }

  /** Keeps a referenced blob young, so a concurrent sweep in another process leaves it alone. */
  private async touch(hash: string): Promise<void> {
    const now = new Date();
    await utimes(this.blobPath(hash), now, now).catch(() => {});
  }

  /** Copies one file into the store (never following a symlink swapped in meanwhile). */
  private async storeFile(full: string): Promise<{ hash: string; size: number; added: boolean }> {
    // O_NONBLOCK: a FIFO swapped in after the walk's lstat must not hang the snapshot.
    const handle = await open(full, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    const tmp = path.join(this.blobs, `tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
    await mkdir(this.blobs, { recursive: true, mode: 0o700 });
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw Object.assign(new Error(`${full} is not a regular file`), { code: "EINVAL" });
      let hash: string;
      let size: number;
      if (info.size <= IN_MEMORY_LIMIT) {
        const data = await handle.readFile();
        hash = createHash("sha256").update(data).digest("hex");
        size = data.byteLength;
        const target = this.blobPath(hash);
        if (await exists(target)) {
          await this.touch(hash);
          return { hash, size, added: false };
        }
        await writeFile(tmp, data);
      } else {
        const hasher = createHash("sha256");
        size = 0;
        const source = handle.createReadStream({ autoClose: false });
        source.on("data", (chunk) => {
          hasher.update(chunk as Buffer);
          size += (chunk as Buffer).byteLength;
        });
        await pipeline(source, createWriteStream(tmp));
        hash = hasher.digest("hex");
        if (await exists(this.blobPath(hash))) {
          await unlink(tmp);
          await this.touch(hash);
          return { hash, size, added: false };
        }
      }
      const target = this.blobPath(hash);
      await mkdir(path.dirname(target), { recursive: true });
      // Blobs are never written in place after this rename: restores copy them.
      await chmod(tmp, 0o444);
      await rename(tmp, target);
      return { hash, size, added: true };
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    } finally {
      await handle.close();
    }
  }

  /** Reads a manifest; `undefined` when it does not exist. */
  async load(id: string): Promise<SnapshotManifest | undefined> {
    if (!/^snap-[a-z0-9-]+$/.test(id)) return undefined;
    try {
      return JSON.parse(await readFile(path.join(this.manifests, `${id}.json`), "utf8")) as SnapshotManifest;
    } catch {
      return undefined;
    }
  }

  /**
   * Writes a snapshot's tree into an empty `target` (by copy, never hardlink: a restored sandbox
   * writes in place and must not change the store) and returns a stat cache for it, so the
   * restored sandbox's first snapshot is incremental too.
   */
  async materialize(manifest: SnapshotManifest, target: string, owner?: Owner): Promise<StatCache> {
    const cache: StatCache = new Map();
    const dirModes: [string, number][] = [];
    for (const entry of manifest.entries) {
      const dest = path.join(target, entry.path);
      if (entry.type === "dir") {
        await mkdir(dest, { recursive: true, mode: 0o700 });
        if (owner) await chown(dest, owner.uid, owner.gid);
        dirModes.push([dest, entry.mode]);
      } else if (entry.type === "symlink") {
        await symlink(entry.target, dest);
        if (owner) await lchown(dest, owner.uid, owner.gid);
      } else {
        await copyFile(this.blobPath(entry.hash), dest, fsConstants.COPYFILE_FICLONE);
        await chmod(dest, entry.mode);
        if (owner) await chown(dest, owner.uid, owner.gid);
        cache.set(entry.path, { key: statKey(await stat(dest)), hash: entry.hash });
      }
    }
    for (const [dir, mode] of dirModes.reverse()) await chmod(dir, mode);
    return cache;
  }

  /** Every manifest, oldest first. */
  async list(): Promise<SnapshotManifest[]> {
    let names: string[] = [];
    try {
      names = (await readdir(this.manifests)).filter((name) => name.endsWith(".json"));
    } catch {
      return [];
    }
    const manifests: SnapshotManifest[] = [];
    for (const name of names) {
      const manifest = await this.load(name.slice(0, -".json".length));
      if (manifest) manifests.push(manifest);
    }
    return manifests.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /**
   * Deletes all but the newest `keepLast` snapshots (per source sandbox when `perSource`), then
   * every blob no remaining snapshot references (see `pruneStore`).
   */
  prune(options: { keepLast: number; sourceExternalId?: string; perSource?: boolean }): Promise<PruneResult> {
    return this.exclusive(() => pruneStore(this, this.manifests, this.blobs, options));
  }
}

export type { PruneResult } from "./snapshot-prune.js";

import type { PruneResult } from "./snapshot-prune.js";

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
