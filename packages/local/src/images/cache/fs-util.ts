import { randomBytes } from "node:crypto";
import { access, chmod, lstat, mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";

/**
 * Writes JSON so readers see the old file or the new one, never a part (temp file, rename).
 * `durable` also syncs it before the rename, so a power cut cannot leave an empty file; an
 * advisory update (a last-used time) can skip that.
 */
export async function writeJsonAtomically(file: string, value: unknown, durable = true): Promise<void> {
  const temporary = `${file}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(temporary, "wx", 0o600);
  try {
    await handle.writeFile(JSON.stringify(value));
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}

/** Reads a JSON file, or undefined when it is missing or unreadable. */
export async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** `mkdir -p` with a mode, and that mode enforced even when the directory existed. */
export async function ensurePrivateDir(dir: string, mode = 0o700): Promise<void> {
  await mkdir(dir, { recursive: true, mode });
  await chmod(dir, mode);
}

/**
 * Removes a tree that may hold read-only directories (images have `0555` ones, which stop an
 * unprivileged `rm -r`): it is first renamed out of sight into `trash` (so nobody ever sees it
 * half-deleted under its name), then made owner-writable and removed.
 */
export async function removeTree(target: string, trash: string): Promise<void> {
  const hidden = path.join(trash, `${process.pid}-${randomBytes(6).toString("hex")}-gone`);
  try {
    await rename(target, hidden);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  await removeHidden(hidden);
}

async function removeHidden(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EACCES" && (error as NodeJS.ErrnoException).code !== "EPERM") {
      throw error;
    }
  }
  await makeOwnerWritable(dir);
  await rm(dir, { recursive: true, force: true });
}

async function makeOwnerWritable(dir: string): Promise<void> {
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop() as string;
    const stats = await lstat(current).catch(() => undefined);
    if (!stats?.isDirectory()) continue;
    await chmod(current, 0o700).catch(() => {});
    for (const name of await readdir(current).catch(() => [] as string[])) pending.push(path.join(current, name));
  }
}

/** A fresh path in `tmpDir` named after this process, so a later process can tell leftovers from live work. */
export function temporaryPath(tmpDir: string, label: string): string {
  return path.join(tmpDir, `${process.pid}-${randomBytes(6).toString("hex")}-${label}`);
}

/**
 * Removes what dead processes left in `tmpDir` (partial downloads, half-built root filesystems):
 * entries are named `<pid>-…`, and an entry whose process is gone is garbage. Entries of live
 * processes (this one included) are left alone.
 */
export async function removeStaleTemporaries(tmpDir: string): Promise<number> {
  let removed = 0;
  for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
    const pid = Number(/^(\d+)-/.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) continue;
    await removeHidden(path.join(tmpDir, name));
    removed++;
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True when `file` exists (whatever it is). */
export async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
