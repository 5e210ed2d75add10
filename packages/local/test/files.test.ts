import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FilesExtension } from "@openlattice/core";
import { afterAll, describe, expect, it } from "vitest";
import { lazyProvider, SKIP_REASON, skipTier, TIERS } from "./helpers.js";

/** A host directory outside every sandbox, holding a secret that must never be read or overwritten. */
const outside = mkdtempSync(path.join(os.tmpdir(), "ol-outside-"));
const secretFile = path.join(outside, "secret.txt");
writeFileSync(secretFile, "host secret");
afterAll(() => rmSync(outside, { recursive: true, force: true }));

describe.each(TIERS)("files extension (%s tier)", (tier) => {
  const provider = lazyProvider(tier);
  const skip = skipTier(tier);
  const name = (text: string) => `${text}${tier === "namespace" ? SKIP_REASON : ""}`;

  async function sandbox(): Promise<{ id: string; files: FilesExtension }> {
    const p = provider();
    const { externalId } = await p.provision({});
    const files = p.getExtension(externalId, "files");
    if (!files) throw new Error("files extension missing");
    return { id: externalId, files };
  }

  it.skipIf(skip)(name("round-trips binary data and text, creating parent directories"), async () => {
    const { id, files } = await sandbox();
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 7) % 256);
    await files.write("deep/nested/blob.bin", bytes);
    expect(Buffer.from(await files.read("deep/nested/blob.bin")).equals(Buffer.from(bytes))).toBe(true);
    await files.write("t.txt", "żółw\n");
    expect(await files.readText("t.txt")).toBe("żółw\n");
    // The sandbox's own processes see (and can change) what the host wrote.
    const seen = await provider().exec(id, [
      "sh",
      "-c",
      "cat t.txt && echo more >> t.txt && wc -c < deep/nested/blob.bin",
    ]);
    expect(seen.stdout).toBe("żółw\n70000\n");
    expect(await files.readText("t.txt")).toBe("żółw\nmore\n");
  });

  // Regression: the host may not create inodes on the sandbox's own tmpfs (EOVERFLOW), so
  // creation there happens as the sandbox user.
  it.skipIf(skip || tier !== "namespace")(
    name(
      `writes and makes directories on the sandbox's own /tmp${tier === "none" ? " (skipped: in the none tier /tmp is the host's, outside the sandbox)" : ""}`,
    ),
    async () => {
      const { id, files } = await sandbox();
      const bytes = new Uint8Array(4096).map((_, i) => (i * 31) % 256);
      await files.write("/tmp/model/weights.bin", bytes);
      await files.mkdir("/tmp/cache/a/b");
      await files.write("/tmp/model/weights.bin", "replaced");
      expect(await files.readText("/tmp/model/weights.bin")).toBe("replaced");
      await files.write("/tmp/model/raw.bin", bytes);
      expect(Buffer.from(await files.read("/tmp/model/raw.bin")).equals(Buffer.from(bytes))).toBe(true);
      const seen = await provider().exec(id, [
        "sh",
        "-c",
        "stat -c '%U %s' /tmp/model/raw.bin && test -d /tmp/cache/a/b && echo dir",
      ]);
      expect(seen.stdout).toMatch(/^\S+ 4096\ndir\n$/);
      expect((await files.list("/tmp/cache/a")).map((entry) => entry.name)).toEqual(["b"]);
    },
  );

  it.skipIf(skip)(name("reads and writes above the documented size limit fail clearly, naming the limit"), async () => {
    const { id, files } = await sandbox();
    const limit = provider().capabilities.constraints.maxFileBytes ?? Number.POSITIVE_INFINITY;
    expect(Number.isFinite(limit)).toBe(true);
    await expect(files.write("too-big.bin", new Uint8Array(limit + 1))).rejects.toMatchObject({
      code: "invalid_argument",
      field: "data",
      message: expect.stringContaining(String(limit)),
    });
    expect(
      await provider()
        .exec(id, ["test", "-e", "too-big.bin"])
        .then((result) => result.exitCode),
    ).toBe(1);
    // A sparse file larger than the limit costs no disk to make.
    const made = await provider().exec(id, ["truncate", "-s", String(limit + 4096), "sparse.bin"]);
    expect(made.exitCode).toBe(0);
    await expect(files.read("sparse.bin")).rejects.toMatchObject({ code: "invalid_argument" });
  });

  it.skipIf(skip)(name("lists, stats, makes and removes entries"), async () => {
    const { files } = await sandbox();
    await files.mkdir("d/e");
    await files.mkdir("d/e");
    await files.write("d/b.txt", "bb");
    await files.write("d/a.txt", "a");
    const entries = await files.list("d");
    expect(entries.map((e) => [e.name, e.type, e.size])).toEqual([
      ["a.txt", "file", 1],
      ["b.txt", "file", 2],
      ["e", "directory", expect.any(Number)],
    ]);
    expect(entries[0]?.path.endsWith("/d/a.txt")).toBe(true);
    const stat = await files.stat("d/b.txt");
    expect(stat).toMatchObject({ name: "b.txt", type: "file", size: 2 });
    expect(stat.mode & 0o777).toBe(0o644);
    expect(stat.modifiedAt).toBeInstanceOf(Date);
    await expect(files.remove("d")).rejects.toMatchObject({ code: "invalid_argument" });
    await files.remove("d", { recursive: true });
    await files.remove("d");
    await expect(files.stat("d")).rejects.toMatchObject({ code: "not_found" });
    await expect(files.read("missing.txt")).rejects.toMatchObject({ code: "not_found" });
  });

  it.skipIf(skip)(name("'../' never escapes the sandbox"), async () => {
    const { files } = await sandbox();
    const climb = `../../../../../../../..${secretFile}`;
    await expect(files.read(climb)).rejects.toMatchObject({
      code: expect.stringMatching(/not_found|invalid_argument/),
    });
    // The climb stops at the sandbox's root: the write either fails or lands in the sandbox's
    // own view of that path (its /tmp in the namespace tier) — never in the host directory.
    const planted = await files.write(`../../../../../../../..${outside}/planted.txt`, "x").then(
      () => "written",
      () => "rejected",
    );
    expect(existsSync(path.join(outside, "planted.txt"))).toBe(false);
    if (planted === "written") expect(await files.readText(`${outside}/planted.txt`)).toBe("x");
  });

  it.skipIf(skip)(name("symlinks planted inside cannot make reads or writes escape"), async () => {
    const p = provider();
    const { id, files } = await sandbox();
    // The sandbox plants links to the host secret: absolute, relative, and to a directory.
    const plant = await p.exec(id, [
      "sh",
      "-c",
      `ln -s ${secretFile} abs && ln -s ../../../../../../../..${secretFile} rel && ln -s ${outside} dirlink && ln -s ${outside}/new.txt dangling`,
    ]);
    expect(plant.exitCode).toBe(0);
    for (const link of ["abs", "rel", "dirlink/secret.txt"]) {
      const outcome = await files.read(link).then(
        (bytes) => Buffer.from(bytes).toString(),
        (error: { code: string }) => error.code,
      );
      expect(outcome).not.toBe("host secret");
    }
    for (const link of ["abs", "rel", "dirlink/secret.txt", "dangling"]) {
      await files.write(link, "overwritten").catch(() => {});
    }
    await files.mkdir("dirlink/made").catch(() => {});
    expect(readFileSync(secretFile, "utf8")).toBe("host secret");
    expect(existsSync(path.join(outside, "new.txt"))).toBe(false);
    expect(existsSync(path.join(outside, "made"))).toBe(false);
    // The link itself is reported as a link, not as what it points to.
    expect((await files.stat("abs")).type).toBe("symlink");
    await files.remove("dirlink", { recursive: true });
    expect(existsSync(secretFile)).toBe(true);
  });

  it.skipIf(skip)(name("follows symlinks that stay inside, absolute ones included"), async () => {
    const p = provider();
    const { id, files } = await sandbox();
    await files.write("inner.txt", "inside");
    const made = await p.exec(id, [
      "sh",
      "-c",
      'ln -s "$PWD/inner.txt" abs && ln -s inner.txt rel && mkdir d && ln -s ../inner.txt d/up',
    ]);
    expect(made.exitCode).toBe(0);
    for (const link of ["abs", "rel", "d/up"]) expect(await files.readText(link)).toBe("inside");
    await files.write("abs", "changed");
    expect(await files.readText("inner.txt")).toBe("changed");
  });

  it.skipIf(skip)(name("rejects bad paths and data as invalid_argument"), async () => {
    const { files } = await sandbox();
    await expect(files.write("x\u0000y", "a")).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(files.write("ok.txt", 42 as unknown as string)).rejects.toMatchObject({ code: "invalid_argument" });
    await files.write("plain", "p");
    await expect(files.list("plain")).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(files.read(".")).rejects.toMatchObject({ code: "invalid_argument" });
  });
});
