import { randomInt } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { InvalidArgumentError } from "@openlattice/core";

/** A range of host uids (each sandbox gets the gid of the same number). */
export interface HostIdRange {
  readonly first: number;
  readonly count: number;
}

/**
 * Default range when /etc/subuid has no `openlattice` entry: 65536 ids from 0x70000000, far above
 * the ids distributions hand to users and to their subordinate ranges (100000 + n × 65536).
 */
export const DEFAULT_HOST_ID_RANGE: HostIdRange = { first: 0x7000_0000, count: 65_536 };

/** Host-wide (all providers, all state directories): leases must not collide between them. */
export const DEFAULT_LEASE_DIR = "/run/openlattice/host-ids";

/** The range of the `openlattice` line of /etc/subuid (`openlattice:FIRST:COUNT`), if any. */
export function subordinateRange(file = "/etc/subuid"): HostIdRange | undefined {
  try {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const [name, first, count] = line.trim().split(":");
      if (name === "openlattice" && first && count) return { first: Number(first), count: Number(count) };
    }
  } catch {
    // No such file: use the default.
  }
  return undefined;
}

/** Checks a configured range; ids must stay unprivileged and below 2^31 (the launcher's limit). */
export function checkRange(range: HostIdRange, provider: string): HostIdRange {
  const { first, count } = range;
  if (
    !Number.isInteger(first) ||
    !Number.isInteger(count) ||
    first < 1000 ||
    count < 1 ||
    first + count > 0x7fff_ffff
  ) {
    throw new InvalidArgumentError(
      "hostIdRange",
      "must be { first, count } of integers with first >= 1000, count >= 1 and first + count <= 2147483647",
      { provider },
    );
  }
  return range;
}

/** What a lease records: enough to tell, after a crash, whether its sandbox is entirely gone. */
interface Lease {
  readonly pid: number;
  readonly sandboxId: string;
  readonly workspace: string;
}

/** Whether any process on the host still runs as `uid` (real, effective, saved or fs uid). */
function uidInUse(uid: number): boolean {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const line = /^Uid:\s+(.*)$/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1] ?? "";
      if (line.split(/\s+/).map(Number).includes(uid)) return true;
    } catch {
      // Gone meanwhile.
    }
  }
  return false;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One host uid per sandbox when the provider runs as root. A lease is a directory
 * `<leaseDir>/<uid>` made with mkdir (atomic across processes); it is removed only once
 * everything of its sandbox is gone (its processes killed, its workspace removed). A lease whose
 * owner died is taken over only when no process runs as that uid and its workspace is gone.
 */
export class HostIdAllocator {
  constructor(
    readonly range: HostIdRange,
    readonly leaseDir: string = DEFAULT_LEASE_DIR,
  ) {}

  /** Leases a free uid for `sandboxId`; throws `capacity`-like errors as plain Errors (typed by the caller). */
  async acquire(sandboxId: string, workspace: string): Promise<number> {
    await mkdir(this.leaseDir, { recursive: true, mode: 0o700 });
    const lease: Lease = { pid: process.pid, sandboxId, workspace };
    const { first, count } = this.range;
    // Start anywhere: concurrent providers then rarely contend for the same numbers.
    const start = randomInt(count);
    for (let pass = 0; pass < 2; pass++) {
      for (let step = 0; step < count; step++) {
        const uid = first + ((start + step) % count);
        const dir = path.join(this.leaseDir, String(uid));
        if (pass === 1 && !(await this.reclaimable(dir, uid))) continue;
        if (pass === 1) await rm(dir, { recursive: true, force: true });
        try {
          await mkdir(dir, { mode: 0o700 });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
          throw error;
        }
        await writeFile(path.join(dir, "lease.json"), JSON.stringify(lease), { mode: 0o600 });
        return uid;
      }
    }
    throw new Error(`every host uid of ${first}..${first + count - 1} is leased to a live sandbox`);
  }

  /** Ends a lease; call only once the sandbox's processes and workspace are gone. */
  async release(uid: number): Promise<void> {
    await rm(path.join(this.leaseDir, String(uid)), { recursive: true, force: true });
  }

  /** Leases held for `sandboxIds` (after a crash: the reaper releases those it reaped). */
  async leasesOf(sandboxIds: ReadonlySet<string>): Promise<number[]> {
    const found: number[] = [];
    for (const name of await readdir(this.leaseDir).catch(() => [] as string[])) {
      const lease = await this.read(path.join(this.leaseDir, name));
      if (lease && sandboxIds.has(lease.sandboxId)) found.push(Number(name));
    }
    return found;
  }

  private async read(dir: string): Promise<Lease | undefined> {
    try {
      return JSON.parse(await readFile(path.join(dir, "lease.json"), "utf8")) as Lease;
    } catch {
      return undefined;
    }
  }

  private async reclaimable(dir: string, uid: number): Promise<boolean> {
    const lease = await this.read(dir);
    // A lease without its file is being written right now (or its writer died mid-way: rare, kept).
    if (!lease || alive(lease.pid)) return false;
    const workspaceLeft = await stat(lease.workspace).then(
      () => true,
      () => false,
    );
    return !workspaceLeft && !uidInUse(uid);
  }
}
