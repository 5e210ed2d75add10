import { existsSync, mkdirSync, rmdirSync, writeFileSync } from "node:fs";
import { readdir, readFile, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { CgroupLayout, V1Controller } from "./cgroup-layout.js";

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

/** A group of processes that can be killed together: one exec, or the sandbox's init. */
export interface ProcessGroupHandle {
  /** `cgroup.procs` files a process writes its pid into to join (all hierarchies). */
  readonly procsFiles: readonly string[];
  /** Kills every process in the group, including `setsid` escapees, and waits until it is empty. */
  kill(): Promise<void>;
  /** Removes the group when it is empty; leaves it (to be removed with the sandbox) otherwise. */
  release(): Promise<void>;
}

export interface CgroupSample {
  readonly cpuSeconds?: number;
  readonly memoryBytes?: number;
  readonly memoryLimitBytes?: number;
  readonly processes?: number;
}

/** Waits `ms`, or just one event-loop turn for 0 (a timer would round it up to 1 ms). */
const sleep = (ms: number) =>
  new Promise<void>((resolve) => (ms === 0 ? setImmediate(resolve) : setTimeout(resolve, ms)));

/** All directories below `dir` (deepest first), `dir` last. */
async function subtree(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries: string[] = [];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return existsSync(dir) ? [dir] : [];
  }
  for (const name of entries) out.push(...(await subtree(path.join(dir, name))));
  out.push(dir);
  return out;
}

