import type { Readable } from "node:stream";
import type { Descriptor } from "../oci-schemas.js";

/** A manifest or index document with its digest. */
export interface ManifestDocument {
  readonly bytes: Buffer;
  readonly mediaType: string | undefined;
  readonly digest: string;
}

/**
 * Where an image's documents and blobs come from: a registry (through its mirrors), an OCI
 * layout directory, or the cache itself. The install pipeline asks only for what the cache lacks.
 */
export interface ImageReader {
  /** The reference, for messages. */
  readonly reference: string;
  /** The document the reference names (a tag's or a digest's manifest or index). */
  top(signal: AbortSignal | undefined): Promise<ManifestDocument>;
  /** A manifest an index points to. */
  manifest(descriptor: Descriptor, signal: AbortSignal | undefined): Promise<ManifestDocument>;
  /** The content of a blob (layer or config); the caller verifies digest and size while reading. */
  blob(descriptor: Descriptor, signal: AbortSignal | undefined): Promise<Readable>;
}
