import { stat } from "node:fs/promises";
import type { BlobStore } from "./cache/blob-store.js";
import { removeTree } from "./cache/fs-util.js";
import type { ImageRecords } from "./cache/image-records.js";
import type { PruneImagesOptions, PruneImagesResult } from "./image-store-options.js";

/**
 * Keeps the `keepLast` most recently used images and those named in `keep` (by digest or
 * reference); removes the others (record first, so a removed image is never half-visible,
 * then its rootfs), drops references to them, and deletes every blob that no kept image or
 * reference needs. The caller makes sure no pull of its own runs meanwhile.
 */
export async function pruneCache(
  blobs: BlobStore,
  records: ImageRecords,
  tmpDir: string,
  options: PruneImagesOptions,
): Promise<PruneImagesResult> {
  const pinned = new Set(options.keep ?? []);
  const images = (await records.images()).sort((a, b) => b.lastUsedAt.localeCompare(a.lastUsedAt));
  const kept = images.filter(
    (image, rank) =>
      rank < options.keepLast ||
      pinned.has(image.digest) ||
      image.references.some((reference) => pinned.has(reference)),
  );
  const keptDigests = new Set(kept.map((image) => image.digest));
  const removed: string[] = [];
  for (const image of images) {
    if (keptDigests.has(image.digest)) continue;
    await records.removeImage(image.digest);
    await removeTree(records.rootfsPath(image.digest), tmpDir);
    removed.push(image.digest);
  }

  const live = new Set<string>();
  for (const image of kept) {
    live.add(image.digest);
    if (image.configDigest) live.add(image.configDigest);
    for (const layer of image.layers) live.add(layer);
  }
  for (const ref of await records.refs()) {
    const platforms = Object.fromEntries(Object.entries(ref.platforms).filter(([, digest]) => keptDigests.has(digest)));
    if (Object.keys(platforms).length === 0) {
      await records.removeRef(ref.reference);
      continue;
    }
    if (Object.keys(platforms).length !== Object.keys(ref.platforms).length)
      await records.putRef({ ...ref, platforms });
    // The document a kept reference points to (often an index) stays: offline resolves start there.
    live.add(ref.digest);
  }

  let removedBlobs = 0;
  let freedBlobBytes = 0;
  for (const digest of await blobs.list()) {
    if (live.has(digest)) continue;
    freedBlobBytes += await stat(blobs.path(digest)).then(
      (stats) => stats.size,
      () => 0,
    );
    await blobs.remove(digest);
    removedBlobs++;
  }
  return { removed, removedBlobs, freedBlobBytes };
}
