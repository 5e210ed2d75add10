import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { ownerGroupName } from "../host/sandbox-cgroups.js";
import type { IsolationTier } from "../options.js";
import { STAGING_PREFIX, type StateLayout } from "../state/state-layout.js";

/** What is recorded in `sandboxes/<id>/meta.json`, so a later process can reap a crashed one's sandboxes. */
export interface SandboxMeta {
  readonly id: string;
  readonly tier: IsolationTier;
  readonly owner: { readonly pid: number; readonly startTime: number };
  readonly createdAt: string;
  readonly workspace: string;
  readonly cgroups: Record<string, string>;
}

/**
 * Records a sandbox before anything of it exists. The record appears whole (staged under a name
 * that names its owner, then renamed), so a kill at any instant leaves either nothing, a
 * staging directory whose owner is known to be dead, or a complete meta.json.
 */
export async function createRecord(layout: StateLayout, meta: SandboxMeta): Promise<void> {
  const staging = path.join(layout.sandboxes, `${STAGING_PREFIX}${ownerGroupName(meta.owner)}-${meta.id}`);
  await mkdir(staging, { mode: 0o700 });
  await writeFile(path.join(staging, "meta.json"), JSON.stringify(meta), { mode: 0o600 });
  await rename(staging, layout.sandboxDir(meta.id));
}

/** Replaces the record in one step: readers see the old or the new file, never a part. */
export async function updateRecord(layout: StateLayout, meta: SandboxMeta): Promise<void> {
  const file = layout.metaFile(meta.id);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(meta), { mode: 0o600 });
  await rename(temporary, file);
}
