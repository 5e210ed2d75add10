import { PassThrough, Transform } from "node:stream";
import zlib from "node:zlib";
import { Decompress } from "fzstd";

/** Compression of a layer blob, told by its first bytes (media types are hints, magic is truth). */
export type LayerCompression = "gzip" | "zstd" | "none";

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** Recognizes gzip and zstd frames; anything else is taken as a plain tar stream. */
export function sniffCompression(head: Uint8Array): LayerCompression {
  if (GZIP_MAGIC.every((byte, i) => head[i] === byte)) return "gzip";
  if (ZSTD_MAGIC.every((byte, i) => head[i] === byte)) return "zstd";
  return "none";
}

type ZlibWithZstd = typeof zlib & { createZstdDecompress?: () => Transform };

/**
 * A decompressing stream for `compression`. zstd uses Node's own `zlib.createZstdDecompress`
 * where it exists (Node ≥ 22.15) and the pure-JS `fzstd` otherwise (Node 20 has no zstd).
 */
export function createDecompressor(compression: LayerCompression): Transform {
  if (compression === "gzip") return zlib.createGunzip({ chunkSize: 256 << 10 });
  if (compression === "none") return new PassThrough();
  const native = (zlib as ZlibWithZstd).createZstdDecompress;
  if (typeof native === "function") return native();
  return fzstdTransform();
}

/** fzstd's push-style decompressor as a Node transform; its output blocks are copied (fzstd reuses its window). */
function fzstdTransform(): Transform {
  let stream: Transform;
  const decoder = new Decompress((chunk) => {
    if (chunk.length > 0) stream.push(Buffer.from(chunk));
  });
  stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        decoder.push(chunk, false);
        callback();
      } catch (error) {
        callback(asError(error));
      }
    },
    flush(callback) {
      try {
        decoder.push(new Uint8Array(0), true);
        callback();
      } catch (error) {
        callback(asError(error));
      }
    },
  });
  return stream;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(`zstd: ${String(error)}`);
}
