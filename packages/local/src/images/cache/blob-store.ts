import { createHash } from "node:crypto";
import { access, open, readdir, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { InternalError, isSandboxError } from "@openlattice/core";
import { temporaryPath } from "./fs-util.js";

/** Called as bytes of one blob arrive. */
export type BytesListener = (bytes: number) => void;

/**
 * Content-addressed blobs (`blobs/sha256/<hex>`): layers, configs, manifests and indexes, each
 * stored once whatever number of images use it. A blob becomes visible only whole and verified:
 * it is written to a temporary file while its sha256 is computed, checked against the expected
 * digest and size, synced, then renamed into place. A mismatch or a broken stream removes the
 * partial file.
 */
export class BlobStore {
  readonly dir: string;

  constructor(
    root: string,
    private readonly tmpDir: string,
  ) {
    this.dir = path.join(root, "blobs", "sha256");
  }

  path(digest: string): string {
    return path.join(this.dir, hexOf(digest));
  }

  async has(digest: string): Promise<boolean> {
    return access(this.path(digest)).then(
      () => true,
      () => false,
    );
  }

  async read(digest: string): Promise<Buffer> {
    return readFile(this.path(digest));
  }

  async remove(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((name) => /^[a-f0-9]{64}$/.test(name)).map((name) => `sha256:${name}`);
  }

  /** Stores bytes already in memory (a manifest), verifying them against `digest`. */
  async putBytes(digest: string, bytes: Buffer): Promise<void> {
    const actual = sha256(bytes);
    if (actual !== digest) {
      throw new InternalError(`blob ${digest}: the content's digest is ${actual}`, { provider: "local" });
    }
    if (await this.has(digest)) return;
    const temporary = temporaryPath(this.tmpDir, "blob");
    const handle = await open(temporary, "wx", 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.path(digest));
  }

  /**
   * Streams `body` into the store. `expected` is the digest it must have (or undefined to store
   * it under whatever digest it has, for local tarballs); `size` the exact length, when known.
   * Returns the digest. Fails `internal` on a digest or size mismatch, with the partial file
   * gone; a broken stream's own (typed) error is rethrown after the same cleanup.
   */
  async ingest(
    body: Readable,
    expected: {
      digest?: string | undefined;
      size?: number | undefined;
      what: string;
      signal?: AbortSignal | undefined;
    },
    onBytes?: BytesListener,
  ): Promise<string> {
    const temporary = temporaryPath(this.tmpDir, "blob");
    const hash = createHash("sha256");
    let received = 0;
    const handle = await open(temporary, "wx", 0o600);
    try {
      for await (const chunk of body) {
        const buffer = chunk as Buffer;
        received += buffer.length;
        if (expected.size !== undefined && received > expected.size) {
          body.destroy();
          throw new InternalError(`${expected.what}: more than the ${expected.size} bytes its descriptor declares`, {
            provider: "local",
          });
        }
        hash.update(buffer);
        await handle.write(buffer);
        onBytes?.(received);
      }
      if (expected.size !== undefined && received !== expected.size) {
        throw new InternalError(
          `${expected.what}: ${received} bytes arrived, the descriptor declares ${expected.size}`,
          {
            provider: "local",
          },
        );
      }
      const digest = `sha256:${hash.digest("hex")}`;
      if (expected.digest !== undefined && digest !== expected.digest) {
        throw new InternalError(
          `${expected.what}: corrupt download, its sha256 is ${digest}; the partial download was removed`,
          { provider: "local", details: { expected: expected.digest, actual: digest } },
        );
      }
      await handle.sync();
      await handle.close();
      await rename(temporary, this.path(digest));
      return digest;
    } catch (error) {
      await handle.close().catch(() => {});
      await rm(temporary, { force: true });
      if (expected.signal?.aborted) throw expected.signal.reason;
      if (isSandboxError(error)) throw error;
      throw new InternalError(`${expected.what}: ${(error as Error)?.message ?? String(error)}`, {
        provider: "local",
        cause: error,
      });
    }
  }
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

function hexOf(digest: string): string {
  const match = /^sha256:([a-f0-9]{64})$/.exec(digest);
  if (!match) throw new InternalError(`not a sha256 digest: ${digest}`, { provider: "local" });
  return match[1] as string;
}
