import { expect } from "vitest";
import type { CaseDefinition } from "./case-definition.js";
import { assertBytesEqual, expectSandboxError, pathExists, pseudoRandomBytes } from "./case-helpers.js";
import { filesSandbox } from "./files-cases.js";

/** The largest file the boundary case writes; a provider declaring more is checked only for the refusal. */
const BOUNDARY_BUDGET = 1024 * 1024 * 1024;

/** Bytes of a cheap, position-dependent pattern: corruption anywhere changes what is read back. */
function patternBytes(length: number): Uint8Array {
  const block = pseudoRandomBytes(64 * 1024, 5);
  const out = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += block.byteLength) {
    out.set(block.subarray(0, Math.min(block.byteLength, length - offset)), offset);
  }
  // A counter every 4 KiB, so a block repeated or dropped does not compare equal.
  const view = new DataView(out.buffer);
  for (let offset = 0; offset + 4 <= length; offset += 4096) view.setUint32(offset, offset / 4096);
  return out;
}

/** Size limits, symlinks, metadata and refusals of the `files` extension. */
export const FILES_BOUNDARY_CASES: readonly CaseDefinition[] = [
  {
    id: "files.large.round-trip",
    run: async (c) => {
      const { id, files, scratch } = await filesSandbox(c);
      const limit = c.capabilities.constraints.maxFileBytes;
      const size = Math.min(c.options.largeFileBytes, limit ?? Number.POSITIVE_INFINITY);
      if (size < c.options.largeFileBytes) c.note(`maxFileBytes is ${limit}: the round trip used ${size} bytes`);
      const bytes = patternBytes(size);
      const path = `${scratch}/large.bin`;
      await files.write(path, bytes);
      const size2 = await c.mustExec(id, ["wc", "-c", path]);
      expect(Number(size2.stdout.trim().split(/\s+/)[0]), "size of the large file as exec sees it").toBe(size);
      assertBytesEqual(await files.read(path), bytes, `read back ${size} bytes`);
    },
  },
  {
    id: "files.max-bytes.boundary",
    run: async (c) => {
      const { id, files, scratch } = await filesSandbox(c);
      const limit = c.capabilities.constraints.maxFileBytes;
      if (limit === undefined) {
        c.note("the provider declares no constraints.maxFileBytes; files.large.round-trip covers large files");
        return;
      }
      const over = `${scratch}/over.bin`;
      await expectSandboxError(
        () => files.write(over, new Uint8Array(limit + 1)),
        ["invalid_argument"],
        `write of maxFileBytes + 1 (${limit + 1}) bytes`,
      );
      expect(await pathExists(c, id, over), "a refused write left a file behind").toBe(false);
      if (limit > BOUNDARY_BUDGET) {
        c.note(
          `maxFileBytes ${limit} exceeds the suite's ${BOUNDARY_BUDGET}-byte budget: only the refusal was checked`,
        );
        return;
      }
      const at = `${scratch}/at-limit.bin`;
      const bytes = patternBytes(limit);
      await files.write(at, bytes);
      assertBytesEqual(await files.read(at), bytes, `read back exactly maxFileBytes (${limit})`);
      // A file the sandbox made one byte over the limit cannot be read in one call either.
      await c.mustExec(id, ["sh", "-c", 'head -c "$1" /dev/zero > "$2"', "sh", String(limit + 1), over]);
      await expectSandboxError(() => files.read(over), ["invalid_argument"], "read of maxFileBytes + 1 bytes");
    },
  },
  {
    id: "files.stat.agrees",
    run: async (c) => {
      const { id, files, scratch } = await filesSandbox(c);
      if (!(await c.hasProgram(id, "stat"))) c.notRun("the sandbox image has no stat program to compare with");
      // An old, exact mtime: "now" cannot match it by accident.
      await c.mustExec(id, [
        "sh",
        "-c",
        'cd "$1" && printf x > f && chmod 0751 f && touch -t 200102030405.06 f && mkdir d && chmod 0710 d && touch -t 200203040506.07 d',
        "sh",
        scratch,
      ]);
      await files.write(`${scratch}/written.txt`, "through files");
      const problems: string[] = [];
      for (const name of ["f", "d", "written.txt"]) {
        const path = `${scratch}/${name}`;
        const seen = (await c.mustExec(id, ["stat", "-c", "%a %Y", path])).stdout.trim().split(" ");
        const stat = await files.stat(path);
        const mode = (stat.mode & 0o7777).toString(8);
        if (mode !== seen[0]) problems.push(`${name}: files.stat mode ${mode}, the sandbox's stat says ${seen[0]}`);
        const seconds = Math.floor(stat.modifiedAt.getTime() / 1000);
        if (String(seconds) !== seen[1]) {
          problems.push(`${name}: files.stat modifiedAt ${seconds} s, the sandbox's stat says ${seen[1]} s`);
        }
      }
      if (problems.length > 0) throw new Error(problems.join("\n"));
    },
  },
  {
    id: "files.symlink.not-followed",
    run: async (c) => {
      const { id, files, scratch } = await filesSandbox(c);
      await c.mustExec(id, [
        "sh",
        "-c",
        'cd "$1" && printf target > target.txt && ln -s target.txt link && mkdir real-dir && ln -s real-dir dir-link && ln -s /olc-does-not-exist dangling',
        "sh",
        scratch,
      ]);
      const problems: string[] = [];
      for (const name of ["link", "dir-link", "dangling"]) {
        try {
          const stat = await files.stat(`${scratch}/${name}`);
          if (stat.type !== "symlink") problems.push(`stat(${name}).type is ${stat.type}, expected symlink`);
        } catch (error) {
          problems.push(`stat(${name}) threw ${String(error)}`);
        }
      }
      const listed = Object.fromEntries((await files.list(scratch)).map((entry) => [entry.name, entry.type]));
      const expected = {
        dangling: "symlink",
        "dir-link": "symlink",
        link: "symlink",
        "real-dir": "directory",
        "target.txt": "file",
      };
      if (JSON.stringify(listed) !== JSON.stringify(expected)) {
        problems.push(`list types ${JSON.stringify(listed)}, expected ${JSON.stringify(expected)}`);
      }
      if (problems.length > 0) throw new Error(problems.join("\n"));
    },
  },
  {
    id: "files.remove.non-empty",
    run: async (c) => {
      const { id, files, scratch } = await filesSandbox(c);
      await files.write(`${scratch}/full/inner/x.txt`, "x");
      await expectSandboxError(
        () => files.remove(`${scratch}/full`),
        ["invalid_argument", "conflict"],
        "remove of a non-empty directory without recursive",
      );
      expect(await pathExists(c, id, `${scratch}/full/inner/x.txt`), "the directory's content after the refusal").toBe(
        true,
      );
    },
  },
];
