import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { InternalError, InvalidArgumentError, NotFoundError } from "@openlattice/core";
import { sha256 } from "../cache/blob-store.js";
import { type Descriptor, type ImageIndex, indexSchema } from "../oci-schemas.js";
import type { ImageReader, ManifestDocument } from "./image-reader.js";

const REF_NAME = "org.opencontainers.image.ref.name";
const DOCUMENT_LIMIT = 4 << 20;

/**
 * Reads an image from an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`), the
 * format `skopeo copy … oci:<dir>:<tag>` and `umoci` write. `tag` picks the `index.json` entry
 * whose `org.opencontainers.image.ref.name` matches; without one, the layout must hold exactly
 * one image. Blobs are read from `blobDir(digest)`, so the same reader serves a layout directory
 * and an archive already ingested into the cache.
 */
export class LayoutReader implements ImageReader {
  constructor(
    readonly reference: string,
    private readonly index: ImageIndex,
    private readonly tag: string | undefined,
    private readonly blobPath: (digest: string) => string,
  ) {}

  /** A reader for a layout directory; throws typed errors for a missing or malformed layout. */
  static async open(reference: string, dir: string, tag: string | undefined): Promise<LayoutReader> {
    let text: string;
    try {
      text = await readFile(path.join(dir, "index.json"), "utf8");
    } catch (error) {
      throw new InvalidArgumentError(
        "runtime.image",
        `${reference}: ${dir} is not an OCI image layout (no index.json)`,
        {
          provider: "local",
          cause: error,
        },
      );
    }
    return new LayoutReader(reference, parseLayoutIndex(reference, text), tag, (digest) =>
      path.join(dir, "blobs", "sha256", digest.replace(/^sha256:/, "")),
    );
  }

  async top(): Promise<ManifestDocument> {
    return this.read(this.selectTop());
  }

  async manifest(descriptor: Descriptor): Promise<ManifestDocument> {
    return this.read(descriptor);
  }

  async blob(descriptor: Descriptor): Promise<Readable> {
    return createReadStream(this.blobPath(descriptor.digest));
  }

  private selectTop(): Descriptor {
    const entries = this.index.manifests;
    if (this.tag !== undefined) {
      const found = entries.find((entry) => entry.annotations?.[REF_NAME] === this.tag);
      if (!found) {
        const tags = entries.map((entry) => entry.annotations?.[REF_NAME]).filter(Boolean);
        throw new NotFoundError(
          `image ${this.reference} not found: the layout has the tags ${tags.join(", ") || "(none)"}`,
          {
            provider: "local",
            details: { reference: this.reference },
          },
        );
      }
      return found;
    }
    if (entries.length !== 1 || !entries[0]) {
      throw new InvalidArgumentError(
        "runtime.image",
        `${this.reference}: the layout holds ${entries.length} images; name one with :<tag>`,
        { provider: "local" },
      );
    }
    return entries[0];
  }

  private async read(descriptor: Descriptor): Promise<ManifestDocument> {
    if (descriptor.size > DOCUMENT_LIMIT) {
      throw new InternalError(`${this.reference}: manifest ${descriptor.digest} is over ${DOCUMENT_LIMIT} bytes`, {
        provider: "local",
      });
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(this.blobPath(descriptor.digest));
    } catch (error) {
      throw new NotFoundError(`${this.reference}: blob ${descriptor.digest} is missing from the layout`, {
        provider: "local",
        cause: error,
      });
    }
    const digest = sha256(bytes);
    if (digest !== descriptor.digest) {
      throw new InternalError(`${this.reference}: blob ${descriptor.digest} is corrupt (its sha256 is ${digest})`, {
        provider: "local",
      });
    }
    return { bytes, mediaType: descriptor.mediaType, digest };
  }
}

export function parseLayoutIndex(reference: string, text: string): ImageIndex {
  try {
    return indexSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new InvalidArgumentError("runtime.image", `${reference}: index.json is not a valid OCI index`, {
      provider: "local",
      cause: error,
    });
  }
}
