import { InternalError, InvalidArgumentError, UnsupportedError } from "@openlattice/core";
import type { BlobStore } from "../cache/blob-store.js";
import { exists } from "../cache/fs-util.js";
import type { ImageRecord, ImageRecords } from "../cache/image-records.js";
import { singleFlight } from "../cache/single-flight.js";
import {
  configSchema,
  type Descriptor,
  documentKind,
  type ImageManifest,
  indexSchema,
  isLayerMediaType,
  manifestSchema,
  runtimeConfig,
} from "../oci-schemas.js";
import { formatPlatform, type Platform, selectManifest } from "../platform.js";
import type { ImageReader, ManifestDocument } from "../sources/image-reader.js";
import { installRootfs } from "./install-rootfs.js";

/** Bytes of one layer as it downloads (`cached` when the cache already had it). */
export interface PullProgress {
  readonly layer: string;
  readonly bytes: number;
  readonly total: number | undefined;
  readonly cached: boolean;
}

/** Limits on what one image may be. */
export interface ImageLimits {
  readonly maxLayerBytes: number;
  readonly maxImageBytes: number;
  readonly maxEntries: number;
}

/** What installing needs from the store. */
export interface InstallContext {
  readonly blobs: BlobStore;
  readonly records: ImageRecords;
  readonly tmpDir: string;
  readonly limits: ImageLimits;
  readonly extractUid: number;
}

/** The outcome: the image's record and whether it was already installed. */
export interface Installed {
  readonly record: ImageRecord;
  /** The digest the reference named (an index, or the manifest itself). */
  readonly topDigest: string;
  readonly alreadyInstalled: boolean;
}

const CONFIG_LIMIT = 4 << 20;
const PARALLEL_DOWNLOADS = 3;

/**
 * Installs the image `top` names: for an index, the manifest of `platform`; its config; every
 * layer the cache lacks (three downloads at a time, each verified, each shared with concurrent
 * pulls of the same blob); then its rootfs, built once per manifest digest.
 */
export async function installDocument(
  context: InstallContext,
  reader: ImageReader,
  top: ManifestDocument,
  platform: Platform,
  signal: AbortSignal | undefined,
  emit: (event: PullProgress) => void,
): Promise<Installed> {
  await context.blobs.putBytes(top.digest, top.bytes);
  let document = top;
  for (let depth = 0; ; depth++) {
    const parsed = parseDocument(document, reader.reference);
    const kind = documentKind(document.mediaType ?? (parsed as { mediaType?: string }).mediaType, parsed);
    if (kind === "manifest") {
      const manifest = checked(() => manifestSchema.parse(parsed), reader.reference, "manifest");
      return installManifest(context, reader, document.digest, manifest, platform, signal, emit, top.digest);
    }
    if (kind === "schema1") {
      throw new UnsupportedError(
        "image-schema1",
        `${reader.reference} is a Docker schema 1 image, which is deprecated and not supported; push it again with a current client`,
        { provider: "local" },
      );
    }
    if (kind !== "index" || depth > 1) {
      throw new InternalError(`${reader.reference}: ${document.digest} is neither an image manifest nor an index`, {
        provider: "local",
      });
    }
    const index = checked(() => indexSchema.parse(parsed), reader.reference, "index");
    const chosen = selectManifest(index, platform, reader.reference);
    document = (await context.blobs.has(chosen.digest))
      ? { bytes: await context.blobs.read(chosen.digest), mediaType: chosen.mediaType, digest: chosen.digest }
      : await reader.manifest(chosen, signal);
    await context.blobs.putBytes(chosen.digest, document.bytes);
  }
}

