import { isSandboxError } from "@openlattice/core";
import { expect } from "vitest";
import { type HostileExpectation, type HostileTarget, hostileCorpus } from "../hostile-corpus.js";
import type { CaseDefinition } from "./case-definition.js";
import { expectSandboxError } from "./case-helpers.js";

const CORPUS = hostileCorpus();
const byTarget = (target: HostileTarget, expectation: HostileExpectation) =>
  CORPUS.filter((entry) => entry.target === target && entry.expect === expectation);

/** Hostile argv values that must arrive unchanged (shared corpus, plus short ones for the env case). */
const HOSTILE = byTarget("argv", "exact").map((entry) => entry.value);

/** A shell snippet printing `$name`, or `unset` when the variable does not exist. */
const printOrUnset = (name: string) => `printf "%s" "\${${name}-unset}"`;

/** Names the output of a check after the corpus id, so a failure says which value broke. */
function firstMismatch(ids: readonly string[], expected: readonly string[], actual: string): string | undefined {
  const parts = actual.split("\u0000");
  for (let i = 0; i < expected.length; i++) {
    if (parts[i] !== expected[i])
      return `${ids[i]}: expected ${JSON.stringify(expected[i]?.slice(0, 80))}, got ${JSON.stringify(parts[i]?.slice(0, 80))}`;
  }
  return parts.length === expected.length + 1
    ? undefined
    : `expected ${expected.length} values, got ${parts.length - 1}`;
}

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
      const node = await c.provision();
      await expectSandboxError(c.exec(node.externalId, []), ["invalid_argument"], "exec with an empty argv");
      await expectSandboxError(
        c.exec(node.externalId, ["echo", "nul\u0000byte"]),
        ["invalid_argument"],
        "exec with a NUL byte",
      );
      await expectSandboxError(
        c.exec(node.externalId, ["true"], { env: { "A=B": "x" } }),
        ["invalid_argument"],
        "env name with '='",
      );
      await expectSandboxError(
        c.exec(node.externalId, ["true"], { timeoutMs: -5 }),
        ["invalid_argument"],
        "negative timeoutMs",
      );
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
    id: "exec.cwd.missing",
    run: async (c) => {
      const box = await c.sandbox();
      const missing = `${box.scratch}/does-not-exist`;
      let result: Awaited<ReturnType<typeof c.exec>>;
      try {
        result = await c.exec(box.id, ["pwd"], { cwd: missing });
      } catch (error) {
        if (!isSandboxError(error)) throw new Error(`exec in a missing cwd failed untyped: ${String(error)}`);
        return;
      }
      expect(result.exitCode, `exec in a missing cwd ran and printed ${JSON.stringify(result.stdout)}`).not.toBe(0);
    },
  },
  {
    id: "exec.env.exact",
    run: async (c) => {
      const node = await c.provision();
      const values = byTarget("env-value", "exact");
      const env: Record<string, string> = {};
      values.forEach((entry, index) => {
        env[`OLC_V${index}`] = entry.value;
      });
      // "$NAME" inside double quotes expands without re-parsing the value, so the output is exact.
      const script = `printf '%s\\000' ${values.map((_, index) => `"$OLC_V${index}"`).join(" ")}`;
      const result = await c.exec(node.externalId, ["sh", "-c", script], { env });
      const mismatch = firstMismatch(
        values.map((entry) => entry.id),
        values.map((entry) => entry.value),
        result.stdout,
      );
      if (mismatch) throw new Error(`an env value did not arrive exactly: ${mismatch}`);
      // Unusual names: passed exactly, or refused with invalid_argument (some backends restrict names).
      const problems: string[] = [];
      for (const entry of [...byTarget("env-name", "exact"), ...byTarget("env-name", "exact-or-invalid")]) {
        try {
          const listed = await c.exec(node.externalId, ["env"], { env: { [entry.value]: "olc-value" } });
          if (!listed.stdout.includes(`${entry.value}=olc-value\n`))
            problems.push(`${entry.id}: not in the environment`);
        } catch (error) {
          const allowed =
            entry.expect === "exact-or-invalid" && isSandboxError(error) && error.code === "invalid_argument";
          if (!allowed) problems.push(`${entry.id}: ${String(error)}`);
        }
      }
      if (problems.length > 0) throw new Error(`env names not passed exactly:\n${problems.join("\n")}`);
      const path = await c.exec(node.externalId, ["sh", "-c", 'printf "%s" "$PATH"'], { env: { OLC_ONLY: "1" } });
      expect(path.stdout.length, "extra env keeps PATH").toBeGreaterThan(0);
    },
  },
  {
    id: "exec.env.isolated",
    run: async (c) => {
      const node = await c.provision();
      const first = await c.exec(node.externalId, ["sh", "-c", 'printf "%s" "$OLC_LEAK"'], {
        env: { OLC_LEAK: "first" },
      });
      expect(first.stdout, "env reaches the first exec").toBe("first");
      const second = await c.exec(node.externalId, ["sh", "-c", printOrUnset("OLC_LEAK")]);
      expect(second.stdout, "env of the first exec in the second").toBe("unset");
      await c.exec(node.externalId, ["sh", "-c", "export OLC_EXPORTED=1"]);
      const third = await c.exec(node.externalId, ["sh", "-c", printOrUnset("OLC_EXPORTED")]);
      expect(third.stdout, "a variable exported by an earlier command").toBe("unset");
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
    },
  },
];
