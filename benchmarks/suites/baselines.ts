import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { measure, timeSpawn } from "../harness/measure.ts";
import { type Summary, summarize } from "../harness/stats.ts";

export interface BaselineResults {
  /** `spawn("/bin/true")` from Node: the floor of any process-based sandbox. */
  readonly spawn: Summary;
  /** A one-shot `bwrap --unshare-all … /bin/true` with the same mounts the local provider uses. */
  readonly bwrap: Summary | undefined;
  readonly bwrapError?: string;
}

/** Raw process-start costs, measured in the same run as the providers they are compared with. */
/** A one-shot `bwrap … /bin/true` with the mounts the local provider uses. */
export function bwrapBaselineArgs(workspace: string): string[] {
  return [
    ...["--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib"],
    ...["--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin", "--ro-bind", "/etc", "/etc"],
    ...["--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev", "--bind", workspace, "/workspace"],
    ...["--chdir", "/workspace", "--unshare-all", "--die-with-parent", "--new-session", "/bin/true"],
  ];
}

export async function runBaselines(runs: number): Promise<BaselineResults> {
  const spawnTimes = await measure(runs, 5, () => timeSpawn("/bin/true", []));
  const workspace = mkdtempSync(path.join(os.tmpdir(), "ol-bench-bwrap-"));
  const bwrapArgs = bwrapBaselineArgs(workspace);
  try {
    const bwrapTimes = await measure(runs, 5, () => timeSpawn("bwrap", bwrapArgs));
    return { spawn: summarize(spawnTimes), bwrap: summarize(bwrapTimes) };
  } catch (error) {
    return { spawn: summarize(spawnTimes), bwrap: undefined, bwrapError: (error as Error).message };
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}
