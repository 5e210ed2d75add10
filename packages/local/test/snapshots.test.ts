import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseSnapshotRef, type SnapshotRef } from "@openlattice/core";
import { afterAll, describe, expect, it } from "vitest";
import { LocalProvider, pruneSnapshots } from "../src/index.js";
import { SKIP_REASON, skipTier, TIERS, tempStateDir } from "./helpers.js";

const metadata = (ref: SnapshotRef) => ref.metadata as { newBytes: number; newBlobs: number; totalBytes: number };

describe.each(TIERS)("snapshots (%s tier)", (tier) => {
  const skip = skipTier(tier);
  const name = (text: string) => `${text}${tier === "namespace" ? SKIP_REASON : ""}`;
  let stateDir = "";
  let provider: LocalProvider | undefined;
  const get = () => {
    stateDir ||= tempStateDir();
    provider ??= new LocalProvider({ isolation: tier, stateDir });
    return provider;
  };
  afterAll(() => provider?.destroyAll());

  it.skipIf(skip)(name("snapshot, modify, restore: the restored sandbox shows the old state"), async () => {
    const p = get();
    const { externalId } = await p.provision({ labels: { app: "demo" } });
    const files = p.getExtension(externalId, "files");
    await files?.write("keep.txt", "version 1");
    await files?.write("bin/data.bin", new Uint8Array([0, 1, 2, 255]));
    await p.exec(externalId, ["sh", "-c", "chmod 755 bin && ln -s keep.txt link && mkdir empty"]);
    const ref = await p.snapshot(externalId);
    expect(ref).toMatchObject({ provider: "local", type: "filesystem", sourceExternalId: externalId });

    await files?.write("keep.txt", "version 2");
    await files?.write("added.txt", "new");
    await files?.remove("bin", { recursive: true });

    const restored = await p.restore(ref);
    expect(restored.externalId).not.toBe(externalId);
    expect(restored.labels).toEqual({ app: "demo" });
    const overridden = await p.restore(ref, { labels: { app: "copy" } });
    expect((await p.inspect(overridden.externalId)).labels).toEqual({ app: "copy" });
    const back = p.getExtension(restored.externalId, "files");
    expect(await back?.readText("keep.txt")).toBe("version 1");
    expect([...((await back?.read("bin/data.bin")) ?? [])]).toEqual([0, 1, 2, 255]);
    await expect(back?.stat("added.txt")).rejects.toMatchObject({ code: "not_found" });
    expect((await back?.stat("link"))?.type).toBe("symlink");
    expect((await back?.stat("bin"))?.mode).toBe(0o755);
    expect((await back?.stat("empty"))?.type).toBe("directory");
    // The restored sandbox is writable by its own processes, and the source is unaffected.
    const write = await p.exec(restored.externalId, ["sh", "-c", "echo edited >> keep.txt && cat keep.txt"]);
    expect(write.stdout).toBe("version 1edited\n");
    expect(await files?.readText("keep.txt")).toBe("version 2");
  });

  it.skipIf(skip)(
    name("a second snapshot after a small change stores only the changed bytes; identical files dedupe"),
    async () => {
      const p = get();
      const { externalId } = await p.provision({});
      const files = p.getExtension(externalId, "files");
      const chunk = (seed: number) => new Uint8Array(64 * 1024).map((_, i) => (i * 31 + seed) % 251);
      for (let i = 0; i < 20; i++) await files?.write(`data/f${i}.bin`, chunk(i));
      await files?.write("data/copy.bin", chunk(0));
      const first = await p.snapshot(externalId);
      expect(metadata(first).totalBytes).toBe(21 * 64 * 1024);
      // 21 files but only 20 distinct contents.
      expect(metadata(first).newBlobs).toBe(20);
      expect(metadata(first).newBytes).toBe(20 * 64 * 1024);

      await files?.write("data/f3.bin", chunk(1000));
      const second = await p.snapshot(externalId);
      expect(metadata(second).newBlobs).toBe(1);
      expect(metadata(second).newBytes).toBe(64 * 1024);

      const unchanged = await p.snapshot(externalId);
      expect(metadata(unchanged).newBytes).toBe(0);
    },
  );

  it.skipIf(skip)(name("refs survive JSON and a new provider on the same state dir"), async () => {
    const p = get();
    const { externalId } = await p.provision({});
    await p.getExtension(externalId, "files")?.write("persist.txt", "still here");
    const json = JSON.stringify(await p.snapshot(externalId));
    const fresh = new LocalProvider({ isolation: tier, stateDir });
    try {
      const restored = await fresh.restore(parseSnapshotRef(json));
      expect(await fresh.getExtension(restored.externalId, "files")?.readText("persist.txt")).toBe("still here");
    } finally {
      await fresh.destroyAll();
    }
    await expect(
      p.restore({ provider: "local", externalId: "snap-nope", type: "filesystem", createdAt: new Date() }),
    ).rejects.toMatchObject({ code: "not_found" });
    await expect(
      p.restore({ provider: "modal", externalId: "snap-x", type: "filesystem", createdAt: new Date() }),
    ).rejects.toMatchObject({ code: "invalid_argument" });
  });

  it.skipIf(skip)(name("pruning with keepLast deletes old snapshots and keeps the rest restorable"), async () => {
    const p = get();
    const { externalId } = await p.provision({});
    const files = p.getExtension(externalId, "files");
    const refs: SnapshotRef[] = [];
    for (let i = 0; i < 3; i++) {
      await files?.write("shared.txt", "same in every snapshot");
      await files?.write("gen.txt", `generation ${i}`);
      refs.push(await p.snapshot(externalId));
    }
    const blobsDir = path.join(stateDir, "snapshots", "blobs");
    const countBlobs = () => readdirSync(blobsDir).flatMap((fan) => readdirSync(path.join(blobsDir, fan))).length;
    const before = countBlobs();
    const result = await pruneSnapshots(p, { keepLast: 1, sourceExternalId: externalId });
    expect(result.deleted).toEqual([refs[0]?.externalId, refs[1]?.externalId]);
    expect(countBlobs()).toBe(before - 2);
    await expect(p.restore(refs[0] as SnapshotRef)).rejects.toMatchObject({ code: "not_found" });
    const kept = await p.restore(refs[2] as SnapshotRef);
    const back = p.getExtension(kept.externalId, "files");
    expect(await back?.readText("gen.txt")).toBe("generation 2");
    expect(await back?.readText("shared.txt")).toBe("same in every snapshot");
    // By state dir too (e.g. from a cleanup job), and bad input is rejected.
    await expect(pruneSnapshots(stateDir, { keepLast: -1 })).rejects.toMatchObject({ code: "invalid_argument" });
    await p.destroyAll();
  });
});

