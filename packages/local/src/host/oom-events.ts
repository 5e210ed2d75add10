import { readFile } from "node:fs/promises";
import path from "node:path";

/**
 * How many processes of a sandbox the OOM killer has ended so far: `oom_kill` of cgroup v2's
 * `memory.events`, or of v1's `memory.oom_control` (kernel 4.13+). Undefined where the sandbox
 * has no memory cgroup to read (rootless without delegation, the none tier without cgroups).
 */
export async function readOomKills(dirs: {
  readonly memory?: string;
  readonly unified?: string;
}): Promise<number | undefined> {
  const sources: [string | undefined, string][] = [
    [dirs.unified, "memory.events"],
    [dirs.memory, "memory.oom_control"],
  ];
  for (const [dir, file] of sources) {
    if (!dir) continue;
    const text = await readFile(path.join(dir, file), "utf8").catch(() => undefined);
    const count = text?.match(/^oom_kill (\d+)$/m)?.[1];
    if (count !== undefined) return Number(count);
  }
  return undefined;
}
