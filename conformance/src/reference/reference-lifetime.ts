import { InvalidArgumentError, type LifetimeExtension } from "@openlattice/core";
import { armDeadline, type ReferenceSandbox } from "./reference-state.js";

/**
 * The reference `lifetime` extension: reads and moves the timer that `duration.maxSeconds`
 * armed at creation. A sandbox never lives more than `maxDurationSeconds` from its creation.
 */
export function referenceLifetime(
  live: () => ReferenceSandbox,
  provider: string,
  maxDurationSeconds: number | undefined,
): LifetimeExtension {
  return {
    deadline: async () => live().deadline,
    extend: async (seconds: number) => {
      if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0)
        throw new InvalidArgumentError("seconds", "must be a positive number of seconds", { provider });
      const sandbox = live();
      const next = new Date((sandbox.deadline?.getTime() ?? Date.now()) + seconds * 1000);
      const lifetime = (next.getTime() - sandbox.createdAt.getTime()) / 1000;
      if (maxDurationSeconds !== undefined && lifetime > maxDurationSeconds) {
        throw new InvalidArgumentError(
          "seconds",
          `would end the sandbox ${Math.ceil(lifetime)} s after its creation; at most ${maxDurationSeconds} s (constraints.maxDurationSeconds)`,
          { provider },
        );
      }
      armDeadline(sandbox, next);
      return next;
    },
  };
}
