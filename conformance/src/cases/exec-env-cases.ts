import { isSandboxError } from "@openlattice/core";
import { expect } from "vitest";
import { hostileCorpus } from "../hostile-corpus.js";
import type { CaseDefinition } from "./case-definition.js";
import { firstMismatch } from "./case-helpers.js";

const CORPUS = hostileCorpus();

/** A shell snippet printing `$name`, or `unset` when the variable does not exist. */
const printOrUnset = (name: string) => `printf "%s" "\${${name}-unset}"`;

/** The environment a command sees: values, names, isolation between calls. */
export const EXEC_ENV_CASES: readonly CaseDefinition[] = [
  {
    id: "exec.env.exact",
    run: async (c) => {
      const node = await c.provision();
      const values = CORPUS.filter((entry) => entry.target === "env-value" && entry.expect === "exact");
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
      for (const entry of CORPUS.filter((entry) => entry.target === "env-name" && entry.expect !== "invalid")) {
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
      expect(second.stdout, "env of the first exec in a second exec without env").toBe("unset");
      // Both pass env: the second's own variables must not bring the first's along.
      const withOwn = await c.exec(
        node.externalId,
        ["sh", "-c", `${printOrUnset("OLC_LEAK")}; ${printOrUnset("OLC_OWN")}`],
        {
          env: { OLC_OWN: "own" },
        },
      );
      expect(withOwn.stdout, "env of the first exec in a second exec with its own env").toBe("unsetown");
      const again = await c.exec(node.externalId, ["sh", "-c", printOrUnset("OLC_OWN")], { env: { OLC_THIRD: "3" } });
      expect(again.stdout, "env of the second exec in a third exec with env").toBe("unset");
      await c.exec(node.externalId, ["sh", "-c", "export OLC_EXPORTED=1"]);
      const third = await c.exec(node.externalId, ["sh", "-c", printOrUnset("OLC_EXPORTED")]);
      expect(third.stdout, "a variable exported by an earlier command").toBe("unset");
    },
  },
  {
    id: "exec.env.empty-value",
    run: async (c) => {
      const node = await c.provision({ runtime: { env: { OLC_SPEC_EMPTY: "", OLC_SPEC_SET: "set" } } });
      const script = `${printOrUnset("OLC_EMPTY")}; printf /; ${printOrUnset("OLC_NEVER_SET")}; printf /; ${printOrUnset("OLC_SPEC_EMPTY")}`;
      const result = await c.exec(node.externalId, ["sh", "-c", script], { env: { OLC_EMPTY: "" } });
      expect(result.stdout, "exec env empty / unset / runtime.env empty").toBe("/unset/");
      const listed = await c.exec(node.externalId, ["env"], { env: { OLC_EMPTY: "" } });
      expect(listed.stdout.split("\n"), "env lists the empty variables").toEqual(
        expect.arrayContaining(["OLC_EMPTY=", "OLC_SPEC_EMPTY="]),
      );
      const cleared = await c.exec(node.externalId, ["sh", "-c", printOrUnset("OLC_SPEC_SET")], {
        env: { OLC_SPEC_SET: "" },
      });
      expect(cleared.stdout, "an empty exec value over a runtime.env value").toBe("");
    },
  },
];
