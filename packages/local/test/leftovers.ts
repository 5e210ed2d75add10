import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { probeIsolation } from "../src/index.js";

/** Host pids whose environment contains `marker`. */
export function processesWithMarker(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(marker)) found.push(Number(entry));
    } catch {
      // Gone or not readable.
    }
  }
  return found.filter((pid) => pid !== process.pid);
}

/** Host pids whose command line mentions `text` (e.g. a sandbox id in bwrap's bind arguments). */
export function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "latin1").includes(text)) found.push(Number(entry));
    } catch {
      // Gone.
    }
  }
  return found;
}

/** cgroup directories that still exist for a sandbox id, in any hierarchy. */
export function cgroupsOf(id: string): string[] {
  const layout = probeIsolation().cgroups;
  const bases = [layout.unified, ...Object.values(layout.v1)].filter((d): d is string => typeof d === "string");
  const found: string[] = [];
  for (const base of bases) {
    const group = path.join(base, "openlattice-local");
    if (!existsSync(group)) continue;
    for (const owner of readdirSync(group)) {
      const dir = path.join(group, owner, id);
      if (existsSync(dir)) found.push(dir);
    }
  }
  return found;
}

/** Everything a sandbox could leave behind: processes, cgroups, state and workspace directories. */
export function leftovers(stateDir: string, ids: readonly string[]): string[] {
  const found: string[] = [];
  const sandboxes = path.join(stateDir, "sandboxes");
  if (existsSync(sandboxes)) for (const entry of readdirSync(sandboxes)) found.push(`state dir ${entry}`);
  for (const id of ids) {
    for (const dir of cgroupsOf(id)) found.push(`cgroup ${dir}`);
    for (const pid of processesMentioning(id)) found.push(`process ${pid} mentions ${id}`);
    if (readFileSync("/proc/self/mountinfo", "utf8").includes(id)) found.push(`mount of ${id}`);
  }
  return found;
}
