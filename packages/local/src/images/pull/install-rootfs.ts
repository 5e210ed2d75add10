import { chmod, rename } from "node:fs/promises";
import { exists, removeTree, temporaryPath } from "../cache/fs-util.js";
import { singleFlight } from "../cache/single-flight.js";
import { buildRootfs, type CachedLayer } from "../rootfs-builder.js";
import type { InstallContext } from "./install-image.js";

/** What one rootfs is built from. */
export interface RootfsRequest {
  readonly digest: string;
  readonly reference: string;
  readonly layers: readonly CachedLayer[];
  readonly signal: AbortSignal | undefined;
}

/**
 * Builds the rootfs of `digest` once: in a private staging directory under `tmp/`, renamed
 * into `rootfs/<hex>` only when complete. A failure or an abort removes the staging directory;
 * if another process installed the same digest first, its copy is kept and ours discarded
 * (both are built from the same verified blobs).
 */
export async function installRootfs(context: InstallContext, request: RootfsRequest): Promise<void> {
  const target = context.records.rootfsPath(request.digest);
  await singleFlight(
    `rootfs\n${target}`,
    async (shared) => {
      if (await exists(target)) return;
      const staging = temporaryPath(context.tmpDir, "rootfs");
      try {
        await buildRootfs({
          staging,
          layers: request.layers,
          limits: { maxBytes: context.limits.maxImageBytes, maxEntries: context.limits.maxEntries },
          reference: request.reference,
          extractUid: context.extractUid,
          signal: shared,
        });
        await chmod(staging, 0o755);
        await rename(staging, target).catch(async (error: NodeJS.ErrnoException) => {
          if (error.code !== "EEXIST" && error.code !== "ENOTEMPTY") throw error;
          await removeTree(staging, context.tmpDir);
        });
      } catch (error) {
        await removeTree(staging, context.tmpDir).catch(() => {});
        throw error;
      }
    },
    { signal: request.signal },
  );
}