describe.each(TIERS)("snapshot env (%s tier)", (tier) => {
  const skip = skipTier(tier);
  const name = (text: string) => `${text}${tier === "namespace" ? SKIP_REASON : ""}`;

  it.skipIf(skip)(
    name("env values are never written to the store; restores get them back only from memory or the caller"),
    async () => {
      const stateDir = tempStateDir();
      const marker = `ol-env-secret-${process.pid}-${Date.now()}`;
      const provider = new LocalProvider({ isolation: tier, stateDir });
      try {
        const { externalId } = await provider.provision({ runtime: { image: "host", env: { API_KEY: marker } } });
        await provider.getExtension(externalId, "files")?.write("kept.txt", "data");
        const ref = await provider.snapshot(externalId);
        expect(grepTree(stateDir, marker)).toEqual([]);
        expect((ref.metadata as { envNames?: string[] }).envNames).toEqual(["API_KEY"]);
        // The same provider instance remembers the values (in memory only).
        const same = await provider.restore(ref);
        expect((await provider.exec(same.externalId, ["printenv", "API_KEY"])).stdout).toBe(`${marker}\n`);
        // Another instance cannot: it refuses rather than restoring without them…
        const other = new LocalProvider({ isolation: tier, stateDir });
        try {
          await expect(other.restore(ref)).rejects.toMatchObject({
            code: "invalid_argument",
            field: "overrides.runtime.env",
            message: expect.stringContaining("API_KEY"),
          });
          // …until the caller passes them.
          const given = await other.restore(ref, { runtime: { image: "host", env: { API_KEY: "again" } } });
          expect((await other.exec(given.externalId, ["printenv", "API_KEY"])).stdout).toBe("again\n");
          expect(await other.getExtension(given.externalId, "files")?.readText("kept.txt")).toBe("data");
        } finally {
          await other.destroyAll();
        }
      } finally {
        await provider.destroyAll();
      }
    },
  );
});

/** Files under `dir` whose bytes contain `text`. */
function grepTree(dir: string, text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...grepTree(full, text));
    else if (entry.isFile() && readFileSync(full, "latin1").includes(text)) found.push(full);
  }
  return found;
}
