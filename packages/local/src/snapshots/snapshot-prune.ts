import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { SnapshotManifest } from "./snapshot-store.js";

/** What `prune` removed. */
export interface PruneResult {
  /** Ids of the deleted snapshots. */
  readonly deleted: readonly string[];
  /** Bytes of blobs freed. */
  readonly freedBytes: number;
}

/**
 * Deletes all but the newest `keepLast` manifests (per source sandbox when `perSource`), then
 * every blob no remaining manifest references. Kept snapshots stay restorable: a blob is only
 * removed when no manifest names it. The caller serialises this against captures.
 */
export async function pruneStore(
  store: { list(): Promise<SnapshotManifest[]> },
  manifestsDir: string,
  blobsDir: string,
  options: { keepLast: number; sourceExternalId?: string; perSource?: boolean },
): Promise<PruneResult> {
  const groups = new Map<string, SnapshotManifest[]>();
  for (const manifest of await store.list()) {
    if (options.sourceExternalId !== undefined && manifest.sourceExternalId !== options.sourceExternalId) continue;
    const key = options.perSource ? manifest.sourceExternalId : "";
    groups.set(key, [...(groups.get(key) ?? []), manifest]);
  }
  const deleted: string[] = [];
  for (const manifests of groups.values()) {
    const doomed = manifests.slice(0, Math.max(0, manifests.length - options.keepLast));
    for (const manifest of doomed) {
      await rm(path.join(manifestsDir, `${manifest.id}.json`), { force: true });
      deleted.push(manifest.id);
    }
  }
  const live = new Set<string>();
  for (const manifest of await store.list()) {
    for (const entry of manifest.entries) if (entry.type === "file") live.add(entry.hash);
  }
  let freedBytes = 0;
  const fans = await readdir(blobsDir).catch(() => [] as string[]);
  for (const fan of fans) {
    if (fan.startsWith("tmp-")) continue;
    for (const hash of await readdir(path.join(blobsDir, fan)).catch(() => [] as string[])) {
      if (live.has(hash)) continue;
      const file = path.join(blobsDir, fan, hash);
      const info = await stat(file).catch(() => undefined);
      if (info) freedBytes += info.size;
      await rm(file, { force: true });
    }
  }
  return { deleted, freedBytes };
}
