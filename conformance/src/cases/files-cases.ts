import { expect } from "vitest";
import type { CaseContext } from "../suite/case-context.js";
import type { CaseDefinition } from "./case-definition.js";
import {
  allByteValues,
  assertBytesEqual,
  expectSandboxError,
  joinChunks,
  pathExists,
  pseudoRandomBytes,
  requireExtension,
} from "./case-helpers.js";

/** A sandbox with its files extension; `unsupported` (verified) when the provider has none. */
export async function filesSandbox(c: CaseContext) {
  const box = await c.sandbox();
  return { ...box, files: requireExtension(c, box.id, "files") };
}

/** The `files` extension. */
export const FILES_CASES: readonly CaseDefinition[] = [
  {
    id: "files.text.round-trip",
    run: async (c) => {
      const { files, scratch } = await filesSandbox(c);
      const text = "hello ünïcødé 🚀\r\nline two\n\n";
      const path = `${scratch}/new/parent/dirs/text.txt`;
      await files.write(path, text);
      expect(await files.readText(path), "readText after write").toBe(text);
      await files.write(path, "replaced");
      expect(await files.readText(path), "write replaces the content").toBe("replaced");
      await files.write(`${scratch}/empty.txt`, "");
      expect(await files.readText(`${scratch}/empty.txt`), "an empty file").toBe("");
    },
  },
  {
    id: "files.binary.round-trip",
    run: async (c) => {
      const { files, scratch } = await filesSandbox(c);
      const bytes = joinChunks([allByteValues(), pseudoRandomBytes(512 * 1024, 7)]);
      await files.write(`${scratch}/blob.bin`, bytes);
      assertBytesEqual(await files.read(`${scratch}/blob.bin`), bytes, "read after write");
    },
  },
  {
    id: "files.exec.consistent",
    run: async (c) => {
      const { id, files, scratch } = await filesSandbox(c);
      await files.write(`${scratch}/from-files.txt`, "written by files");
      const cat = await c.mustExec(id, ["cat", `${scratch}/from-files.txt`]);
      expect(cat.stdout, "exec sees a file written through files").toBe("written by files");
      await c.mustExec(id, ["sh", "-c", 'printf "written by exec" > "$1"', "sh", `${scratch}/from-exec.txt`]);
      expect(await files.readText(`${scratch}/from-exec.txt`), "files sees a file written by exec").toBe(
        "written by exec",
      );
      const name = "from-files-relative.txt";
      await files.write(name, "relative");
      const relative = await c.mustExec(id, ["cat", name]);
      expect(relative.stdout, "a relative files path resolves against the working directory").toBe("relative");
      await files.remove(name);
    },
  },
  {
    id: "files.list",
    run: async (c) => {
      const { files, scratch } = await filesSandbox(c);
      // Created out of order, and enough of them that the directory's own order is unlikely sorted.
      const names = ["m.txt", "b.txt", "x.txt", "e.txt", "q.txt", "a.txt", "k.txt", "g.txt"];
      for (const name of names) await files.write(`${scratch}/${name}`, name === "b.txt" ? "bb" : "a");
      await files.write(`${scratch}/c dir/inner.txt`, "x");
      const entries = await files.list(scratch);
      expect(
        entries.map((entry) => [entry.name, entry.type]),
        "entries sorted by name",
      ).toEqual(
        [...names.map((name) => [name, "file"]), ["c dir", "directory"]].sort(([a], [b]) =>
          (a as string) < (b as string) ? -1 : 1,
        ),
      );
      const b = entries.find((entry) => entry.name === "b.txt");
      expect(b?.size, "size of b.txt").toBe(2);
      expect(b?.path, "path of b.txt").toBe(`${scratch}/b.txt`);
      expect(await files.list(`${scratch}/c dir`), "list of a directory with one file").toHaveLength(1);
    },
  },
  {
    id: "files.stat",
    run: async (c) => {
      const { id, files, scratch } = await filesSandbox(c);
      await files.write(`${scratch}/s.txt`, "12345");
      await c.mustExec(id, ["chmod", "640", `${scratch}/s.txt`]);
      const stat = await files.stat(`${scratch}/s.txt`);
      expect(stat.type, "type").toBe("file");
      expect(stat.size, "size").toBe(5);
      expect(stat.name, "name").toBe("s.txt");
      expect(stat.mode & 0o777, "permission bits").toBe(0o640);
      expect(
        stat.modifiedAt instanceof Date && !Number.isNaN(stat.modifiedAt.getTime()),
        "modifiedAt is a valid Date",
      ).toBe(true);
      if (await c.hasProgram(id, "mkfifo")) {
        await c.mustExec(id, ["mkfifo", `${scratch}/fifo`]);
        expect((await files.stat(`${scratch}/fifo`)).type, "type of a FIFO").toBe("other");
      }
      const dir = await files.stat(scratch);
      expect(dir.type, "type of a directory").toBe("directory");
    },
  },
  {
    id: "files.mkdir.parents",
    run: async (c) => {
      const { id, files, scratch } = await filesSandbox(c);
      await files.mkdir(`${scratch}/a/b/c`);
      await files.mkdir(`${scratch}/a/b/c`);
      expect(await pathExists(c, id, `${scratch}/a/b/c`), "the directory exists for exec").toBe(true);
      expect((await files.stat(`${scratch}/a/b`)).type, "parent type").toBe("directory");
    },
  },
  {
    id: "files.remove.recursive",
    run: async (c) => {
      const { id, files, scratch } = await filesSandbox(c);
      await files.write(`${scratch}/tree/x/y.txt`, "y");
      await files.write(`${scratch}/single.txt`, "s");
      await files.remove(`${scratch}/single.txt`);
      await files.remove(`${scratch}/tree`, { recursive: true });
      expect(await pathExists(c, id, `${scratch}/tree`), "the tree is gone").toBe(false);
      expect(await pathExists(c, id, `${scratch}/single.txt`), "the file is gone").toBe(false);
      await files.remove(`${scratch}/never-existed`);
      await files.remove(`${scratch}/never-existed`, { recursive: true });
    },
  },
  {
    id: "files.not-found",
    run: async (c) => {
      const { files, scratch } = await filesSandbox(c);
      const missing = `${scratch}/missing/file.txt`;
      await expectSandboxError(() => files.read(missing), ["not_found"], "read of a missing file");
      await expectSandboxError(() => files.readText(missing), ["not_found"], "readText of a missing file");
      await expectSandboxError(() => files.stat(missing), ["not_found"], "stat of a missing file");
      await expectSandboxError(() => files.list(`${scratch}/missing`), ["not_found"], "list of a missing directory");
    },
  },
];
