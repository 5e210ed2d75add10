import { expect } from "vitest";
import type { CaseDefinition } from "./case-definition.js";
import { expectSandboxError, requireExtension, sleep, waitForEnd } from "./case-helpers.js";

/** Slack between two deadlines a provider computes from one another (rounding to seconds). */
const ROUNDING_MS = 1_000;

/** The duration limit of a live sandbox (`lifetime` extension). */
export const LIFETIME_CASES: readonly CaseDefinition[] = [
  {
    id: "lifetime.extend",
    run: async (c) => {
      const maxSeconds = 3;
      const extraSeconds = 4;
      const skew = c.options.clockSkewMs;
      const before = Date.now();
      const node = await c.provision({ duration: { maxSeconds } });
      const after = Date.now();
      const lifetime = requireExtension(c, node.externalId, "lifetime");
      const deadline = await lifetime.deadline();
      if (!(deadline instanceof Date))
        throw new Error(`deadline() of a sandbox with maxSeconds ${maxSeconds} is ${String(deadline)}`);
      expect(deadline.getTime(), "deadline() after provision + maxSeconds").toBeGreaterThanOrEqual(
        before + maxSeconds * 1000 - skew,
      );
      expect(deadline.getTime(), "deadline() after provision + maxSeconds").toBeLessThanOrEqual(
        after + maxSeconds * 1000 + skew,
      );
      const extended = await lifetime.extend(extraSeconds);
      expect(
        Math.abs(extended.getTime() - (deadline.getTime() + extraSeconds * 1000)),
        `ms between extend(${extraSeconds})'s deadline and the old one + ${extraSeconds} s`,
      ).toBeLessThanOrEqual(ROUNDING_MS);
      const reread = await lifetime.deadline();
      expect(Math.abs((reread?.getTime() ?? 0) - extended.getTime()), "deadline() after extend").toBeLessThanOrEqual(
        ROUNDING_MS,
      );
      const max = c.capabilities.constraints.maxDurationSeconds;
      if (max !== undefined) {
        await expectSandboxError(
          () => lifetime.extend(max),
          ["invalid_argument"],
          `extend(${max}) past maxDurationSeconds`,
        );
        const unchanged = await lifetime.deadline();
        expect(
          Math.abs((unchanged?.getTime() ?? 0) - extended.getTime()),
          "deadline() after a refused extend",
        ).toBeLessThanOrEqual(ROUNDING_MS);
      }
      // Past the old deadline (with a margin), the sandbox still runs commands.
      await sleep(Math.max(0, deadline.getTime() + 1_500 - Date.now()));
      const alive = await c.exec(node.externalId, ["sh", "-c", "echo alive"]);
      expect(alive.stdout, "an exec 1.5 s after the old deadline").toBe("alive\n");
      // And the new deadline still ends it.
      const info = await waitForEnd(
        c,
        node.externalId,
        extended.getTime() - Date.now() + c.options.timeouts.durationGraceMs,
      );
      expect(info.status, "status after the extended deadline (plus durationGraceMs)").toBe("terminated");
    },
  },
];
