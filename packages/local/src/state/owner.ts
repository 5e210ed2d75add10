import { readFileSync } from "node:fs";

/** Identifies a live process across pid reuse: its pid and kernel start time. */
export interface OwnerId {
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot); 0 where /proc is absent. */
  readonly startTime: number;
}

function startTimeOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

let self: OwnerId | undefined;

/** This process (read once: a process's start time never changes). */
export function currentOwner(): OwnerId {
  if (self?.pid !== process.pid) self = { pid: process.pid, startTime: startTimeOf(process.pid) ?? 0 };
  return self;
}

/** True while the process that wrote `owner` is still running. */
export function isOwnerAlive(owner: OwnerId): boolean {
  if (process.platform === "linux") {
    const start = startTimeOf(owner.pid);
    return start !== undefined && (owner.startTime === 0 || start === owner.startTime);
  }
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
