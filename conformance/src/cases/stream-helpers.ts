import { createHash } from "node:crypto";
import type { FileStreamsExtension } from "@openlattice/core";
import { pseudoRandomBytes } from "./case-helpers.js";

/** Bytes per chunk the streamed-file case writes. */
export const STREAM_CHUNK = 1024 * 1024;

/**
 * Chunk `index` of a streamed test file: a fixed pseudo-random block whose first 8 bytes are the
 * index and its complement, so a chunk written twice, out of order or dropped changes the hash
 * and the header the sandbox reads back.
 */
export function streamChunk(block: Uint8Array, index: number, length: number): Uint8Array {
  const chunk = new Uint8Array(length);
  chunk.set(block.subarray(0, length));
  if (length >= 8) {
    const view = new DataView(chunk.buffer);
    view.setUint32(0, index);
    view.setUint32(4, ~index >>> 0);
  }
  return chunk;
}

/** The pseudo-random block every chunk starts from. */
export function streamBlock(): Uint8Array {
  return pseudoRandomBytes(STREAM_CHUNK, 0x5eed5);
}

/**
 * The largest resident set size seen while it runs, sampled every 20 ms (and at each `sample`):
 * how much memory the suite's own process (and an in-process provider) needed.
 */
export class PeakMemory {
  readonly baseline = process.memoryUsage.rss();
  private peak = this.baseline;
  private readonly timer = setInterval(() => this.sample(), 20);

  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }

  /** Stops sampling; the growth over the baseline, in bytes. */
  stop(): number {
    this.sample();
    clearInterval(this.timer);
    return this.peak - this.baseline;
  }
}

/** Writes `size` bytes of stream chunks to `path` with backpressure; resolves with their sha256 and the last progress value. */
export async function writeStreamed(
  streams: FileStreamsExtension,
  path: string,
  size: number,
  memory?: PeakMemory,
): Promise<{ sha256: string; progress: number }> {
  const block = streamBlock();
  const hash = createHash("sha256");
  let progress = 0;
  const writable = await streams.writeStream(path, { onProgress: (bytes) => (progress = bytes) });
  const writer = writable.getWriter();
  let failed: unknown;
  for (let offset = 0, index = 0; offset < size; offset += STREAM_CHUNK, index++) {
    const chunk = streamChunk(block, index, Math.min(STREAM_CHUNK, size - offset));
    hash.update(chunk);
    // Waiting for `ready` keeps at most the stream's high-water mark queued: the suite itself
    // never holds the file, so any growth in memory is the provider's.
    await writer.ready;
    writer.write(chunk).catch((error: unknown) => {
      failed ??= error;
    });
    memory?.sample();
  }
  await writer.close();
  if (failed !== undefined) throw failed;
  return { sha256: hash.digest("hex"), progress };
}

/** Reads a whole stream; resolves with its sha256 and length. */
export async function hashStream(
  stream: ReadableStream<Uint8Array>,
  memory?: PeakMemory,
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
    bytes += value.byteLength;
    memory?.sample();
  }
  return { sha256: hash.digest("hex"), bytes };
}

/** Reads a whole stream into one array (for small ranges). */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Writes `data` through `writeStream` in one chunk and closes it. */
export async function writeSmall(
  streams: FileStreamsExtension,
  path: string,
  data: Uint8Array | string,
  mode?: number,
): Promise<void> {
  const writable = await streams.writeStream(path, mode === undefined ? {} : { mode });
  const writer = writable.getWriter();
  await writer.write(typeof data === "string" ? new TextEncoder().encode(data) : data);
  await writer.close();
}
