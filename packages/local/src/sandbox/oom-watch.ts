import type { ExecResult } from "@openlattice/core";
import { readOomKills } from "../host/oom-events.js";

/**
 * Tells whether an exec was ended by the OOM killer, from the sandbox's memory cgroup: true when
 * the command died of SIGKILL and the cgroup's OOM-kill count rose since the last exec that
 * looked (a kill of another process of the sandbox in that window counts too), false otherwise;
 * left unset where there is no memory cgroup. Only SIGKILLed commands cost a read.
 */
export class OomWatch {
  /** The count when an exec last looked; a fresh cgroup starts at 0. */
  private seen = 0;

  async outcome(
    result: ExecResult,
    dirs: { readonly memory?: string; readonly unified?: string } | undefined,
  ): Promise<ExecResult> {
    if (!dirs || (!dirs.memory && !dirs.unified)) return result;
    if (result.exitCode !== 137) return { ...result, oomKilled: false };
    const kills = await readOomKills(dirs);
    if (kills === undefined) return result;
    const rose = kills > this.seen;
    this.seen = kills;
    return { ...result, oomKilled: rose };
  }
}
