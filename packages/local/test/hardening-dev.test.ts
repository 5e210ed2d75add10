/**
 * /dev and /dev/shm as a hostile process sees them: only standard nodes, nothing can be added,
 * and shared memory is a small sized tmpfs instead of half the host's RAM.
 */
import { describe, expect, it } from "vitest";
import { lazyProvider, SKIP_REASON, skipNamespace } from "./helpers.js";

describe.skipIf(skipNamespace)(`/dev and /dev/shm (namespace tier)${SKIP_REASON}`, () => {
  const provider = lazyProvider("namespace", { shmSizeMiB: 16 });

  it("/dev holds the standard nodes only and is read-only; the nodes still work", async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    const listing = await p.exec(externalId, ["ls", "-A", "/dev"]);
    const names = listing.stdout.trim().split("\n").sort();
    const standard = [
      "console",
      "core",
      "fd",
      "full",
      "null",
      "ptmx",
      "pts",
      "random",
      "shm",
      "stderr",
      "stdin",
      "stdout",
      "tty",
      "urandom",
      "zero",
    ];
    for (const name of names) expect(standard, `unexpected /dev/${name}`).toContain(name);
    const attempt = await p.exec(externalId, [
      "sh",
      "-c",
      "touch /dev/planted; echo touch=$?; mkdir /dev/d; echo mkdir=$?; ln -s /etc/passwd /dev/l; echo ln=$?; rm -f /dev/null; echo rm=$?",
    ]);
    for (const what of ["touch", "mkdir", "ln", "rm"])
      expect(attempt.stdout, what).toMatch(new RegExp(`${what}=[1-9]`));
    const nodes = await p.exec(externalId, [
      "sh",
      "-c",
      "echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c",
    ]);
    expect(nodes.exitCode, nodes.stderr).toBe(0);
    expect(nodes.stdout.split("\n").slice(0, 2)).toEqual(["4", "4"]);
  });

  it("/dev/shm is a tmpfs of the configured size: writing past it fails with ENOSPC", async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    const size = await p.exec(externalId, ["df", "-k", "--output=size", "/dev/shm"]);
    expect(Number(size.stdout.trim().split("\n")[1])).toBe(16 * 1024);
    const fill = await p.exec(externalId, [
      "sh",
      "-c",
      "dd if=/dev/zero of=/dev/shm/big bs=1M count=64 2>&1; echo rc=$?",
    ]);
    expect(fill.stdout).toMatch(/No space left on device/);
    expect(fill.stdout).toMatch(/rc=[1-9]/);
    const used = await p.exec(externalId, ["du", "-k", "/dev/shm/big"]);
    expect(Number(used.stdout.split("\t")[0])).toBeLessThanOrEqual(16 * 1024);
    // Shared memory itself still works within the bound.
    const small = await p.exec(externalId, [
      "sh",
      "-c",
      "rm /dev/shm/big && head -c 1048576 /dev/zero > /dev/shm/ok && rm /dev/shm/ok",
    ]);
    expect(small.exitCode, small.stderr).toBe(0);
  });
});
