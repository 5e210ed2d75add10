import { createHash } from "node:crypto";
import { mkdirSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Prefix of a sandbox record being created: `.staging-o<pid>-<start>-<id>`, renamed to `<id>` when whole. */
export const STAGING_PREFIX = ".staging-";

/**
 * Paths under the state directory:
 * `sandboxes/<id>/meta.json` (one per live sandbox), `snapshots/` (the content-addressed
 * store), `images/` (extracted tarballs). Workspaces live in `sandboxes/<id>/workspace` unless
 * the mapped sandbox user cannot traverse there (see `workspaceRoot`).
 */
export class StateLayout {
  readonly sandboxes: string;
  readonly snapshots: string;
  /** Directory holding the workspaces; must be traversable by the unprivileged sandbox user. */
  readonly workspaceRoot: string;

  constructor(readonly root: string) {
    this.sandboxes = path.join(root, "sandboxes");
    this.snapshots = path.join(root, "snapshots");
    mkdirSync(this.sandboxes, { recursive: true, mode: 0o711 });
    this.workspaceRoot = traversableByOthers(this.sandboxes) ? this.sandboxes : fallbackWorkspaceRoot(root);
  }

  sandboxDir(id: string): string {
    return path.join(this.sandboxes, id);
  }

  metaFile(id: string): string {
    return path.join(this.sandboxes, id, "meta.json");
  }

  workspaceDir(id: string): string {
    return this.workspaceRoot === this.sandboxes
      ? path.join(this.sandboxes, id, "workspace")
      : path.join(this.workspaceRoot, id);
  }
}

/** True when every ancestor of `dir` (and `dir`) lets other users search it. */
function traversableByOthers(dir: string): boolean {
  let current = path.resolve(dir);
  for (;;) {
    try {
      if ((statSync(current).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

/**
 * When the state dir sits under a private directory (e.g. root's 0700 home), bubblewrap, which
 * runs as the unprivileged mapped uid, could not reach a workspace there; workspaces then live
 * in a per-state-dir directory under the system temp dir, searchable but not listable.
 */
function fallbackWorkspaceRoot(stateRoot: string): string {
  const key = createHash("sha256").update(stateRoot).digest("hex").slice(0, 16);
  const base = path.join(os.tmpdir(), `openlattice-local-${process.getuid?.() ?? "u"}`);
  const dir = path.join(base, key);
  mkdirSync(dir, { recursive: true, mode: 0o711 });
  return dir;
}
