import { chmod, chown, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Owner } from "./sandbox-boot.js";

/** Suffix of a sandbox's writable root layer next to its workspace: `<workRoot>/<id>.root/`. */
export const LAYER_SUFFIX = ".root";

/** The directories of one sandbox's writable root (see `agent/src/overlay.c`). */
export interface RootLayer {
  readonly dir: string;
  /** What the sandbox wrote over its image (and whiteouts of what it deleted). */
  readonly upper: string;
  /** overlayfs's scratch directory. */
  readonly work: string;
  /** Where the launcher mounts the overlay, bound as the sandbox's `/`. */
  readonly merged: string;
}

/** The layer paths of the sandbox whose workspace is `workspaceHost`. */
export function rootLayerOf(workspaceHost: string): RootLayer {
  const dir = `${workspaceHost}${LAYER_SUFFIX}`;
  return {
    dir,
    upper: path.join(dir, "upper"),
    work: path.join(dir, "work"),
    merged: path.join(dir, "merged"),
  };
}

/**
 * Creates the layer's directories, owned by the sandbox's host uid (the launcher mounts the
 * overlay as that uid). The parent is as private as a workspace (0700 for its owner).
 */
export async function createRootLayer(layer: RootLayer, owner: Owner | undefined): Promise<void> {
  await mkdir(layer.dir, { mode: 0o700 });
  for (const dir of [layer.upper, layer.work, layer.merged]) await mkdir(dir, { mode: 0o755 });
  if (owner) {
    for (const dir of [layer.dir, layer.upper, layer.work, layer.merged]) await chown(dir, owner.uid, owner.gid);
  }
}

/**
 * Removes a layer once its sandbox is gone (the overlay dies with the sandbox's mount
 * namespace). overlayfs leaves `work/work` at mode 0, which an unprivileged owner must open up
 * before it can remove it.
 */
export async function removeRootLayer(dir: string): Promise<void> {
  await chmod(path.join(dir, "work", "work"), 0o700).catch(() => {});
  await rm(dir, { recursive: true, force: true });
}
