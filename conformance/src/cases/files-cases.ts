import { isSandboxError } from "@openlattice/core";
import { expect } from "vitest";
import { hostileCorpus } from "../hostile-corpus.js";
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

async function filesSandbox(c: CaseContext) {
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
      await files.write(`${scratch}/b.txt`, "bb");
      await files.write(`${scratch}/a.txt`, "a");
      await files.write(`${scratch}/c dir/inner.txt`, "x");
      const entries = await files.list(scratch);
      expect(
        entries.map((entry) => [entry.name, entry.type]),
        "entries sorted by name",
      ).toEqual([
        ["a.txt", "file"],
        ["b.txt", "file"],
        ["c dir", "directory"],
      ]);
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
  {
    id: "files.path.confined",
    run: async (c) => {
      const { id, files, scratch, workdir } = await filesSandbox(c);
      const token = `olc-escape-${Math.random().toString(36).slice(2)}`;
      const target = `/tmp/${token}`;
      const dots = "../".repeat(workdir.split("/").length + 8);
      const problems: string[] = [];
      // A write through "..": either refused with a typed error, or it lands where the sandbox itself sees that path.
      try {
        await files.write(`${dots}tmp/${token}`, token);
        const seen = await c.exec(id, ["cat", target]);
        if (seen.stdout !== token)
          problems.push(`a write through ".." resolved but the sandbox does not see it at ${target}`);
      } catch (error) {
        if (!isSandboxError(error)) problems.push(`a write through ".." failed untyped: ${String(error)}`);
      }
      // A symlink to / inside the sandbox must resolve inside the sandbox, never on the host running the provider.
      await c.mustExec(id, [
        "sh",
        "-c",
        'printf "%s" "$1" > "/tmp/$1.src" && ln -s / "$2/root-link"',
        "sh",
        token,
        scratch,
      ]);
      try {
        const viaLink = await files.readText(`${scratch}/root-link/tmp/${token}.src`);
        if (viaLink !== token)
          problems.push(
            `reading through a symlink to / returned ${JSON.stringify(viaLink.slice(0, 80))}, not the sandbox's file`,
          );
      } catch (error) {
        if (!isSandboxError(error) || error.code === "not_found") {
          problems.push(
            `reading through a symlink to / failed with ${isSandboxError(error) ? error.code : String(error)}: the file exists in the sandbox`,
          );
        }
      }
      try {
        await files.write(`${scratch}/root-link/tmp/${token}.via-link`, token);
        const seen = await c.exec(id, ["cat", `/tmp/${token}.via-link`]);
        if (seen.stdout !== token)
          problems.push("a write through a symlink to / resolved but the sandbox does not see the file");
      } catch (error) {
        if (!isSandboxError(error)) problems.push(`a write through a symlink failed untyped: ${String(error)}`);
      }
      await c.exec(id, ["rm", "-f", target, `${target}.src`, `${target}.via-link`]);
      if (problems.length > 0) throw new Error(problems.join("\n"));
    },
  },
  {
    id: "files.names.exact",
    run: async (c) => {
      const { id, files, scratch } = await filesSandbox(c);
      const corpus = hostileCorpus().filter((entry) => entry.target === "file-name");
      const exact = corpus.filter((entry) => entry.expect === "exact");
      const problems: string[] = [];
      for (const entry of exact) {
        try {
          await files.write(`${scratch}/${entry.value}`, entry.id);
          const back = await files.readText(`${scratch}/${entry.value}`);
          if (back !== entry.id) problems.push(`${entry.id}: read back ${JSON.stringify(back)}`);
        } catch (error) {
          problems.push(`${entry.id}: ${String(error)}`);
        }
      }
      const listed = (await files.list(scratch)).map((entry) => entry.name);
      for (const entry of exact) if (!listed.includes(entry.value)) problems.push(`${entry.id}: missing from list()`);
      // exec sees the same names: ask the sandbox for each file's content by its exact name.
      const cat = await c.exec(id, [
        "sh",
        "-c",
        'for f in "$@"; do cat -- "$f"; printf "\\000"; done',
        "sh",
        ...exact.map((entry) => `${scratch}/${entry.value}`),
      ]);
      const seen = cat.stdout.split("\u0000");
      exact.forEach((entry, index) => {
        if (seen[index] !== entry.id)
          problems.push(`${entry.id}: exec read ${JSON.stringify(seen[index]?.slice(0, 80))}`);
      });
      for (const entry of corpus.filter((candidate) => candidate.expect === "invalid")) {
        try {
          await expectSandboxError(
            () => files.write(`${scratch}/${entry.value}`, "x"),
            ["invalid_argument"],
            `write of ${entry.id}`,
          );
        } catch (error) {
          problems.push((error as Error).message);
        }
      }
      if (problems.length > 0) throw new Error(`file names not kept exactly:\n${problems.join("\n")}`);
    },
  },
];
