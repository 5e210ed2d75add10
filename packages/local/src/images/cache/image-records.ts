import { createHash } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { ImageRuntimeConfig } from "../oci-schemas.js";
import { readJson, writeJsonAtomically } from "./fs-util.js";

/** One installed image: a prepared rootfs and what is needed to run it. */
export interface ImageRecord {
  /** The platform manifest's digest (a local tarball's own digest for `tar:` images). */
  readonly digest: string;
  /** References that resolved to it, newest last. */
  readonly references: readonly string[];
  readonly configDigest: string | undefined;
  /** Layer blob digests, bottom first. */
  readonly layers: readonly string[];
  readonly config: ImageRuntimeConfig;
  /** `linux/amd64` style; undefined for `tar:` images. */
  readonly platform: string | undefined;
  readonly createdAt: string;
  readonly lastUsedAt: string;
}

/** What a reference (a tag, a local layout or archive) resolved to the last time it was pulled. */
export interface RefRecord {
  readonly reference: string;
  /** The digest the reference pointed to: an index or a manifest. */
  readonly digest: string;
  /** Platform (`linux/amd64`) to the installed manifest digest chosen for it. */
  readonly platforms: Readonly<Record<string, string>>;
  readonly resolvedAt: string;
}

/**
 * The cache's bookkeeping, next to the blobs: `meta/<hex>.json` per installed image,
 * `rootfs/<hex>/` its root filesystem, `refs/<sha256 of reference>.json` per reference. An
 * image counts as installed once its record exists; the record is written after the rootfs is in
 * place, and every file is replaced atomically, so a crash leaves an older state, never a mix.
 */
export class ImageRecords {
  readonly metaDir: string;
  readonly rootfsDir: string;
  readonly refsDir: string;

  constructor(root: string) {
    this.metaDir = path.join(root, "meta");
    this.rootfsDir = path.join(root, "rootfs");
    this.refsDir = path.join(root, "refs");
  }

  rootfsPath(digest: string): string {
    return path.join(this.rootfsDir, hex(digest));
  }

  async image(digest: string): Promise<ImageRecord | undefined> {
    return readJson<ImageRecord>(path.join(this.metaDir, `${hex(digest)}.json`));
  }

  /** `durable: false` for updates that only move `lastUsedAt` (a lost one changes nothing that matters). */
  async putImage(record: ImageRecord, durable = true): Promise<void> {
    await writeJsonAtomically(path.join(this.metaDir, `${hex(record.digest)}.json`), record, durable);
  }

  async removeImage(digest: string): Promise<void> {
    await rm(path.join(this.metaDir, `${hex(digest)}.json`), { force: true });
  }

  async images(): Promise<ImageRecord[]> {
    const names = await readdir(this.metaDir).catch(() => [] as string[]);
    const records = await Promise.all(
      names
        .filter((name) => name.endsWith(".json"))
        .map((name) => readJson<ImageRecord>(path.join(this.metaDir, name))),
    );
    return records.filter((record): record is ImageRecord => record !== undefined);
  }

  async ref(reference: string): Promise<RefRecord | undefined> {
    const record = await readJson<RefRecord>(this.refPath(reference));
    return record?.reference === reference ? record : undefined;
  }

  async putRef(record: RefRecord): Promise<void> {
    await writeJsonAtomically(this.refPath(record.reference), record);
  }

  async removeRef(reference: string): Promise<void> {
    await rm(this.refPath(reference), { force: true });
  }

  async refs(): Promise<RefRecord[]> {
    const names = await readdir(this.refsDir).catch(() => [] as string[]);
    const records = await Promise.all(
      names.filter((name) => name.endsWith(".json")).map((name) => readJson<RefRecord>(path.join(this.refsDir, name))),
    );
    return records.filter((record): record is RefRecord => record !== undefined);
  }

  private refPath(reference: string): string {
    return path.join(this.refsDir, `${createHash("sha256").update(reference).digest("hex")}.json`);
  }
}

function hex(digest: string): string {
  return digest.replace(/^sha256:/, "");
}
