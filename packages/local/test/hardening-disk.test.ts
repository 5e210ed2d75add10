/**
 * Disk: `resources.diskMiB` cannot be enforced here, so it is refused (never accepted and
 * ignored); and a sparse file stays sparse through snapshot and restore instead of becoming
 * real disk in the snapshot store and in the restored workspace.
 */
import { lstatSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { hostWorkspace } from "./hardening-helpers.js";
import { lazyProvider, SKIP_REASON, skipTier, TIERS } from "./helpers.js";

const MiB = 1024 * 1024;
/** Allocated bytes of every file under `dir` (what the disk really holds). */
function allocated(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const info = lstatSync(full);
    total += info.isDirectory() ? allocated(full) : info.blocks * 512;
  }
  return total;
}

describe.each(TIERS)("disk (%s tier)", (tier) => {
  const skip = skipTier(tier);
  const name = (text: string) => `${text}${tier === "namespace" ? SKIP_REASON : ""}`;
  const provider = lazyProvider(tier);

  it.skipIf(skip)(name("resources.diskMiB is refused with unsupported, naming the field and why"), async () => {
    const p = provider();
    await expect(p.provision({ resources: { diskMiB: 100 } })).rejects.toMatchObject({
      code: "unsupported",
      feature: "resources.diskMiB",
      message: expect.stringMatching(/cannot be enforced/),
    });
    expect(p.capabilities.limitations?.disk).toMatch(/refused with unsupported/);
    // Nothing was started for the refused spec.
    expect(await p.list()).toEqual([]);
  });

  it.skipIf(skip)(
    name("a 256 MiB sparse file stays sparse through snapshot and restore"),
    async () => {
      const p = provider();
      const { externalId } = await p.provision({});
      const made = await p.exec(externalId, [
        "sh",
        "-c",
        "truncate -s 256M sparse && printf middle | dd of=sparse bs=1 seek=134217728 conv=notrunc 2>/dev/null && du -k sparse",
      ]);
      expect(made.exitCode, made.stderr).toBe(0);
      const ref = await p.snapshot(externalId);
      // The store holds the file's data, not its 256 MiB of holes.
      expect(allocated(path.join(p.stateDir, "snapshots"))).toBeLessThan(4 * MiB);
      const restored = await p.restore(ref);
      const check = await p.exec(restored.externalId, [
        "sh",
        "-c",
        "stat -c %s sparse && dd if=sparse bs=1 skip=134217728 count=6 2>/dev/null && echo && head -c 4096 sparse | tr -d '\\0' | wc -c",
      ]);
      expect(check.exitCode, check.stderr).toBe(0);
      expect(check.stdout.split("\n").slice(0, 3)).toEqual([String(256 * MiB), "middle", "0"]);
      const file = path.join(hostWorkspace(p, restored.externalId), "sparse");
      expect(lstatSync(file).size).toBe(256 * MiB);
      expect(lstatSync(file).blocks * 512).toBeLessThan(4 * MiB);
    },
    60_000,
  );
});
