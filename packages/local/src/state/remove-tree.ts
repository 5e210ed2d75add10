import { execFile } from "node:child_process";
import { lstat, rm } from "node:fs/promises";
import { findExecutable } from "../host/find-executable.js";

/** Runs a coreutils program to completion; rejects with its stderr. */
function run(file: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: {}, timeout: 120_000, maxBuffer: 1024 * 1024 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`${file} ${args[0]}: ${String(stderr).trim() || error.message}`)) : resolve(),
    );
  });
}

async function exists(target: string): Promise<boolean> {
  return lstat(target).then(
    () => true,
    () => false,
  );
}

/**
 * Removes a directory tree a sandbox wrote, whatever it holds: `fs.rm` first (fast, every
 * ordinary tree), then, for what it cannot do, GNU `chmod -R u+rwx` and `rm -rf
 * --one-file-system`, which walk relative to open directory descriptors (fts), so a tree deeper
 * than PATH_MAX, names of any bytes, FIFOs, sockets and directories the sandbox made
 * unsearchable (mode 000, which stops even the owner when unprivileged) all go. Neither follows
 * symlinks. Resolves once `dir` is gone (or never existed); throws a plain Error saying what is
 * left otherwise, for the caller to type.
 */
export async function removeTree(dir: string): Promise<void> {
  let first: unknown;
  try {
    await rm(dir, { recursive: true, force: true });
    return;
  } catch (error) {
    first = error;
  }
  const chmod = findExecutable("chmod");
  const remove = findExecutable("rm");
  if (!chmod || !remove)
    throw new Error(`cannot remove ${dir}: ${(first as Error).message} (no rm/chmod to fall back on)`);
  // Best effort: entries it cannot change (not ours) are what rm reports below.
  await run(chmod, ["-R", "u+rwx", "--", dir]).catch(() => {});
  await run(remove, ["-rf", "--one-file-system", "--", dir]).catch(() => {});
  if (await exists(dir)) throw new Error(`cannot remove ${dir}: ${(first as Error).message}`);
}
