import { existsSync, mkdirSync, readFileSync, rmdirSync } from "node:fs";
import path from "node:path";

/** v1 controllers the provider uses, each in its own hierarchy. */
export type V1Controller = "memory" | "pids" | "cpu" | "cpuacct" | "freezer";

const V1_CONTROLLERS: readonly V1Controller[] = ["memory", "pids", "cpu", "cpuacct", "freezer"];

/**
 * Where this process may create cgroups: the directory of its own cgroup in each usable
 * hierarchy (never the hierarchy root, which a containerised process may not own).
 */
export interface CgroupLayout {
  /** Our cgroup directory in the v2 (unified) hierarchy, when it is writable. */
  readonly unified?: string;
  /** The unified hierarchy has `cgroup.kill` (kernel >= 5.14): whole subtrees die in one write. */
  readonly unifiedKill: boolean;
  /** The unified hierarchy has `cgroup.freeze`. */
  readonly unifiedFreeze: boolean;
  /** Controllers enabled for children in the unified hierarchy (memory, pids, cpu). */
  readonly unifiedControllers: ReadonlySet<string>;
  /** Our cgroup directory in each writable v1 hierarchy. */
  readonly v1: Readonly<Partial<Record<V1Controller, string>>>;
}

interface Mount {
  readonly root: string;
  readonly mountPoint: string;
  readonly fsType: string;
  readonly superOptions: readonly string[];
}

function readMounts(): Mount[] {
  const mounts: Mount[] = [];
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const fields = left.split(" ");
    const tail = right.split(" ");
    const fsType = tail[0] ?? "";
    if (fsType !== "cgroup" && fsType !== "cgroup2") continue;
    mounts.push({
      root: unescapeMount(fields[3] ?? "/"),
      mountPoint: unescapeMount(fields[4] ?? ""),
      fsType,
      superOptions: (tail[2] ?? "").split(","),
    });
  }
  return mounts;
}

function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** Maps a cgroup path from /proc/self/cgroup to a directory under a mount of that hierarchy. */
function directoryFor(mount: Mount, cgroupPath: string): string | undefined {
  const root = mount.root === "/" ? "" : mount.root;
  if (root && cgroupPath !== root && !cgroupPath.startsWith(`${root}/`)) return undefined;
  return path.join(mount.mountPoint, cgroupPath.slice(root.length));
}

/** True when a child cgroup can be created (and removed again) under `dir`. */
function canCreateChild(dir: string): boolean {
  const probe = path.join(dir, `openlattice-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the cgroup hierarchies this process can manage. Returns a layout with nothing usable
 * on non-Linux systems or when cgroups are read-only (then limits fall back to rlimits).
 */
export function detectCgroupLayout(): CgroupLayout {
  const empty: CgroupLayout = { unifiedKill: false, unifiedFreeze: false, unifiedControllers: new Set(), v1: {} };
  if (process.platform !== "linux") return empty;
  let mounts: Mount[];
  let membership: string[];
  try {
    mounts = readMounts();
    membership = readFileSync("/proc/self/cgroup", "utf8").split("\n").filter(Boolean);
  } catch {
    return empty;
  }
  const v1: Partial<Record<V1Controller, string>> = {};
  let unified: string | undefined;
  for (const line of membership) {
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    const controllers = line.slice(first + 1, second);
    const cgroupPath = line.slice(second + 1);
    if (controllers === "") {
      const mount = mounts.find((m) => m.fsType === "cgroup2");
      const dir = mount && directoryFor(mount, cgroupPath);
      if (dir && existsSync(dir) && canCreateChild(dir)) unified = dir;
      continue;
    }
    for (const controller of controllers.split(",")) {
      if (!(V1_CONTROLLERS as readonly string[]).includes(controller)) continue;
      const mount = mounts.find((m) => m.fsType === "cgroup" && m.superOptions.includes(controller));
      const dir = mount && directoryFor(mount, cgroupPath);
      if (dir && existsSync(dir) && canCreateChild(dir)) v1[controller as V1Controller] = dir;
    }
  }
  let unifiedKill = false;
  let unifiedFreeze = false;
  const unifiedControllers = new Set<string>();
  if (unified) {
    const probe = path.join(unified, `openlattice-probe-${process.pid}`);
    try {
      mkdirSync(probe);
      unifiedKill = existsSync(path.join(probe, "cgroup.kill"));
      unifiedFreeze = existsSync(path.join(probe, "cgroup.freeze"));
      for (const name of ["memory", "pids", "cpu"]) {
        if (existsSync(path.join(probe, name === "cpu" ? "cpu.max" : `${name}.max`))) unifiedControllers.add(name);
      }
    } catch {
      // Leave the unified features off.
    } finally {
      try {
        rmdirSync(probe);
      } catch {
        // Already gone.
      }
    }
  }
  return { ...(unified ? { unified } : {}), unifiedKill, unifiedFreeze, unifiedControllers, v1 };
}

/** Human-readable summary of a layout, for health reports and limitations. */
export function describeLayout(layout: CgroupLayout): Record<string, unknown> {
  return {
    unified: layout.unified ?? null,
    unifiedKill: layout.unifiedKill,
    unifiedFreeze: layout.unifiedFreeze,
    unifiedControllers: [...layout.unifiedControllers],
    v1: Object.keys(layout.v1),
  };
}
