import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { wrapInCgroups } from "../src/exec/cgroup-wrapper.js";
import type { CgroupLayout } from "../src/host/cgroup-layout.js";
import { ownerGroupName, SandboxCgroups } from "../src/host/sandbox-cgroups.js";
import { probeIsolation } from "../src/index.js";
import { currentOwner } from "../src/state/owner.js";
import { sleep } from "./helpers.js";

const layout = probeIsolation().cgroups;
/** The owner directory real sandboxes of this process use, so the reaper knows it. */
const OWNER = ownerGroupName(currentOwner());
const hasV1 = Object.keys(layout.v1).length > 0;
/** cgroup tests need root; CI runs as root, so there they never skip. */
const skip = !process.env.CI && !layout.unified && !hasV1;
const REASON = skip ? " (skipped: no writable cgroups on this machine)" : "";

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

describe.each(layouts)("sandbox cgroups: %s", (_name, cgroupLayout) => {
  const usable = !skip && (cgroupLayout.unified !== undefined || Object.keys(cgroupLayout.v1).length > 0);

  it.skipIf(!usable)(
    `an exec group kill reaches setsid escapees; destroy removes every directory${REASON}`,
    async () => {
      const id = `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
      const cgroups = SandboxCgroups.create(cgroupLayout, id, { pids: 64 }, OWNER);
      const group = cgroups.execGroup();
      // Prints the pid of a grandchild that left the session, then waits.
      const wrapped = wrapInCgroups(group.procsFiles, ["sh", "-c", "setsid sleep 60 & echo $!; wait"]);
      const child = spawn(wrapped.file, wrapped.args, { stdio: ["ignore", "pipe", "ignore"] });
      const escapee = await new Promise<number>((resolve) =>
        child.stdout.once("data", (d: Buffer) => resolve(Number(d))),
      );
      expect(alive(escapee)).toBe(true);
      await group.kill();
      await sleep(50);
      expect(alive(escapee)).toBe(false);
      await cgroups.destroy();
      expect(cgroups.allDirs.filter((dir) => existsSync(dir))).toEqual([]);
    },
  );

  it.skipIf(!usable || !(cgroupLayout.unifiedFreeze || cgroupLayout.v1.freezer))(
    `freezing stops a busy process and thawing resumes it${REASON}`,
    async () => {
      const id = `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
      const cgroups = SandboxCgroups.create(cgroupLayout, id, {}, OWNER);
      const wrapped = wrapInCgroups(cgroups.initGroup().procsFiles, ["sh", "-c", "while :; do :; done"]);
      const child = spawn(wrapped.file, wrapped.args, { stdio: "ignore" });
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
