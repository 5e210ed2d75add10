import { rmdirSync } from "node:fs";
import { access, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { CgroupLayout, V1Controller } from "./cgroup-layout.js";
import { killTree, removeTree, sleep, subtreePids } from "./cgroup-tree.js";

/** Name of the directory grouping every sandbox cgroup under our own cgroup. */
export const CGROUP_GROUP = "openlattice-local";

/**
 * Directory of this process's sandboxes inside the group: named after the owner (pid and start
 * time), so a later process can tell which sandbox cgroups a dead process left behind even when
 * their state directory is gone.
 */
export function ownerGroupName(owner: { pid: number; startTime: number }): string {
  return `o${owner.pid}-${owner.startTime}`;
}

const ownerGroups = new Set<string>();

/** Removes this process's (by then empty) owner directories when it exits normally. */
function forgetOwnerGroupOnExit(dir: string): void {
  if (ownerGroups.size === 0) {
    process.once("exit", () => {
      for (const group of ownerGroups) {
        try {
          rmdirSync(group);
        } catch {
          // Sandboxes still live there: the next provider start reaps them.
        }
      }
    });
  }
  ownerGroups.add(dir);
}

/** Parses an owner directory name back; `undefined` for anything else. */
export function parseOwnerGroupName(name: string): { pid: number; startTime: number } | undefined {
  const match = /^o(\d+)-(\d+)$/.exec(name);
  return match ? { pid: Number(match[1]), startTime: Number(match[2]) } : undefined;
}

/** Resource limits of one sandbox. */
export interface CgroupLimits {
  readonly memoryBytes?: number;
  readonly pids?: number;
  /** CPU cores (fractions allowed). */
  readonly cpu?: number;
}

export interface CgroupSample {
  readonly cpuSeconds?: number;
  readonly memoryBytes?: number;
  readonly memoryLimitBytes?: number;
  readonly processes?: number;
}

type Hierarchy = "unified" | V1Controller;

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/**
 * The cgroups of one sandbox: `<ours>/openlattice-local/<owner>/<id>` in every usable
 * hierarchy. Every process of the sandbox lives there: the launcher joins them before it execs
 * bwrap (or becomes the agent), so nothing the sandbox starts is ever outside. Killing a
 * single exec's tree is the agent's job (see agent/README), not a cgroup's.
 */
export class SandboxCgroups {
  private constructor(
    private readonly layout: CgroupLayout,
    /** Sandbox directory per hierarchy. */
    readonly dirs: Readonly<Partial<Record<Hierarchy, string>>>,
  ) {}

  /** Every directory this sandbox owns; recorded in the state dir so a later process can reap them. */
  get allDirs(): string[] {
    return Object.values(this.dirs).filter((d): d is string => typeof d === "string");
  }

  /** `cgroup.procs` files the launcher writes itself into. */
  get procsFiles(): string[] {
    return this.allDirs.map((dir) => path.join(dir, "cgroup.procs"));
  }

  get usable(): boolean {
    return this.allDirs.length > 0;
  }

  /** Which limits cgroups can enforce on this host. */
  static enforceable(layout: CgroupLayout): { memory: boolean; pids: boolean; cpu: boolean } {
    return {
      memory: Boolean(layout.v1.memory) || layout.unifiedControllers.has("memory"),
      pids: Boolean(layout.v1.pids) || layout.unifiedControllers.has("pids"),
      cpu: Boolean(layout.v1.cpu) || layout.unifiedControllers.has("cpu"),
    };
  }

  /** Creates the sandbox's cgroups (concurrently, off the event loop) and applies `limits`. */
  static async create(
    layout: CgroupLayout,
    id: string,
    limits: CgroupLimits,
    ownerGroup: string,
  ): Promise<SandboxCgroups> {
    const wanted: [Hierarchy, string][] = [];
    if (layout.unified) wanted.push(["unified", layout.unified]);
    for (const [controller, base] of Object.entries(layout.v1) as [V1Controller, string][]) {
      // The unified hierarchy freezes and counts CPU when it can; v1 freezer and cpuacct are
      // only fallbacks. The cpu controller is joined only to enforce a quota: every hierarchy
      // costs the launcher one more cgroup.procs write.
      if (controller === "freezer" && layout.unifiedFreeze) continue;
      if (controller === "cpuacct" && layout.unified) continue;
      if (controller === "cpu" && limits.cpu === undefined) continue;
      wanted.push([controller, base]);
    }
    const dirs: Partial<Record<Hierarchy, string>> = {};
    await Promise.all(
      wanted.map(async ([hierarchy, base]) => {
        const owner = path.join(base, CGROUP_GROUP, ownerGroup);
        forgetOwnerGroupOnExit(owner);
        if (hierarchy === "unified") await enableControllers(base, owner, layout);
        const dir = path.join(owner, id);
        await mkdir(dir, { recursive: true });
        dirs[hierarchy] = dir;
      }),
    );
    const cgroups = new SandboxCgroups(layout, dirs);
    await cgroups.applyLimits(limits);
    return cgroups;
  }

  /** Re-attaches to directories recorded by an earlier process (for reaping). */
  static fromRecorded(layout: CgroupLayout, dirs: Partial<Record<Hierarchy, string>>): SandboxCgroups {
    return new SandboxCgroups(layout, dirs);
  }

  /** Writes limits. Callers only ask for what `enforceable` allows; a failed write throws. */
  async applyLimits(limits: CgroupLimits): Promise<void> {
    const { memory, pids, cpu, unified } = this.dirs;
    const controllers = this.layout.unifiedControllers;
    const writes: Promise<void>[] = [];
    const write = (dir: string, file: string, value: string) => writeFile(path.join(dir, file), value);
    if (limits.memoryBytes !== undefined) {
      const bytes = String(limits.memoryBytes);
      if (memory) {
        writes.push(
          write(memory, "memory.limit_in_bytes", bytes).then(async () => {
            // Without the swap limit a sandbox could page its way past the memory limit.
            if (await exists(path.join(memory, "memory.memsw.limit_in_bytes"))) {
              await write(memory, "memory.memsw.limit_in_bytes", bytes);
            }
          }),
        );
      } else if (unified && controllers.has("memory")) {
        writes.push(
          write(unified, "memory.max", bytes),
          write(unified, "memory.swap.max", "0").catch(() => {}),
        );
      }
    }
    if (limits.pids !== undefined) {
      if (pids) writes.push(write(pids, "pids.max", String(limits.pids)));
      else if (unified && controllers.has("pids")) writes.push(write(unified, "pids.max", String(limits.pids)));
    }
    if (limits.cpu !== undefined) {
      const period = 100_000;
      const quota = Math.max(1000, Math.round(limits.cpu * period));
      if (cpu) {
        writes.push(
          write(cpu, "cpu.cfs_period_us", String(period)).then(() => write(cpu, "cpu.cfs_quota_us", String(quota))),
        );
      } else if (unified && controllers.has("cpu")) writes.push(write(unified, "cpu.max", `${quota} ${period}`));
    }
    await Promise.all(writes);
  }

  /** True when `setFrozen` can stop the whole sandbox. */
  get canFreeze(): boolean {
    return Boolean((this.dirs.unified && this.layout.unifiedFreeze) || this.dirs.freezer);
  }

  /** Freezes (`true`) or thaws (`false`) every process and waits until the kernel reports it done. */
  async setFrozen(frozen: boolean): Promise<void> {
    const unified = this.dirs.unified;
    if (unified && this.layout.unifiedFreeze) {
      await writeFile(path.join(unified, "cgroup.freeze"), frozen ? "1" : "0");
      for (let attempt = 0; attempt < 1000; attempt++) {
        const events = await readFile(path.join(unified, "cgroup.events"), "utf8");
        if (events.includes(`frozen ${frozen ? 1 : 0}`)) return;
        await sleep(1);
      }
      return;
    }
    const freezer = this.dirs.freezer;
    if (!freezer) return;
    const wanted = frozen ? "FROZEN" : "THAWED";
    await writeFile(path.join(freezer, "freezer.state"), wanted);
    for (let attempt = 0; attempt < 1000; attempt++) {
      if ((await readFile(path.join(freezer, "freezer.state"), "utf8")).trim() === wanted) return;
      await sleep(1);
    }
  }

  /** Resource counters of the whole sandbox. */
  async sample(): Promise<CgroupSample> {
    const read = async (dir: string | undefined, file: string) =>
      dir
        ? readFile(path.join(dir, file), "utf8").then(
            (text) => text.trim(),
            () => undefined,
          )
        : undefined;
    const { unified, cpuacct, memory, pids } = this.dirs;
    let cpuSeconds: number | undefined;
    const usage = (await read(unified, "cpu.stat"))?.match(/usage_usec (\d+)/)?.[1];
    if (usage !== undefined) cpuSeconds = Number(usage) / 1e6;
    else {
      const ns = await read(cpuacct, "cpuacct.usage");
      if (ns !== undefined) cpuSeconds = Number(ns) / 1e9;
    }
    const memoryText = (await read(memory, "memory.usage_in_bytes")) ?? (await read(unified, "memory.current"));
    const limitText = (await read(memory, "memory.limit_in_bytes")) ?? (await read(unified, "memory.max"));
    const limit = limitText !== undefined && /^\d+$/.test(limitText) ? Number(limitText) : undefined;
    const pidsText = (await read(pids, "pids.current")) ?? (await read(unified, "pids.current"));
    let processes = pidsText !== undefined ? Number(pidsText) : undefined;
    if (processes === undefined) {
      const dir = unified ?? memory;
      if (dir) processes = (await subtreePids(dir)).length;
    }
    return {
      ...(cpuSeconds !== undefined ? { cpuSeconds } : {}),
      ...(memoryText !== undefined ? { memoryBytes: Number(memoryText) } : {}),
      // v1 reports "no limit" as a huge page-aligned number.
      ...(limit !== undefined && limit < 2 ** 60 ? { memoryLimitBytes: limit } : {}),
      ...(processes !== undefined ? { processes } : {}),
    };
  }

  /** True when one write kills the whole sandbox (cgroup v2 `cgroup.kill`). */
  get canKill(): boolean {
    return Boolean(this.dirs.unified && this.layout.unifiedKill);
  }

  /** Kills every process of the sandbox (frozen or not) and waits until all are gone. */
  async killAll(): Promise<void> {
    const unified = this.dirs.unified;
    if (unified) await killTree(unified, this.layout.unifiedKill);
    for (const controller of ["memory", "pids", "cpu", "cpuacct", "freezer"] as const) {
      const dir = this.dirs[controller];
      if (!dir) continue;
      if (controller === "freezer") {
        // Frozen tasks cannot die; thaw them after the kill is queued.
        await writeFile(path.join(dir, "freezer.state"), "THAWED").catch(() => {});
      }
      await killTree(dir, false);
    }
  }

  /** Kills everything and removes every directory. */
  async destroy(): Promise<void> {
    await this.killAll();
    await Promise.all(this.allDirs.map((dir) => removeTree(dir)));
  }
}

/**
 * cgroup v2 only offers a controller to a cgroup whose parent enabled it: enable what our own
 * cgroup offers on the two levels we create, so limits reach the sandbox's cgroup.
 */
async function enableControllers(base: string, owner: string, layout: CgroupLayout): Promise<void> {
  if (layout.unifiedControllers.size === 0) return;
  const line = [...layout.unifiedControllers].map((name) => `+${name}`).join(" ");
  for (const dir of [path.join(base, CGROUP_GROUP), owner]) {
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "cgroup.subtree_control"), line).catch(() => {});
  }
}
