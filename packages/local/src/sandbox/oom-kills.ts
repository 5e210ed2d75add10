import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ExecResult } from "@openlattice/core";
import type { SandboxCgroups } from "../host/sandbox-cgroups.js";

/**
 * How many processes of the sandbox the kernel's OOM killer has ended: `oom_kill` of cgroup v2
 * `memory.events` (this cgroup and below), else of v1 `memory.oom_control` (kernels from 4.13).
 * Undefined where neither is readable: then nobody can tell an OOM kill from any other SIGKILL.
 */
export async function oomKillCount(cgroups: SandboxCgroups | undefined): Promise<number | undefined> {
  const candidates = [
    cgroups?.dirs.unified && path.join(cgroups.dirs.unified, "memory.events"),
    cgroups?.dirs.memory && path.join(cgroups.dirs.memory, "memory.oom_control"),
  ];
  for (const file of candidates) {
    if (!file) continue;
    const text = await readFile(file, "utf8").catch(() => undefined);
    const count = text && /^oom_kill (\d+)$/m.exec(text)?.[1];
    if (count) return Number(count);
  }
  return undefined;
}

/**
 * Runs an exec and, when it ended by SIGKILL (exit 137) where the counter is readable, says
 * whether the OOM killer did it: the count grew while the command ran. A concurrent exec of the
 * same sandbox killed for memory in that window would be counted too; a process killed by
 * `kill -9` without any OOM kill never is. Other results are returned as they are
 * (`oomKilled` absent: nothing to explain, or nothing known).
 */
export async function flagOomKill(
  cgroups: SandboxCgroups | undefined,
  run: () => Promise<ExecResult>,
): Promise<ExecResult> {
  const before = await oomKillCount(cgroups);
  const result = await run();
  if (before === undefined || result.exitCode !== 137 || result.timedOut) return result;
  const after = await oomKillCount(cgroups);
  if (after === undefined) return result;
  return { ...result, oomKilled: after > before };
}
