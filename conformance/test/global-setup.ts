import { readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** True while process `pid` exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes what reference providers left in their default root when their process died before
 * its exit hook ran (a worker vitest killed): each process has its own `p<pid>` directory there,
 * so only directories of processes that no longer exist are touched, never those of a test run
 * going on next to this one.
 */
export default function setup(): () => void {
  return () => {
    const root = join(tmpdir(), "openlattice-reference");
    let names: string[] = [];
    try {
      names = readdirSync(root);
    } catch {
      return;
    }
    for (const name of names) {
      const pid = /^p(\d+)$/.exec(name)?.[1];
      if (pid !== undefined && !alive(Number(pid))) rmSync(join(root, name), { recursive: true, force: true });
    }
  };
}
