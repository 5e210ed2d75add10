import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CgroupLayout } from "../src/host/cgroup-layout.js";
import { ownerGroupName, SandboxCgroups } from "../src/host/sandbox-cgroups.js";
import { probeIsolation } from "../src/index.js";
import { currentOwner } from "../src/state/owner.js";
import { CGROUP_SKIP_REASON, skipCgroups, sleep } from "./helpers.js";

const probe = probeIsolation();
const layout = probe.cgroups;
const agent = probe.agent.path as string;
/** The owner directory real sandboxes of this process use, so the reaper knows it. */
const OWNER = ownerGroupName(currentOwner());
const skip = skipCgroups;
const REASON = CGROUP_SKIP_REASON;

/** Layouts to exercise: this host's, and the v1-only fallback (as on hosts without cgroup.kill). */
const layouts: [string, CgroupLayout][] = [
  ["host layout", layout],
  ["v1 only (no unified hierarchy)", { ...layout, unified: undefined, unifiedKill: false, unifiedFreeze: false }],
];

function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
    return state !== undefined && state !== "Z";
  } catch {
    return false;
  }
}

/** Starts `script` through the agent's launcher, which joins the cgroups before exec'ing it. */
function launch(cgroups: SandboxCgroups, script: string) {
  const args = ["launch", ...cgroups.procsFiles.flatMap((file) => ["--cgroup", file]), "--", "/bin/sh", "-c", script];
  return spawn(agent, args, { stdio: ["ignore", "pipe", "inherit"], env: {} });
}

describe.each(layouts)("sandbox cgroups: %s", (_name, cgroupLayout) => {
  const usable = !skip && (cgroupLayout.unified !== undefined || Object.keys(cgroupLayout.v1).length > 0);

  it.skipIf(!usable)(`killAll reaches setsid escapees; destroy removes every directory${REASON}`, async () => {
    const id = `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const cgroups = await SandboxCgroups.create(cgroupLayout, id, { pids: 64 }, OWNER);
    // Prints the pid of a grandchild that left the session, then waits.
    const child = launch(cgroups, "setsid sleep 60 & echo $!; wait");
    const escapee = await new Promise<number>((resolve) =>
      child.stdout.once("data", (d: Buffer) => resolve(Number(d))),
    );
    expect(alive(escapee)).toBe(true);
    // The launcher joined before anything ran: the escapee is inside.
    const members = (await cgroups.sample()).processes;
    expect(members).toBeGreaterThanOrEqual(2);
    await cgroups.killAll();
    await sleep(50);
    expect(alive(escapee)).toBe(false);
    await cgroups.destroy();
    expect(cgroups.allDirs.filter((dir) => existsSync(dir))).toEqual([]);
  });

  it.skipIf(!usable || !(cgroupLayout.unifiedFreeze || cgroupLayout.v1.freezer))(
    `freezing stops a busy process and thawing resumes it${REASON}`,
    async () => {
      const id = `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
      const cgroups = await SandboxCgroups.create(cgroupLayout, id, {}, OWNER);
      const child = launch(cgroups, "while :; do :; done");
      const ticks = () => {
        const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
        return Number(fields[11]) + Number(fields[12]);
      };
      await sleep(200);
      await cgroups.setFrozen(true);
      const frozenAt = ticks();
      await sleep(300);
      expect(ticks() - frozenAt).toBeLessThanOrEqual(1);
      await cgroups.setFrozen(false);
      const thawedAt = ticks();
      await sleep(400);
      expect(ticks() - thawedAt).toBeGreaterThan(2);
      await cgroups.destroy();
      expect(alive(child.pid as number)).toBe(false);
    },
  );
});
