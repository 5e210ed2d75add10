import {
  closeSync,
  constants,
  fchmodSync,
  futimesSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import tar from "tar-stream";
import { cleanLayerPath, joinRelative, LayerError, ScopedResolver } from "./scoped-path.js";

/** Bounds on what the layers of one image may write. */
export interface ApplyLimits {
  /** Bytes of file content, all layers together. */
  readonly maxBytes: number;
  /** Tar entries, all layers together. */
  readonly maxEntries: number;
}

/** What applying the layers did, for the caller's report. */
export interface ApplyStats {
  entries: number;
  bytes: number;
  /** Device nodes, FIFOs and other special files left out. */
  skippedSpecial: number;
  whiteouts: number;
  /** setuid, setgid (files) bits that were cleared. */
  clearedSetid: number;
  /** The uid that wrote the files (set by the worker). */
  extractedBy?: number | undefined;
}

/** A tar entry's content stream (tar-stream's own stream type). */
type EntryBody = AsyncIterable<Buffer> & { resume(): unknown };

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";
/** Permission bits kept: rwx for all, sticky on directories; setuid/setgid never. */
const FILE_MODE_BITS = 0o777;
const DIR_MODE_BITS = 0o1777;
const OWNER_RWX = 0o700;
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Applies OCI layers, in order, to one root directory, with the semantics of the image spec's
 * "applying changesets": a `.wh.<name>` entry deletes `<name>` from the layers below, a
 * `.wh..wh..opq` entry empties its directory of everything from below, an entry replaces
 * whatever was at its path (a file never writes through an existing file, so hardlinks from
 * lower layers are not altered), hardlinks and symlinks are recreated as such. Paths resolve
 * inside the root only (see `ScopedResolver`). Ownership in the tar is ignored (files belong to
 * whoever extracts), setuid/setgid bits are cleared, and device nodes and FIFOs are skipped.
 *
 * Directories stay owner-writable while layers are applied (a later layer may write into a
 * `0555` directory) and get their final modes and times from `finish()`. File system calls are
 * synchronous: this runs only in the extraction worker, a process of its own (see
 * `extract-worker.ts`), where they cost a fraction of a round trip through the thread pool.
 */
export class LayerApplier {
  readonly stats: ApplyStats = { entries: 0, bytes: 0, skippedSpecial: 0, whiteouts: 0, clearedSetid: 0 };
  private readonly resolver: ScopedResolver;
  private readonly directories = new Map<string, { mode: number; mtime: Date }>();
  private created = new Set<string>();
  private touched = new Set<string>();

  constructor(
    readonly root: string,
    private readonly limits: ApplyLimits,
  ) {
    this.resolver = new ScopedResolver(root);
  }

  /** Applies one uncompressed tar stream. */
  async apply(tarStream: Readable): Promise<void> {
    this.created = new Set();
    this.touched = new Set();
    const extract = tar.extract();
    tarStream.on("error", (error) => extract.destroy(error));
    tarStream.pipe(extract);
    try {
      for await (const entry of extract) await this.entry(entry.header, entry as unknown as EntryBody);
    } catch (error) {
      tarStream.destroy();
      extract.destroy();
      throw error;
    }
  }

  /** Sets the recorded directory modes and times, deepest first, once every layer is applied. */
  finish(): void {
    const ordered = [...this.directories].sort((a, b) => depth(b[0]) - depth(a[0]));
    for (const [relative, { mode, mtime }] of ordered) {
      const host = this.resolver.host(relative);
      if (!lstatSync(host, { throwIfNoEntry: false })?.isDirectory()) continue;
      const fd = openSync(host, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
      try {
        futimesSync(fd, mtime, mtime);
        fchmodSync(fd, mode);
      } finally {
        closeSync(fd);
      }
    }
  }

  private async entry(header: tar.Header, body: EntryBody): Promise<void> {
    if (++this.stats.entries > this.limits.maxEntries) {
      throw new LayerError(`the image has more than ${this.limits.maxEntries} entries`);
    }
    const relative = cleanLayerPath(header.name);
    const base = path.posix.basename(relative);
    const parentPath = relative.includes("/") ? path.posix.dirname(relative) : "";
    if (relative === "" || base.startsWith(WHITEOUT)) {
      body.resume();
      if (relative !== "") this.whiteout(parentPath, base);
      return;
    }
    const parent = this.resolver.directory(parentPath, (dir) => this.markCreated(dir));
    const target = joinRelative(parent, base);
    switch (header.type) {
      case "directory":
        body.resume();
        return this.directory(target, header);
      case "file":
      case "contiguous-file":
        return this.file(target, header, body);
      case "symlink":
        body.resume();
        this.replace(target);
        symlinkSync(header.linkname ?? "", this.resolver.host(target));
        if (header.mtime) lutimesSync(this.resolver.host(target), header.mtime, header.mtime);
        this.resolver.forget();
        return this.markCreated(target);
      case "link":
        body.resume();
        return this.hardlink(target, header);
      default:
        // Character and block devices, FIFOs and anything newer: never created on the host.
        body.resume();
        this.stats.skippedSpecial++;
    }
  }

  private directory(target: string, header: tar.Header): void {
    const host = this.resolver.host(target);
    const existing = lstatSync(host, { throwIfNoEntry: false });
    if (existing && !existing.isDirectory()) this.replace(target);
    if (!existing?.isDirectory()) mkdirSync(host, { mode: 0o755 });
    const mode = (header.mode ?? 0o755) & DIR_MODE_BITS;
    if (((header.mode ?? 0) & 0o6000) !== 0) this.stats.clearedSetid++;
    const fd = openSync(host, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    try {
      fchmodSync(fd, mode | OWNER_RWX);
    } finally {
      closeSync(fd);
    }
    this.directories.set(target, { mode, mtime: header.mtime ?? new Date(0) });
    this.markCreated(target);
  }

  private async file(target: string, header: tar.Header, body: EntryBody): Promise<void> {
    const mode = (header.mode ?? 0o644) & FILE_MODE_BITS;
    if (((header.mode ?? 0) & 0o6000) !== 0) this.stats.clearedSetid++;
    // Created with its final mode (the worker's umask is 0): a new file's descriptor is
    // writable whatever the mode says. O_EXCL and O_NOFOLLOW: never write through what was there.
    let fd: number;
    try {
      fd = openSync(this.resolver.host(target), WRITE_FLAGS, mode);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      this.replace(target);
      fd = openSync(this.resolver.host(target), WRITE_FLAGS, mode);
    }
    try {
      for await (const chunk of body) {
        this.stats.bytes += chunk.length;
        if (this.stats.bytes > this.limits.maxBytes) {
          throw new LayerError(`the image unpacks to more than ${this.limits.maxBytes} bytes`);
        }
        for (let offset = 0; offset < chunk.length; ) offset += writeSync(fd, chunk, offset);
      }
      if (header.mtime) futimesSync(fd, header.mtime, header.mtime);
    } finally {
      closeSync(fd);
    }
    this.markCreated(target);
  }

  private hardlink(target: string, header: tar.Header): void {
    const source = this.resolver.entry(cleanLayerPath(header.linkname ?? ""));
    const stats = source === "" ? undefined : lstatSync(this.resolver.host(source), { throwIfNoEntry: false });
    if (!stats || stats.isDirectory()) {
      throw new LayerError(
        `hardlink ${header.name} points to ${header.linkname}, which is ${stats ? "a directory" : "missing"}`,
      );
    }
    if (source !== target) {
      this.replace(target);
      linkSync(this.resolver.host(source), this.resolver.host(target));
    }
    this.markCreated(target);
  }

  /** `.wh.<name>` deletes `<name>` from lower layers; `.wh..wh..opq` empties the directory of them. */
  private whiteout(parentPath: string, base: string): void {
    this.stats.whiteouts++;
    const parent = this.resolver.directory(parentPath, (dir) => this.markCreated(dir));
    if (base === OPAQUE) {
      this.pruneLower(parent);
    } else {
      const victim = joinRelative(parent, base.slice(WHITEOUT.length));
      // The spec: a whiteout only hides what lower layers have, never its own layer's entries.
      if (!this.created.has(victim) && !this.touched.has(victim)) this.remove(victim);
    }
    this.resolver.forget();
  }

  /** Removes everything under `dir` that this layer did not create (an opaque directory). */
  private pruneLower(dir: string): void {
    for (const name of readdirSync(this.resolver.host(dir))) {
      const child = joinRelative(dir, name);
      if (!this.created.has(child) && !this.touched.has(child)) {
        this.remove(child);
        continue;
      }
      if (lstatSync(this.resolver.host(child)).isDirectory()) this.pruneLower(child);
    }
  }

  /** Clears the way for a new entry at `target`: anything but a directory (which merges) goes. */
  private replace(target: string): void {
    const stats = lstatSync(this.resolver.host(target), { throwIfNoEntry: false });
    if (!stats) return;
    if (stats.isDirectory()) this.remove(target);
    else unlinkSync(this.resolver.host(target));
    this.resolver.forget();
  }

  private remove(relative: string): void {
    if (relative === "") return;
    rmSync(this.resolver.host(relative), { recursive: true, force: true });
    for (const key of this.directories.keys()) {
      if (key === relative || key.startsWith(`${relative}/`)) this.directories.delete(key);
    }
    this.resolver.forget();
  }

  private markCreated(target: string): void {
    this.created.add(target);
    for (
      let parent = path.posix.dirname(target);
      parent !== "." && parent !== "";
      parent = path.posix.dirname(parent)
    ) {
      if (this.touched.has(parent)) break;
      this.touched.add(parent);
    }
  }
}

function depth(relative: string): number {
  return relative.split("/").length;
}
