import { createReadStream, realpathSync } from "node:fs";
import { stat } from "node:fs/promises";
import { InvalidArgumentError } from "@openlattice/core";
import type { ImageRecord } from "./cache/image-records.js";
import { singleFlight } from "./cache/single-flight.js";
import { resolveImageRoot } from "./image-roots.js";
import { EMPTY_CONFIG, type ResolvedImage, type ResolveOptions } from "./image-store-options.js";
import { formatPlatform, type Platform } from "./platform.js";
import { type InstallContext, type Installed, installDocument, type PullProgress } from "./pull/install-image.js";
import { installRootfs } from "./pull/install-rootfs.js";
import type { ImageSource } from "./reference.js";
import { ingestArchive } from "./sources/archive-reader.js";
import { LayoutReader } from "./sources/layout-reader.js";

/** What resolving a host-path image needs from its `ImageStore`. */
export interface LocalImageContext {
  readonly context: InstallContext;
  readonly imageRoots: readonly string[];
  readonly platform: Platform;
  remember(reference: string, installed: Installed, platformKey: string | undefined): Promise<void>;
  serve(record: ImageRecord, reference: string): Promise<ResolvedImage>;
  result(record: ImageRecord, cached: boolean): ResolvedImage;
}

type HostPathSource = Extract<ImageSource, { kind: "tar" | "oci" | "oci-archive" }>;

/**
 * Resolves the operator-rooted host-path images: `tar:` (a rootfs tarball, unpacked with the
 * same safe layer code as registry layers), `oci:` (a layout directory, re-read on every
 * resolve, so a retagged layout is seen) and `oci-archive:` (read once per file version). The
 * path must lie under an image root (`resolveImageRoot`).
 */
export async function resolveLocalImage(
  local: LocalImageContext,
  source: HostPathSource,
  options: ResolveOptions,
): Promise<ResolvedImage> {
  const match = resolveImageRoot(source.path, local.imageRoots, { realpath: realpathSync.native });
  const stats = await stat(match.path);
  const platform = options.platform ?? local.platform;
  const platformKey = formatPlatform(platform);
  const wantDir = source.kind === "oci";
  if (wantDir !== stats.isDirectory() || (!wantDir && !stats.isFile())) {
    throw new InvalidArgumentError(
      "runtime.image",
      `${JSON.stringify(source.path)} is not a ${wantDir ? "directory" : "file"}`,
      { provider: "local" },
    );
  }
  const tag = source.kind === "tar" ? undefined : source.tag;
  const reference = `${source.kind}:${match.path}${tag ? `:${tag}` : ""}`;
  // Files are identified by path, size and mtime: a replaced tarball is read again.
  const version = `${reference}\0${stats.size}\0${stats.mtimeMs}`;
  const { context } = local;
  if (source.kind !== "oci") {
    const known = await context.records.ref(version);
    const digest = known?.platforms[source.kind === "tar" ? "any" : platformKey];
    const record = digest ? await context.records.image(digest) : undefined;
    if (record) return local.serve(record, reference);
  }
  const installed = await singleFlight<Installed, PullProgress>(
    `local\n${context.tmpDir}\n${version}\n${platformKey}`,
    async (signal, emit) => {
      let result: Installed;
      if (source.kind === "tar") {
        result = await installTarball(context, match.path, reference, signal);
        await local.remember(version, result, "any");
      } else {
        const reader =
          source.kind === "oci"
            ? await LayoutReader.open(reference, match.path, tag)
            : await ingestArchive(match.path, reference, tag, context.blobs, signal);
        result = await installDocument(context, reader, await reader.top(), platform, signal, emit);
        if (source.kind === "oci-archive") await local.remember(version, result, platformKey);
      }
      await local.remember(reference, result, source.kind === "tar" ? "any" : platformKey);
      return result;
    },
    { signal: options.signal, onEvent: options.onProgress },
  );
  return local.result(installed.record, installed.alreadyInstalled);
}

/** A rootfs tarball is a one-layer image without a config. */
async function installTarball(
  context: InstallContext,
  file: string,
  reference: string,
  signal: AbortSignal | undefined,
): Promise<Installed> {
  const digest = await context.blobs.ingest(createReadStream(file), { what: reference, signal });
  const existing = await context.records.image(digest);
  if (existing) return { record: existing, topDigest: digest, alreadyInstalled: true };
  await installRootfs(context, {
    digest,
    reference,
    layers: [{ path: context.blobs.path(digest), digest }],
    signal,
  });
  const now = new Date().toISOString();
  const record: ImageRecord = {
    digest,
    references: [reference],
    configDigest: undefined,
    layers: [digest],
    config: EMPTY_CONFIG,
    platform: undefined,
    createdAt: now,
    lastUsedAt: now,
  };
  await context.records.putImage(record);
  return { record, topDigest: digest, alreadyInstalled: false };
}