async function readPids(dir: string): Promise<number[]> {
  try {
    const text = await readFile(path.join(dir, "cgroup.procs"), "utf8");
    return text.split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function subtreePids(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const d of await subtree(dir)) pids.push(...(await readPids(d)));
  return pids;
}

/** Removes a cgroup directory tree, retrying while the kernel still counts exiting tasks. */
async function removeTree(dir: string): Promise<void> {
  for (const d of await subtree(dir)) {
    for (let attempt = 0; ; attempt++) {
      try {
        await rmdir(d);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") break;
        if (attempt >= 200) throw error;
        await sleep(5);
      }
    }
  }
}

/** Kills every process in a cgroup tree, by `cgroup.kill` where available, else by pid until empty. */
async function killTree(dir: string, useKillFile: boolean): Promise<void> {
  if (!existsSync(dir)) return;
  if (useKillFile) {
    try {
      await writeFile(path.join(dir, "cgroup.kill"), "1");
      // `populated 0` covers the whole subtree: one small read per poll.
      for (let attempt = 0; attempt < 2000; attempt++) {
        const events = await readFile(path.join(dir, "cgroup.events"), "utf8");
        if (events.includes("populated 0")) return;
        await sleep(attempt < 20 ? 0 : 2);
      }
    } catch {
      // Fall through to killing by pid.
    }
  }
  for (let attempt = 0; attempt < 400; attempt++) {
    const pids = await subtreePids(dir);
    if (pids.length === 0) return;
    if (!useKillFile || attempt % 20 === 19) {
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    }
    await sleep(attempt < 10 ? 1 : 5);
  }
}

/**
 * The cgroups of one sandbox: `<ours>/openlattice-local/<id>` in every usable hierarchy. In the
 * unified hierarchy processes live only in leaves (`init`, `x<n>` per exec) so each exec can be
 * killed on its own and the whole sandbox with one write at `<id>`.
 */
export class SandboxCgroups {
  private execCounter = 0;

  private constructor(
    private readonly layout: CgroupLayout,
    /** Sandbox directory per hierarchy, keyed by `unified` or a v1 controller. */
    readonly dirs: Readonly<Partial<Record<"unified" | V1Controller, string>>>,
  ) {}

  /** Every directory this sandbox owns; recorded in the state dir so a later process can reap them. */
  get allDirs(): string[] {
    return Object.values(this.dirs).filter((d): d is string => typeof d === "string");
  }

  /** True when processes can be placed in cgroups at all. */
  get usable(): boolean {
    return this.allDirs.length > 0;
  }

  /** Which limits could be enforced by cgroups, and which could not. */
  static enforceable(layout: CgroupLayout): { memory: boolean; pids: boolean; cpu: boolean } {
    return {
      memory: Boolean(layout.v1.memory) || layout.unifiedControllers.has("memory"),
      pids: Boolean(layout.v1.pids) || layout.unifiedControllers.has("pids"),
      cpu: Boolean(layout.v1.cpu) || layout.unifiedControllers.has("cpu"),
    };
  }

  /** Creates the sandbox's cgroups and applies `limits` (synchronously: a few small writes). */
  static create(layout: CgroupLayout, id: string, limits: CgroupLimits, ownerGroup: string): SandboxCgroups {
    const dirs: Partial<Record<"unified" | V1Controller, string>> = {};
    const make = (base: string) => {
      forgetOwnerGroupOnExit(path.join(base, CGROUP_GROUP, ownerGroup));
      const dir = path.join(base, CGROUP_GROUP, ownerGroup, id);
      mkdirSync(dir, { recursive: true });
      return dir;
    };
    if (layout.unified) {
      dirs.unified = make(layout.unified);
      mkdirSync(path.join(dirs.unified, "init"));
    }
    for (const [controller, base] of Object.entries(layout.v1) as [V1Controller, string][]) {
      // The unified hierarchy freezes and counts CPU when it can; v1 freezer and cpuacct are
      // only fallbacks. The cpu controller is joined only to enforce a quota. Fewer hierarchies
      // mean fewer writes on every exec.
      if (controller === "freezer" && layout.unifiedFreeze) continue;
      if (controller === "cpuacct" && layout.unified) continue;
      if (controller === "cpu" && limits.cpu === undefined) continue;
      dirs[controller] = make(base);
    }
    const cgroups = new SandboxCgroups(layout, dirs);
    cgroups.applyLimits(limits);
    return cgroups;
  }

  /** Re-attaches to directories recorded by an earlier process (for reaping). */
  static fromRecorded(layout: CgroupLayout, dirs: Partial<Record<"unified" | V1Controller, string>>): SandboxCgroups {
    return new SandboxCgroups(layout, dirs);
  }

  /** Writes limits; a controller this sandbox has no cgroup for is skipped. */
  applyLimits(limits: CgroupLimits): void {
    const write = (dir: string | undefined, file: string, value: string) => {
      if (!dir) return false;
      const target = path.join(dir, file);
      if (!existsSync(target)) return false;
      writeFileSync(target, value);
      return true;
    };
    const { memory, pids, cpu } = this.dirs;
    const unified = this.dirs.unified;
    if (limits.memoryBytes !== undefined) {
      const bytes = String(limits.memoryBytes);
      if (write(memory, "memory.limit_in_bytes", bytes)) {
        // Without the swap limit a sandbox could page its way past the memory limit.
        write(memory, "memory.memsw.limit_in_bytes", bytes);
      } else if (this.layout.unifiedControllers.has("memory")) {
        write(unified, "memory.max", bytes);
        write(unified, "memory.swap.max", "0");
      }
    }
    if (limits.pids !== undefined) {
      if (!write(pids, "pids.max", String(limits.pids)) && this.layout.unifiedControllers.has("pids")) {
        write(unified, "pids.max", String(limits.pids));
      }
    }
    if (limits.cpu !== undefined) {
      const period = 100_000;
      const quota = Math.max(1000, Math.round(limits.cpu * period));
      if (write(cpu, "cpu.cfs_period_us", String(period))) write(cpu, "cpu.cfs_quota_us", String(quota));
      else if (this.layout.unifiedControllers.has("cpu")) write(unified, "cpu.max", `${quota} ${period}`);
    }
  }

  /** v1 directories every process of the sandbox joins (limits and accounting). */
  private sharedProcsFiles(): string[] {
    const files: string[] = [];
    for (const controller of ["memory", "pids", "cpu", "cpuacct", "freezer"] as const) {
      const dir = this.dirs[controller];
      if (dir) files.push(path.join(dir, "cgroup.procs"));
    }
    return files;
  }

  /** The group of the sandbox's long-lived processes (the bwrap init, port forwarders). */
  initGroup(): ProcessGroupHandle {
    return this.leafGroup("init", false);
  }

  /** A new group for one exec. */
  execGroup(): ProcessGroupHandle {
    this.execCounter += 1;
    return this.leafGroup(`x${this.execCounter}`, true);
  }

  private leafGroup(name: string, create: boolean): ProcessGroupHandle {
    const shared = this.sharedProcsFiles();
    const unified = this.dirs.unified;
    if (unified) {
      const dir = path.join(unified, name);
      if (create) mkdirSync(dir);
      const useKill = this.layout.unifiedKill;
      return {
        procsFiles: [path.join(dir, "cgroup.procs"), ...shared],
        kill: () => killTree(dir, useKill),
        release: async () => {
          try {
            const events = await readFile(path.join(dir, "cgroup.events"), "utf8");
            if (events.includes("populated 0")) await rmdir(dir);
          } catch {
            // Busy or gone: removed with the sandbox.
          }
        },
      };
    }
    // No unified hierarchy: a child cgroup in the first v1 hierarchy tracks the exec's tree.
    const trackerBase = this.dirs.pids ?? this.dirs.memory ?? this.dirs.cpu ?? this.dirs.freezer;
    if (!trackerBase) {
      return { procsFiles: [], kill: async () => {}, release: async () => {} };
    }
    const dir = path.join(trackerBase, name);
    if (!existsSync(dir)) mkdirSync(dir);
    const others = shared.filter((file) => !file.startsWith(`${trackerBase}${path.sep}`));
    return {
      procsFiles: [path.join(dir, "cgroup.procs"), ...others],
      kill: () => killTree(dir, false),
      release: async () => {
        if ((await readPids(dir)).length === 0) await rmdir(dir).catch(() => {});
      },
    };
  }

  /** True when `freeze` can stop the whole sandbox. */
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
    const read = async (dir: string | undefined, file: string) => {
      if (!dir) return undefined;
      try {
        return (await readFile(path.join(dir, file), "utf8")).trim();
      } catch {
        return undefined;
      }
    };
    let cpuSeconds: number | undefined;
    const cpuStat = await read(this.dirs.unified, "cpu.stat");
    const usage = cpuStat?.match(/usage_usec (\d+)/)?.[1];
    if (usage !== undefined) cpuSeconds = Number(usage) / 1e6;
    else {
      const ns = await read(this.dirs.cpuacct, "cpuacct.usage");
      if (ns !== undefined) cpuSeconds = Number(ns) / 1e9;
    }
    const memoryText =
      (await read(this.dirs.memory, "memory.usage_in_bytes")) ?? (await read(this.dirs.unified, "memory.current"));
    const limitText =
      (await read(this.dirs.memory, "memory.limit_in_bytes")) ?? (await read(this.dirs.unified, "memory.max"));
    const limit = limitText !== undefined && /^\d+$/.test(limitText) ? Number(limitText) : undefined;
    const pidsText = (await read(this.dirs.pids, "pids.current")) ?? (await read(this.dirs.unified, "pids.current"));
    let processes = pidsText !== undefined ? Number(pidsText) : undefined;
    if (processes === undefined) {
      const dir = this.dirs.unified ?? this.dirs.memory;
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
