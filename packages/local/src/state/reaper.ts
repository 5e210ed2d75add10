import { readdir, readFile, rm, rmdir, stat } from "node:fs/promises";
import path from "node:path";
import type { CgroupLayout, V1Controller } from "../host/cgroup-layout.js";
import { CGROUP_GROUP, parseOwnerGroupName, SandboxCgroups } from "../host/sandbox-cgroups.js";
import type { SandboxMeta } from "../sandbox/sandbox-record.js";
import { isOwnerAlive } from "./owner.js";
import { STAGING_PREFIX, type StateLayout } from "./state-layout.js";

/** A directory without metadata younger than this may be a provision in flight in another process. */
const ORPHAN_GRACE_MS = 60_000;

/** What the reaper removed. */
export interface ReapReport {
  readonly reaped: readonly string[];
}

async function ageMs(file: string): Promise<number> {
  const info = await stat(file).catch(() => undefined);
  return info ? Date.now() - info.mtimeMs : 0;
}

/**
 * Removes sandboxes whose owning process is gone (it crashed or was killed): kills whatever
 * still runs in their cgroups, removes the cgroups, workspaces and state directories. Sandboxes of live processes, this one included, are left alone. The sandboxes
 * themselves died with their owner already: bubblewrap's --die-with-parent ends a namespace
 * sandbox, and a none-tier agent ends every tree when its socket closes.
 */
export async function reapOrphans(layout: StateLayout, cgroups: CgroupLayout): Promise<ReapReport> {
  const reaped: string[] = [];
  const ids = await readdir(layout.sandboxes).catch(() => [] as string[]);
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
      meta = JSON.parse(await readFile(layout.metaFile(id), "utf8")) as SandboxMeta;
    } catch {
      meta = undefined;
    }
    if (meta === undefined) {
      if ((await ageMs(dir)) < ORPHAN_GRACE_MS) continue;
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
  // Workspaces whose record is gone (the owner died between removing one and the other).
  for (const id of await readdir(layout.workRoot).catch(() => [] as string[])) {
    if (!id.startsWith("sbx-")) continue;
    if (
      await stat(layout.sandboxDir(id)).then(
        () => true,
        () => false,
      )
    )
      continue;
    const workspace = layout.workspaceDir(id);
    if ((await ageMs(workspace)) < ORPHAN_GRACE_MS) continue;
    await rm(workspace, { recursive: true, force: true });
    if (!reaped.includes(id)) reaped.push(id);
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
    const owners = await readdir(group, { withFileTypes: true }).catch(() => []);
    for (const entry of owners) {
      if (!entry.isDirectory()) continue;
      const owner = parseOwnerGroupName(entry.name);
      if (!owner || isOwnerAlive(owner)) continue;
      const ownerDir = path.join(group, entry.name);
      const isUnified = base === cgroups.unified;
      for (const sandbox of await readdir(ownerDir, { withFileTypes: true }).catch(() => [])) {
        if (!sandbox.isDirectory()) continue;
        const dir = path.join(ownerDir, sandbox.name);
        await SandboxCgroups.fromRecorded(cgroups, isUnified ? { unified: dir } : { pids: dir })
          .destroy()
          .catch(() => {});
      }
      await rmdir(ownerDir).catch(() => {
        // Still busy: the next start tries again.
      });
    }
  }
}
