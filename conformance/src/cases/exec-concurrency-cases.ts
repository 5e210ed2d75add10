import { isSandboxError } from "@openlattice/core";
import type { CaseDefinition } from "./case-definition.js";

/** Describes what went wrong with one of many concurrent execs, or `undefined` when it is right. */
function mismatch(
  outcome: PromiseSettledResult<{ stdout: string; exitCode: number }>,
  expected: string,
): string | undefined {
  if (outcome.status === "rejected") {
    const error = outcome.reason;
    return `rejected: ${isSandboxError(error) ? error.code : ""} ${String(error)}`;
  }
  const result = outcome.value;
  if (result.stdout !== expected || result.exitCode !== 0) {
    return `stdout ${JSON.stringify(result.stdout)} exit ${result.exitCode}, expected ${JSON.stringify(expected)}`;
  }
  return undefined;
}

/** Many execs at once, in one sandbox and across several. */
export const EXEC_CONCURRENCY_CASES: readonly CaseDefinition[] = [
  {
    id: "exec.concurrent",
    run: async (c) => {
      const node = await c.provision();
      const runs = Array.from({ length: 20 }, (_, index) =>
        c.exec(node.externalId, [
          "sh",
          "-c",
          'printf "begin-%s/" "$1"; sleep 0.3; printf "end-%s" "$1"',
          "sh",
          String(index),
        ]),
      );
      const settled = await Promise.allSettled(runs);
      const problems = settled.flatMap((outcome, index) => {
        const problem = mismatch(outcome, `begin-${index}/end-${index}`);
        return problem ? [`exec ${index}: ${problem}`] : [];
      });
      if (problems.length > 0) throw new Error(`concurrent execs got mixed up:\n${problems.join("\n")}`);
    },
  },
  {
    id: "exec.concurrent.sandboxes",
    run: async (c) => {
      // Provisioned one after another: what runs at once here is the execs.
      const boxes = [await c.sandbox(), await c.sandbox(), await c.sandbox()];
      // Each sandbox gets a file naming it; an exec routed to the wrong sandbox reads another name.
      await Promise.all(
        boxes.map((box, index) =>
          c.mustExec(box.id, ["sh", "-c", 'printf "%s" "$1" > "$2/whoami"', "sh", `box-${index}`, box.scratch]),
        ),
      );
      const runs = boxes.flatMap((box, index) =>
        Array.from({ length: 4 }, (_, round) => ({
          expected: `box-${index}:${round}`,
          run: c.exec(box.id, [
            "sh",
            "-c",
            'sleep 0.2; printf "%s:%s" "$(cat "$1/whoami")" "$2"',
            "sh",
            box.scratch,
            String(round),
          ]),
        })),
      );
      const settled = await Promise.allSettled(runs.map((entry) => entry.run));
      const problems = settled.flatMap((outcome, index) => {
        const expected = (runs[index] as { expected: string }).expected;
        const problem = mismatch(outcome, expected);
        return problem ? [`${expected}: ${problem}`] : [];
      });
      if (problems.length > 0)
        throw new Error(`concurrent execs across sandboxes got mixed up:\n${problems.join("\n")}`);
    },
  },
];