async function installManifest(
  context: InstallContext,
  reader: ImageReader,
  digest: string,
  manifest: ImageManifest,
  platform: Platform,
  signal: AbortSignal | undefined,
  emit: (event: PullProgress) => void,
  topDigest: string,
): Promise<Installed> {
  const rootfs = context.records.rootfsPath(digest);
  const existing = await context.records.image(digest);
  if (existing && (await exists(rootfs))) return { record: existing, topDigest, alreadyInstalled: true };
  const configBytes = await readConfig(context, reader, manifest.config, signal);
  const config = checked(
    () => configSchema.parse(JSON.parse(configBytes.toString("utf8"))),
    reader.reference,
    "config",
  );
  const diffIds = config.rootfs?.diff_ids;
  if (diffIds && diffIds.length !== manifest.layers.length) {
    throw new InternalError(
      `${reader.reference}: the config lists ${diffIds.length} layers, the manifest ${manifest.layers.length}`,
      { provider: "local" },
    );
  }
  for (const layer of manifest.layers) checkLayer(layer, reader.reference, context.limits);
  await inBatches(manifest.layers, PARALLEL_DOWNLOADS, (layer) => ensureBlob(context, reader, layer, signal, emit));
  await installRootfs(context, {
    digest,
    reference: reader.reference,
    layers: manifest.layers.map((layer, i) => ({
      path: context.blobs.path(layer.digest),
      digest: layer.digest,
      diffId: diffIds?.[i],
    })),
    signal,
  });
  const now = new Date().toISOString();
  const record: ImageRecord = {
    digest,
    references: [reader.reference],
    configDigest: manifest.config.digest,
    layers: manifest.layers.map((layer) => layer.digest),
    config: runtimeConfig(config),
    platform: formatPlatform({
      os: config.os ?? platform.os,
      architecture: config.architecture ?? platform.architecture,
      variant: config.variant,
    }),
    createdAt: now,
    lastUsedAt: now,
  };
  await context.records.putImage(record);
  return { record, topDigest, alreadyInstalled: false };
}

async function readConfig(
  context: InstallContext,
  reader: ImageReader,
  descriptor: Descriptor,
  signal: AbortSignal | undefined,
): Promise<Buffer> {
  if (descriptor.size > CONFIG_LIMIT) {
    throw new InternalError(`${reader.reference}: the image config is ${descriptor.size} bytes, over ${CONFIG_LIMIT}`, {
      provider: "local",
    });
  }
  if (!(await context.blobs.has(descriptor.digest))) {
    await context.blobs.ingest(await reader.blob(descriptor, signal), {
      digest: descriptor.digest,
      size: descriptor.size,
      what: `${reader.reference}: config ${descriptor.digest}`,
      signal,
    });
  }
  return context.blobs.read(descriptor.digest);
}

/** Downloads one layer unless the cache has it; concurrent pulls of the same blob share one download. */
async function ensureBlob(
  context: InstallContext,
  reader: ImageReader,
  layer: Descriptor,
  signal: AbortSignal | undefined,
  emit: (event: PullProgress) => void,
): Promise<void> {
  if (await context.blobs.has(layer.digest)) {
    emit({ layer: layer.digest, bytes: layer.size, total: layer.size, cached: true });
    return;
  }
  await singleFlight<void, PullProgress>(
    `blob\n${context.blobs.dir}\n${layer.digest}`,
    async (shared, share) => {
      if (await context.blobs.has(layer.digest)) return;
      const body = await reader.blob(layer, shared);
      await context.blobs.ingest(
        body,
        { digest: layer.digest, size: layer.size, what: `${reader.reference}: layer ${layer.digest}`, signal: shared },
        (bytes) => share({ layer: layer.digest, bytes, total: layer.size, cached: false }),
      );
    },
    { signal, onEvent: emit },
  );
}

function checkLayer(layer: Descriptor, reference: string, limits: ImageLimits): void {
  if (!isLayerMediaType(layer.mediaType)) {
    throw new UnsupportedError(
      "image-layer",
      `${reference}: layer ${layer.digest} has media type ${layer.mediaType}, which is not a tar layer`,
      {
        provider: "local",
      },
    );
  }
  if (layer.size > limits.maxLayerBytes) {
    throw new InvalidArgumentError(
      "runtime.image",
      `${reference}: layer ${layer.digest} is ${layer.size} bytes, over the ${limits.maxLayerBytes}-byte limit (maxLayerBytes)`,
      { provider: "local" },
    );
  }
}

function parseDocument(document: ManifestDocument, reference: string): unknown {
  try {
    return JSON.parse(document.bytes.toString("utf8"));
  } catch (error) {
    throw new InternalError(`${reference}: ${document.digest} is not JSON`, { provider: "local", cause: error });
  }
}

function checked<T>(parse: () => T, reference: string, what: string): T {
  try {
    return parse();
  } catch (error) {
    throw new InternalError(`${reference}: malformed ${what}: ${(error as Error).message}`, {
      provider: "local",
      cause: error,
    });
  }
}

/**
 * Runs `work` over `items`, `width` at a time. After a failure no new item starts, and the call
 * settles only when the running ones have (so no download is still writing when it rejects).
 */
async function inBatches<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lanes = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length && !failure) {
      try {
        await work(items[next++] as T);
      } catch (error) {
        failure ??= { error };
      }
    }
  });
  await Promise.all(lanes);
  if (failure) throw failure.error;
}
