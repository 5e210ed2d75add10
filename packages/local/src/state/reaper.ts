import { existsSync, readdirSync, readFileSync, rmdirSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import type { CgroupLayout, V1Controller } from "../host/cgroup-layout.js";
import { CGROUP_GROUP, parseOwnerGroupName, SandboxCgroups } from "../host/sandbox-cgroups.js";
import type { SandboxMeta } from "../sandbox/local-sandbox.js";
import { isOwnerAlive } from "./owner.js";
import { STAGING_PREFIX, type StateLayout } from "./state-layout.js";

/** A directory without metadata younger than this may be a provision in flight in another process. */
const ORPHAN_GRACE_MS = 60_000;

/** What the reaper removed. */
export interface ReapReport {
  readonly reaped: readonly string[];
}

/**
 * Removes sandboxes whose owning process is gone (it crashed or was killed): kills whatever
 * still runs in their cgroups, removes the cgroups, workspaces and state directories. Sandboxes
 * of live processes, this one included, are left alone.
 */
export async function reapOrphans(layout: StateLayout, cgroups: CgroupLayout): Promise<ReapReport> {
  const reaped: string[] = [];
  let ids: string[] = [];
  try {
    ids = readdirSync(layout.sandboxes);
  } catch {
    return { reaped };
  }
  for (const id of ids) {
    const dir = layout.sandboxDir(id);
    if (id.startsWith(STAGING_PREFIX)) {
      // A record that was being created when its owner died: the name says who that was.
      const owner = parseOwnerGroupName(/^(o\d+-\d+)-/.exec(id.slice(STAGING_PREFIX.length))?.[1] ?? "");
      if (owner && isOwnerAlive(owner)) continue;
      await rm(dir, { recursive: true, force: true });
      reaped.push(id.replace(/^\.staging-o\d+-\d+-/, ""));
      continue;
    }
    let meta: SandboxMeta | undefined;
    try {
      meta = JSON.parse(readFileSync(layout.metaFile(id), "utf8")) as SandboxMeta;
    } catch {
      meta = undefined;
    }
    if (meta === undefined) {
      const age = Date.now() - (statSafe(dir) ?? Date.now());
      if (age < ORPHAN_GRACE_MS) continue;
      await rm(dir, { recursive: true, force: true });
      reaped.push(id);
      continue;
    }
    if (isOwnerAlive(meta.owner)) continue;
    const recorded = SandboxCgroups.fromRecorded(
      cgroups,
      meta.cgroups as Partial<Record<"unified" | V1Controller, string>>,
    );
    await recorded.destroy().catch(() => {});
    await rm(meta.workspace, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
    reaped.push(id);
  }
  // Workspaces kept outside the state dir whose sandbox record is gone.
  if (layout.workspaceRoot !== layout.sandboxes && existsSync(layout.workspaceRoot)) {
    for (const id of readdirSync(layout.workspaceRoot)) {
      if (existsSync(layout.sandboxDir(id))) continue;
      const workspace = path.join(layout.workspaceRoot, id);
      const age = Date.now() - (statSafe(workspace) ?? Date.now());
      if (age < ORPHAN_GRACE_MS) continue;
      await rm(workspace, { recursive: true, force: true });
      reaped.push(id);
    }
  }
  await reapOwnerGroups(cgroups);
  return { reaped };
}

/**
 * Removes the sandbox cgroups of dead owners in every hierarchy, whatever state directory they
 * used (a temp dir deleted since, say): kills what still runs there, then removes the dirs.
 */
async function reapOwnerGroups(cgroups: CgroupLayout): Promise<void> {
  const bases = [cgroups.unified, ...Object.values(cgroups.v1)].filter((d): d is string => typeof d === "string");
  for (const base of bases) {
    const group = path.join(base, CGROUP_GROUP);
    let owners: string[] = [];
    try {
      owners = readdirSync(group, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name);
    } catch {
      continue;
    }
    for (const name of owners) {
      const owner = parseOwnerGroupName(name);
      if (!owner || isOwnerAlive(owner)) continue;
      const ownerDir = path.join(group, name);
      const isUnified = base === cgroups.unified;
      for (const entry of readdirSync(ownerDir, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        const dirs = isUnified
          ? { unified: path.join(ownerDir, entry.name) }
          : { pids: path.join(ownerDir, entry.name) };
        await SandboxCgroups.fromRecorded(cgroups, dirs)
          .destroy()
          .catch(() => {});
      }
      try {
        rmdirSync(ownerDir);
      } catch {
        // Still busy: the next start tries again.
      }
    }
  }
}

function statSafe(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}
