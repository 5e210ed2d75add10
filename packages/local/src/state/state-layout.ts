import { createHash } from "node:crypto";
import { chmodSync, lstatSync, mkdirSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Prefix of a sandbox record being created: `.staging-o<pid>-<start>-<id>`, renamed to `<id>` when whole. */
export const STAGING_PREFIX = ".staging-";

/**
 * Paths of the local provider. The state directory is owner-only (0700): `sandboxes/<id>/`
 * (records), `snapshots/` (the content-addressed store). Workspaces and extracted images live
 * in `workRoot`, which is the state directory too, except when the provider runs as root in the
 * namespace tier: then bubblewrap runs as the unprivileged mapped uid and must be able to reach
 * them by path, so they live in a per-state-dir directory under the system temp dir whose
 * ancestors are searchable but not listable (0711), named by unguessable sandbox ids.
 */
export class StateLayout {
  readonly sandboxes: string;
  readonly snapshots: string;
  /** Holds `<id>/` workspaces and `images/`. */
  readonly workRoot: string;

  constructor(
    readonly root: string,
    options: { readonly traversableWork: boolean } = { traversableWork: false },
  ) {
    this.sandboxes = path.join(root, "sandboxes");
    this.snapshots = path.join(root, "snapshots");
    mkdirSync(this.sandboxes, { recursive: true, mode: 0o700 });
    for (const dir of [root, this.sandboxes]) {
      // A state directory made by an earlier version (or by hand) may be looser: tighten ours.
      if (ownedByUs(dir)) chmodSync(dir, 0o700);
    }
    this.workRoot = options.traversableWork ? traversableWorkRoot(root) : path.join(root, "work");
    if (!options.traversableWork) mkdirSync(this.workRoot, { recursive: true, mode: 0o700 });
  }

  sandboxDir(id: string): string {
    return path.join(this.sandboxes, id);
  }

  metaFile(id: string): string {
    return path.join(this.sandboxes, id, "meta.json");
  }

  workspaceDir(id: string): string {
    return path.join(this.workRoot, id);
  }

  /** Where tarball images are extracted. */
  get images(): string {
    return path.join(this.workRoot, "images");
  }
}

function ownedByUs(dir: string): boolean {
  try {
    return statSync(dir).uid === process.getuid?.();
  } catch {
    return false;
  }
}

/**
 * `<tmp>/openlattice-local-<uid>/<hash of the state dir>`, each level 0711 and verified to be
 * a real directory owned by us: someone else could have created the name first in /tmp.
 */
function traversableWorkRoot(stateRoot: string): string {
  const key = createHash("sha256").update(stateRoot).digest("hex").slice(0, 16);
  const base = path.join(os.tmpdir(), `openlattice-local-${process.getuid?.() ?? "u"}`);
  for (const dir of [base, path.join(base, key)]) {
    mkdirSync(dir, { recursive: true, mode: 0o711 });
    const stats = lstatSync(dir);
    if (!stats.isDirectory() || stats.uid !== process.getuid?.()) {
      throw new Error(`${dir} is not a directory owned by this user; remove it`);
    }
    chmodSync(dir, 0o711);
  }
  return path.join(base, key);
}
