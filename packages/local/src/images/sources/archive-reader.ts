import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { InvalidArgumentError, isSandboxError } from "@openlattice/core";
import tar from "tar-stream";
import type { BlobStore } from "../cache/blob-store.js";
import { cleanLayerPath } from "../extract/scoped-path.js";
import { LayoutReader, parseLayoutIndex } from "./layout-reader.js";

const BLOB_ENTRY = /^blobs\/sha256\/([a-f0-9]{64})$/;
const INDEX_LIMIT = 4 << 20;

/**
 * Reads an `oci-archive:` file (a tar of an OCI layout) in one pass: each `blobs/sha256/<hex>`
 * entry is verified and stored in the cache under its digest (blobs the cache has are skipped),
 * `index.json` is kept; nothing else in the archive is written anywhere. Returns a reader over
 * the cache for the archive's images.
 */
export async function ingestArchive(
  file: string,
  reference: string,
  tag: string | undefined,
  blobs: BlobStore,
  signal: AbortSignal | undefined,
): Promise<LayoutReader> {
  const extract = tar.extract();
  const source = createReadStream(file);
  source.on("error", (error) => extract.destroy(error));
  const onAbort = () => source.destroy(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  source.pipe(extract);
  let indexText: string | undefined;
  try {
    for await (const entry of extract) {
      const body = entry as unknown as Readable;
      const name = cleanLayerPath(entry.header.name);
      const blob = BLOB_ENTRY.exec(name);
      if (entry.header.type === "file" && blob) {
        const digest = `sha256:${blob[1]}`;
        if (await blobs.has(digest)) body.resume();
        else
          await blobs.ingest(body, { digest, size: entry.header.size, what: `${reference}: blob ${digest}`, signal });
      } else if (entry.header.type === "file" && name === "index.json") {
        indexText = await readSmall(body, reference);
      } else {
        body.resume();
      }
    }
  } catch (error) {
    source.destroy();
    if (signal?.aborted) throw signal.reason;
    if (isSandboxError(error)) throw error;
    throw new InvalidArgumentError(
      "runtime.image",
      `${reference}: cannot read the archive: ${(error as Error).message}`,
      {
        provider: "local",
        cause: error,
      },
    );
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  if (indexText === undefined) {
    throw new InvalidArgumentError(
      "runtime.image",
      `${reference}: the archive has no index.json (not an OCI archive)`,
      {
        provider: "local",
      },
    );
  }
  return new LayoutReader(reference, parseLayoutIndex(reference, indexText), tag, (digest) => blobs.path(digest));
}

async function readSmall(body: Readable, reference: string): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total > INDEX_LIMIT) {
      throw new InvalidArgumentError("runtime.image", `${reference}: index.json is over ${INDEX_LIMIT} bytes`, {
        provider: "local",
      });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
