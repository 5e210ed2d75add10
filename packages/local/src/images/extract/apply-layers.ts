import { createHash } from "node:crypto";
import { createReadStream, read } from "node:fs";
import { Transform } from "node:stream";
import { promisify } from "node:util";
import { createDecompressor, sniffCompression } from "./decompress.js";
import { type ApplyLimits, type ApplyStats, LayerApplier } from "./layer-apply.js";
import { LayerError } from "./scoped-path.js";

/** One layer blob to apply, open as a file descriptor. */
export interface LayerInput {
  readonly fd: number;
  /** The blob's digest, for messages. */
  readonly digest: string;
  /** `sha256:` of the uncompressed tar (the config's `rootfs.diff_ids`), checked when given. */
  readonly diffId?: string | undefined;
}

/** A job for the extraction worker. */
export interface ExtractJob {
  readonly layers: readonly LayerInput[];
  readonly limits: ApplyLimits;
}

const readAt = promisify(read);

/**
 * Applies `layers` in order to `root` (see `LayerApplier`), decompressing each by its magic
 * bytes and checking its uncompressed digest against the image config. Throws `LayerError` for
 * anything wrong with the content.
 */
export async function applyLayers(root: string, job: ExtractJob): Promise<ApplyStats> {
  const applier = new LayerApplier(root, job.limits);
  for (const layer of job.layers) {
    const head = Buffer.alloc(4);
    const { bytesRead } = await readAt(layer.fd, head, 0, 4, 0);
    const decompressor = createDecompressor(sniffCompression(head.subarray(0, bytesRead)));
    const hash = createHash("sha256");
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    // Large reads: each chunk is a thread-pool round trip, and the worker has nothing else to do.
    const source = createReadStream("", { fd: layer.fd, start: 0, autoClose: false, highWaterMark: 1 << 20 });
    const fail = (error: Error) => hashing.destroy(new LayerError(`layer ${layer.digest}: ${error.message}`));
    source.on("error", fail);
    decompressor.on("error", fail);
    source.pipe(decompressor).pipe(hashing);
    try {
      await applier.apply(hashing);
    } catch (error) {
      source.destroy();
      decompressor.destroy();
      if (error instanceof LayerError && !error.message.startsWith("layer ")) {
        throw new LayerError(`layer ${layer.digest}: ${error.message}`);
      }
      throw error;
    }
    // The tar may end before the compressed stream does (padding): drain what is left so the digest covers it all.
    await new Promise<void>((resolve, reject) => {
      if (hashing.readableEnded || hashing.destroyed) return resolve();
      hashing.on("end", resolve);
      hashing.on("error", reject);
      hashing.resume();
    });
    const diffId = `sha256:${hash.digest("hex")}`;
    if (layer.diffId && diffId !== layer.diffId) {
      throw new LayerError(`layer ${layer.digest} unpacks to ${diffId}, but the image config says ${layer.diffId}`);
    }
  }
  applier.finish();
  return applier.stats;
}
