import { realpathSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { hasErrorCode, InvalidArgumentError, NotFoundError } from "@openlattice/core";
import { BlobStore } from "./cache/blob-store.js";
import { ensurePrivateDir, exists, removeStaleTemporaries } from "./cache/fs-util.js";
import { type ImageRecord, ImageRecords } from "./cache/image-records.js";
import { singleFlight } from "./cache/single-flight.js";
import { checkImageRoots, resolveImageRoot } from "./image-roots.js";
import {
  type CachedImage,
  EMPTY_CONFIG,
  type ImageStoreOptions,
  type PruneImagesOptions,
  type PruneImagesResult,
  type PullPolicy,
  type ResolvedImage,
  type ResolveOptions,
} from "./image-store-options.js";
import { type LocalImageContext, resolveLocalImage } from "./local-images.js";
import { formatPlatform, hostPlatform, type Platform } from "./platform.js";
import { pruneCache } from "./prune.js";
import { type InstallContext, type Installed, installDocument, type PullProgress } from "./pull/install-image.js";
import { parseImageReference, type RegistryReference } from "./reference.js";
import { dockerConfigCredentials } from "./registry/docker-config.js";
import { RegistryClient } from "./registry/registry-client.js";
import { RegistryReader } from "./sources/registry-reader.js";

const GiB = 1024 ** 3;

/**
 * The local provider's image machinery: turns a `runtime.image` into a read-only root
 * filesystem on this machine. Registry images are pulled through the OCI distribution API
 * (token auth, Docker credentials, mirrors), layers are stored once by digest and shared, and
 * each image's rootfs is unpacked once per manifest digest. Everything lives under
 * `<stateDir>/images` (0700); every file there appears whole or not at all.
 *
 * Concurrent `resolve`s of the same image in one process share one pull. Separate processes
 * sharing a state directory stay consistent (atomic renames) but may download twice.
 */
export class ImageStore {
  readonly root: string;
  private readonly blobs: BlobStore;
  private readonly records: ImageRecords;
  private readonly tmpDir: string;
  private readonly imageRoots: readonly string[];
  private readonly client: RegistryClient;
  private readonly platform: Platform;
  private readonly pull: PullPolicy;
  private readonly context: InstallContext;
  private ready: Promise<void> | undefined;
  private readonly active = new Set<Promise<unknown>>();
  private pruning: Promise<unknown> | undefined;

  constructor(options: ImageStoreOptions) {
    this.root = path.join(path.resolve(options.stateDir), "images");
    this.tmpDir = path.join(this.root, "tmp");
    this.blobs = new BlobStore(this.root, this.tmpDir);
    this.records = new ImageRecords(this.root);
    this.imageRoots = checkImageRoots(options.imageRoots);
    this.platform = options.platform ?? hostPlatform();
    this.pull = options.pull ?? "missing";
    this.client = new RegistryClient({
      credentials: options.credentials ?? dockerConfigCredentials({ configDir: options.dockerConfigDir }),
      insecureRegistries: options.insecureRegistries,
      mirrors: options.mirrors,
      deadlines: { requestTimeoutMs: options.requestTimeoutMs, idleTimeoutMs: options.idleTimeoutMs },
    });
    this.context = {
      blobs: this.blobs,
      records: this.records,
      tmpDir: this.tmpDir,
      extractUid: options.extractUid ?? 65534,
      limits: {
        maxLayerBytes: options.maxLayerBytes ?? 16 * GiB,
        maxImageBytes: options.maxImageBytes ?? 64 * GiB,
        maxEntries: options.maxEntries ?? 2_000_000,
      },
    };
  }

  /**
   * Resolves `image` (a `runtime.image` value) to a root filesystem, pulling and unpacking what
   * the cache lacks. Typed errors: a bad reference `invalid_argument` on `runtime.image`, an
   * unknown image or tag `not_found` naming it, refused credentials `authentication`, a registry
   * that does not answer `unavailable` (retryable; a tag pulled before is then served from the
   * cache), a corrupt download `internal` (the partial file removed).
   */
  async resolve(image: string | undefined, options: ResolveOptions = {}): Promise<ResolvedImage> {
    const source = parseImageReference(image);
    if (source.kind === "host") {
      return {
        kind: "host",
        reference: "host",
        digest: undefined,
        rootfsDir: undefined,
        config: EMPTY_CONFIG,
        platform: undefined,
        cached: true,
      };
    }
    if (source.kind === "dir") return this.resolveDir(source.path);
    await this.prepare();
    while (this.pruning) await this.pruning.catch(() => {});
    const job =
      source.kind === "registry"
        ? this.resolveRegistry(source, options)
        : resolveLocalImage(this.localContext(), source, options);
    this.active.add(job);
    try {
      return await job;
    } finally {
      this.active.delete(job);
    }
  }

  /** The installed images, most recently used first. */
  async list(): Promise<CachedImage[]> {
    await this.prepare();
    const images = await this.records.images();
    return images
      .sort((a, b) => b.lastUsedAt.localeCompare(a.lastUsedAt))
      .map((record) => ({
        digest: record.digest,
        references: record.references,
        platform: record.platform,
        rootfsDir: this.records.rootfsPath(record.digest),
        createdAt: record.createdAt,
        lastUsedAt: record.lastUsedAt,
      }));
  }

  /**
   * Removes all but the `keepLast` most recently used images (and those in `keep`), then every
   * blob no remaining image or reference needs. Waits for this store's running pulls first and
   * holds new ones until it is done.
   */
  async prune(options: PruneImagesOptions): Promise<PruneImagesResult> {
    if (!Number.isInteger(options?.keepLast) || options.keepLast < 0) {
      throw new InvalidArgumentError("keepLast", "must be a whole number of images, 0 or more", { provider: "local" });
    }
    await this.prepare();
    while (this.pruning) await this.pruning.catch(() => {});
    const run = (async () => {
      await Promise.allSettled([...this.active]);
      return pruneCache(this.blobs, this.records, this.tmpDir, options);
    })();
    this.pruning = run;
    try {
      return await run;
    } finally {
      this.pruning = undefined;
    }
  }

  private resolveDir(imagePath: string): ResolvedImage {
    const match = resolveImageRoot(imagePath, this.imageRoots, { realpath: realpathSync.native });
    if (!statSync(match.path).isDirectory()) {
      throw new InvalidArgumentError("runtime.image", `${JSON.stringify(imagePath)} is not a directory`, {
        provider: "local",
      });
    }
    return {
      kind: "dir",
      reference: `dir:${match.path}`,
      digest: undefined,
      rootfsDir: match.path,
      config: EMPTY_CONFIG,
      platform: undefined,
      cached: true,
    };
  }

  private async resolveRegistry(ref: RegistryReference, options: ResolveOptions): Promise<ResolvedImage> {
    const platform = options.platform ?? this.platform;
    const platformKey = formatPlatform(platform);
    const policy = options.pull ?? this.pull;
    const cached = await this.cachedImage(ref, platformKey);
    if (cached && policy !== "always") return this.serve(cached, ref.canonical);
    if (policy === "never") {
      throw new NotFoundError(`image ${ref.canonical} is not in the image cache, and the pull policy is "never"`, {
        provider: "local",
        details: { reference: ref.canonical },
      });
    }
    const outcome = await singleFlight<Installed | { offline: unknown }, PullProgress>(
      `pull\n${this.root}\n${ref.canonical}\n${platformKey}`,
      async (signal, emit) => {
        try {
          const reader = new RegistryReader(this.client, ref);
          const top =
            ref.digest && (await this.blobs.has(ref.digest))
              ? { bytes: await this.blobs.read(ref.digest), mediaType: undefined, digest: ref.digest }
              : await reader.top(signal);
          const result = await installDocument(this.context, reader, top, platform, signal, emit);
          await this.remember(ref.canonical, result, platformKey);
          return result;
        } catch (error) {
          if (hasErrorCode(error, "unavailable")) return { offline: error };
          throw error;
        }
      },
      { signal: options.signal, onEvent: options.onProgress },
    );
    if ("offline" in outcome) {
      // Offline: a tag pulled before keeps working while its registry is unreachable.
      if (cached) return this.serve(cached, ref.canonical);
      throw outcome.offline;
    }
    return this.result(outcome.record, outcome.alreadyInstalled);
  }

  private async cachedImage(ref: RegistryReference, platformKey: string): Promise<ImageRecord | undefined> {
    const direct = ref.digest ? await this.records.image(ref.digest) : undefined;
    const digest = direct?.digest ?? (await this.records.ref(ref.canonical))?.platforms[platformKey];
    const record = direct ?? (digest ? await this.records.image(digest) : undefined);
    if (!record || !(await exists(this.records.rootfsPath(record.digest)))) return undefined;
    return record;
  }

  /** Records that `reference` resolved to `installed`, for offline use and `list()`. */
  private async remember(reference: string, installed: Installed, platformKey: string | undefined): Promise<void> {
    const previous = await this.records.ref(reference);
    const platforms = { ...(previous?.digest === installed.topDigest ? previous.platforms : {}) };
    if (platformKey) platforms[platformKey] = installed.record.digest;
    await this.records.putRef({
      reference,
      digest: installed.topDigest,
      platforms,
      resolvedAt: new Date().toISOString(),
    });
    await this.touch(installed.record, reference);
  }

  private async serve(record: ImageRecord, reference: string): Promise<ResolvedImage> {
    const touched = await this.touch(record, reference);
    return this.result(touched, true);
  }

  private async touch(record: ImageRecord, reference: string): Promise<ImageRecord> {
    const references = [...record.references.filter((entry) => entry !== reference), reference];
    const updated = { ...record, references, lastUsedAt: new Date().toISOString() };
    const sameReferences = references.length === record.references.length && references.at(-1) === reference;
    await this.records.putImage(updated, !sameReferences);
    return updated;
  }

  private result(record: ImageRecord, cached: boolean): ResolvedImage {
    return {
      kind: "image",
      reference: record.references[record.references.length - 1] ?? record.digest,
      digest: record.digest,
      rootfsDir: this.records.rootfsPath(record.digest),
      config: record.config,
      platform: record.platform,
      cached,
    };
  }

  private localContext(): LocalImageContext {
    return {
      context: this.context,
      imageRoots: this.imageRoots,
      platform: this.platform,
      remember: (reference: string, installed: Installed, platformKey: string | undefined) =>
        this.remember(reference, installed, platformKey),
      serve: (record: ImageRecord, reference: string) => this.serve(record, reference),
      result: (record: ImageRecord, cached: boolean) => this.result(record, cached),
    };
  }

  private prepare(): Promise<void> {
    this.ready ??= (async () => {
      // The state directory keeps whatever mode its owner gave it; only the cache is private.
      await mkdir(path.dirname(this.root), { recursive: true });
      await ensurePrivateDir(this.root);
      for (const dir of [
        this.blobs.dir,
        this.records.metaDir,
        this.records.rootfsDir,
        this.records.refsDir,
        this.tmpDir,
      ]) {
        await ensurePrivateDir(dir);
      }
      await removeStaleTemporaries(this.tmpDir);
    })();
    this.ready.catch(() => {
      this.ready = undefined;
    });
    return this.ready;
  }
}
