import { access, readdir, readFile, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";

/** Waits `ms`, or just one event-loop turn for 0 (a timer would round it up to 1 ms). */
export const sleep = (ms: number) =>
  new Promise<void>((resolve) => (ms === 0 ? setImmediate(resolve) : setTimeout(resolve, ms)));

const exists = (dir: string) =>
  access(dir).then(
    () => true,
    () => false,
  );

/** All directories below `dir` (deepest first), `dir` last. */
async function subtree(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries: string[] = [];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return (await exists(dir)) ? [dir] : [];
  }
  for (const name of entries) out.push(...(await subtree(path.join(dir, name))));
  out.push(dir);
  return out;
}

export async function readPids(dir: string): Promise<number[]> {
  try {
    const text = await readFile(path.join(dir, "cgroup.procs"), "utf8");
    return text.split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export async function subtreePids(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const d of await subtree(dir)) pids.push(...(await readPids(d)));
  return pids;
}

/** Removes a cgroup directory tree, retrying while the kernel still counts exiting tasks. */
export async function removeTree(dir: string): Promise<void> {
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
export async function killTree(dir: string, useKillFile: boolean): Promise<void> {
  if (!(await exists(dir))) return;
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
