import { DEFAULT_MAX_OUTPUT_BYTES, type ExecOptions } from "@openlattice/core";
import { expect } from "vitest";
import { type HostileExpectation, type HostileTarget, hostileCorpus } from "../hostile-corpus.js";
import type { CaseDefinition } from "./case-definition.js";
import { assertBytesEqual, expectSandboxError, firstMismatch, pathExists, pseudoRandomBytes } from "./case-helpers.js";

const CORPUS = hostileCorpus();
const byTarget = (target: HostileTarget, expectation: HostileExpectation) =>
  CORPUS.filter((entry) => entry.target === target && entry.expect === expectation);

/** Hostile argv values that must arrive unchanged (shared corpus, plus short ones for the env case). */
const HOSTILE = byTarget("argv", "exact").map((entry) => entry.value);

/** What reaches the command: argv, cwd, env and stdin. */
export const EXEC_INPUT_CASES: readonly CaseDefinition[] = [
  {
    id: "exec.argv.literal",
    run: async (c) => {
      const node = await c.provision();
      const cases = byTarget("argv", "exact");
      // printf re-reads only its format; each %s argument is printed as given, NUL-terminated.
      const result = await c.exec(node.externalId, ["printf", "%s\\000", ...cases.map((entry) => entry.value)]);
      const mismatch = firstMismatch(
        cases.map((entry) => entry.id),
        cases.map((entry) => entry.value),
        result.stdout,
      );
      if (mismatch) throw new Error(`an argument did not arrive literally: ${mismatch}`);
      const count = await c.exec(node.externalId, ["sh", "-c", 'printf "%s" "$#"', "sh", ...HOSTILE]);
      expect(count.stdout, "argument count (nothing split or dropped)").toBe(String(HOSTILE.length));
    },
  },
  {
    id: "exec.argv.invalid",
    run: async (c) => {
      const box = await c.sandbox();
      const marker = `${box.scratch}/ran`;
      const touch = ["sh", "-c", 'touch "$1"', "sh", marker];
      const probes: { argv: readonly string[]; options?: Record<string, unknown>; field: string }[] = [
        { argv: [], field: "argv" },
        { argv: [""], field: "argv[0]" },
        { argv: touch, options: { env: { "A=B": "x" } }, field: "env" },
        { argv: touch, options: { env: { "": "x" } }, field: "env" },
        { argv: touch, options: { timeoutMs: -5 }, field: "timeoutMs" },
        { argv: touch, options: { timeoutMs: 1.5 }, field: "timeoutMs" },
        { argv: touch, options: { maxOutputBytes: -1 }, field: "maxOutputBytes" },
        { argv: touch, options: { olcUnknownOption: true }, field: "olcUnknownOption" },
      ];
      const problems: string[] = [];
      for (const probe of probes) {
        const what = `exec(${JSON.stringify(probe.argv.slice(0, 1))}, ${JSON.stringify(probe.options ?? {})})`;
        try {
          const error = await expectSandboxError(
            c.exec(box.id, probe.argv, probe.options as ExecOptions),
            ["invalid_argument"],
            what,
          );
          if (!String(error.details.field ?? "").startsWith(probe.field)) {
            problems.push(`${what}: names field ${JSON.stringify(error.details.field)}, expected ${probe.field}`);
          }
        } catch (error) {
          problems.push((error as Error).message);
        }
      }
      if (await pathExists(c, box.id, marker)) problems.push("a rejected exec ran its command");
      if (problems.length > 0) throw new Error(problems.join("\n"));
    },
  },
  {
    id: "exec.input.nul",
    run: async (c) => {
      const box = await c.sandbox();
      const marker = `${box.scratch}/ran`;
      const touch = ["sh", "-c", 'touch "$1"', "sh", marker];
      const invalid = CORPUS.filter((entry) => entry.expect === "invalid" && entry.target !== "file-name");
      const problems: string[] = [];
      for (const entry of invalid) {
        const request: { argv: string[]; options: ExecOptions; field: string } =
          entry.target === "argv"
            ? { argv: [...touch, entry.value], options: {}, field: "argv[" }
            : entry.target === "env-name"
              ? { argv: touch, options: { env: { [entry.value]: "x" } }, field: "env" }
              : entry.target === "env-value"
                ? { argv: touch, options: { env: { OLC_NUL: entry.value } }, field: "env" }
                : { argv: touch, options: { cwd: `${box.scratch}/${entry.value}` }, field: "cwd" };
        try {
          const error = await expectSandboxError(
            c.exec(box.id, request.argv, request.options),
            ["invalid_argument"],
            entry.id,
          );
          if (!String(error.details.field ?? "").startsWith(request.field)) {
            problems.push(
              `${entry.id}: names field ${JSON.stringify(error.details.field)}, expected ${request.field}…`,
            );
          }
        } catch (error) {
          problems.push((error as Error).message);
        }
      }
      if (await pathExists(c, box.id, marker)) problems.push("an exec with a NUL byte ran its command");
      if (problems.length > 0) throw new Error(problems.join("\n"));
    },
  },
  {
    id: "exec.cwd.exact",
    run: async (c) => {
      const box = await c.sandbox();
      const dir = `${box.scratch}/dir with space $(echo x) 'q' "d" ü;*`;
      await c.mustExec(box.id, ["mkdir", "-p", "--", dir]);
      const pwd = await c.exec(box.id, ["pwd"], { cwd: dir });
      expect(pwd.stdout, "pwd in a hostile cwd").toBe(`${dir}\n`);
      const relative = await c.exec(box.id, ["sh", "-c", "ls"], { cwd: box.scratch });
      expect(relative.stdout, "a relative path resolves against cwd").toBe(`dir with space $(echo x) 'q' "d" ü;*\n`);
      const cases = byTarget("cwd", "exact");
      const dirs = cases.map((entry) => `${box.scratch}/${entry.value}`);
      await c.mustExec(box.id, ["mkdir", "-p", "--", ...dirs]);
      const problems: string[] = [];
      for (const [index, entry] of cases.entries()) {
        const result = await c.exec(box.id, ["pwd"], { cwd: dirs[index] });
        if (result.stdout !== `${dirs[index]}\n`)
          problems.push(`${entry.id}: pwd printed ${JSON.stringify(result.stdout.slice(0, 120))}`);
      }
      if (problems.length > 0) throw new Error(`cwd not used exactly:\n${problems.join("\n")}`);
      const other = await c.exec(box.id, ["pwd"], { cwd: "/" });
      expect(other.stdout, "cwd /").toBe("/\n");
      const back = await c.exec(box.id, ["pwd"]);
      expect(back.stdout, "the default cwd is unchanged by earlier cwd options").toBe(`${box.workdir}\n`);
    },
  },
  {
    id: "exec.cwd.relative",
    run: async (c) => {
      const box = await c.sandbox();
      const name = box.scratch.slice(box.workdir.length + 1);
      await c.mustExec(box.id, ["mkdir", "-p", "--", `${box.scratch}/inner`]);
      const direct = await c.exec(box.id, ["pwd"], { cwd: name });
      expect(direct.stdout, `pwd with cwd ${JSON.stringify(name)}`).toBe(`${box.scratch}\n`);
      const nested = await c.exec(box.id, ["pwd"], { cwd: `${name}/inner` });
      expect(nested.stdout, "pwd with a nested relative cwd").toBe(`${box.scratch}/inner\n`);
      const dotted = await c.exec(box.id, ["pwd"], { cwd: `./${name}/inner/..` });
      expect(dotted.stdout, "pwd with ./ and .. in a relative cwd").toBe(`${box.scratch}\n`);
    },
  },
  {
    id: "exec.cwd.missing",
    run: async (c) => {
      const box = await c.sandbox();
      const marker = `${box.scratch}/ran`;
      // Running in the wrong directory is a safety bug: the command must not run at all.
      await c.mustExec(box.id, ["sh", "-c", 'printf x > "$1"', "sh", `${box.scratch}/a-file`]);
      for (const cwd of [`${box.scratch}/does-not-exist`, "olc-relative-does-not-exist", `${box.scratch}/a-file`]) {
        await expectSandboxError(
          c.exec(box.id, ["sh", "-c", 'touch "$1"', "sh", marker], { cwd }),
          ["not_found"],
          `exec with the missing cwd ${cwd}`,
        );
      }
      expect(await pathExists(c, box.id, marker), "an exec with a missing cwd ran its command").toBe(false);
    },
  },
  {
    id: "exec.stdin",
    run: async (c) => {
      const node = await c.provision();
      const text = "line one\nline two ü\n\nno trailing newline";
      const fromText = await c.exec(node.externalId, ["cat"], { stdin: text });
      expect(fromText.stdout, "stdin string").toBe(text);
      const bytes = new Uint8Array([0, 1, 2, 255, 10, 13, 0]);
      const fromBytes = await c.exec(node.externalId, ["od", "-An", "-tu1", "-v"], { stdin: bytes });
      expect(fromBytes.stdout.trim().split(/\s+/).map(Number), "stdin bytes").toEqual([...bytes]);
      // Without stdin the command must see end-of-file at once instead of hanging.
      const none = await c.exec(node.externalId, ["cat"], { timeoutMs: 20_000 });
      expect(none.timedOut, "cat without stdin returned").toBe(false);
      expect(none.stdout, "cat without stdin prints nothing").toBe("");
      const count = await c.exec(node.externalId, ["wc", "-c"], { stdin: "" });
      expect(count.stdout.trim(), "an empty stdin string").toBe("0");
      // A command that exits without reading its stdin: the unread input is not the exec's failure.
      const unread = await c.exec(node.externalId, ["true"], { stdin: new Uint8Array(4 * 1024 * 1024) });
      expect(unread.exitCode, "exit code of a command that ignores 4 MiB of stdin").toBe(0);
    },
  },
  {
    id: "exec.stdin.large",
    run: async (c) => {
      const node = await c.provision();
      const bytes = pseudoRandomBytes(c.options.largeStdinBytes, 11);
      const result = await c.exec(node.externalId, ["cat"], {
        stdin: bytes,
        maxOutputBytes: Math.max(bytes.byteLength, DEFAULT_MAX_OUTPUT_BYTES),
      });
      expect(result.exitCode, "cat exit code").toBe(0);
      assertBytesEqual(result.stdoutBytes, bytes, `${bytes.byteLength} bytes of stdin echoed by cat`);
      const counted = await c.exec(node.externalId, ["wc", "-c"], { stdin: bytes });
      expect(counted.stdout.trim(), "wc -c of the stdin").toBe(String(bytes.byteLength));
    },
  },
];
