import { isSandboxError } from "@openlattice/core";
import { hostileCorpus } from "../hostile-corpus.js";
import type { CaseDefinition } from "./case-definition.js";
import { expectSandboxError } from "./case-helpers.js";
import { filesSandbox } from "./files-cases.js";

/** Paths of the `files` extension: confinement and exact names. */
export const FILES_PATH_CASES: readonly CaseDefinition[] = [
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
