import { InternalError, InvalidArgumentError, type LifetimeExtension, UnsupportedError } from "@openlattice/core";
import type { Sandbox } from "modal";
import { runHelper } from "./helper-exec.js";
import { DEADLINE_TAG } from "./labels.js";
import { extendArgv, READ_DEADLINE_ARGV } from "./lifetime-supervisor.js";
import { mapModalError } from "./map-modal-error.js";

/** How the extension reaches one sandbox. */
export interface LifetimeTarget {
  readonly externalId: string;
  /** The provider's lifetime limit: nothing lives longer than this from creation. */
  readonly limitSeconds: number;
  sandbox(): Promise<Sandbox>;
  /** When the sandbox was created (its creation tag). */
  createdAt(): Promise<Date>;
}

/** The helper's exit when the sandbox has no supervisor (created without extendableLifetime). */
const NOT_SUPERVISED = 4;
const BEYOND_LIMIT = 3;

/**
 * The `lifetime` extension on Modal, for providers built with `extendableLifetime`: the
 * deadline is the supervisor's (see lifetime-supervisor.ts), read and moved by one exec each.
 * A sandbox created without a supervisor reports the deadline recorded in its tags and
 * cannot be extended.
 */
export function createLifetimeExtension(target: LifetimeTarget): LifetimeExtension {
  const call = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw mapModalError(error, { operation: `lifetime.${operation}`, externalId: target.externalId });
    }
  };
  const notSupervised = (operation: string) =>
    new UnsupportedError(
      `lifetime.${operation}`,
      `sandbox ${target.externalId} was created without extendableLifetime: Modal cannot move its timeout`,
      { provider: "modal" },
    );

  return {
    deadline: async () => {
      const sandbox = await target.sandbox();
      const result = await call("deadline", () => runHelper(sandbox, READ_DEADLINE_ARGV));
      if (result.code === 0) return epochSeconds(result.stdout);
      if (result.code !== NOT_SUPERVISED)
        throw helperFailure("deadline", target.externalId, result.code, result.stderr);
      const tagged = Number((await call("deadline", () => sandbox.getTags()))[DEADLINE_TAG]);
      if (!Number.isSafeInteger(tagged)) throw notSupervised("deadline");
      return new Date(tagged * 1000);
    },

    extend: async (seconds) => {
      if (!Number.isSafeInteger(seconds) || seconds < 1) {
        throw new InvalidArgumentError("seconds", "must be a whole number of seconds, at least 1", {
          provider: "modal",
        });
      }
      const sandbox = await target.sandbox();
      const limit = new Date((await target.createdAt()).getTime() + target.limitSeconds * 1000);
      const result = await call("extend", () => runHelper(sandbox, extendArgv(seconds, limit)));
      if (result.code === 0) return epochSeconds(result.stdout);
      if (result.code === NOT_SUPERVISED) throw notSupervised("extend");
      if (result.code === BEYOND_LIMIT) {
        const current = epochSeconds(result.stdout);
        const room = Math.max(0, Math.floor((limit.getTime() - current.getTime()) / 1000));
        throw new InvalidArgumentError(
          "seconds",
          `would end the sandbox after its lifetime limit (${target.limitSeconds} s from creation, ${limit.toISOString()}); the deadline can move at most ${room} s more`,
          { provider: "modal", details: { deadline: current.toISOString(), limit: limit.toISOString() } },
        );
      }
      throw helperFailure("extend", target.externalId, result.code, result.stderr);
    },
  };
}

function epochSeconds(stdout: Uint8Array): Date {
  return new Date(Number(new TextDecoder().decode(stdout).trim()) * 1000);
}

function helperFailure(operation: string, externalId: string, code: number, stderr: string): InternalError {
  return new InternalError(
    `lifetime.${operation} ${externalId}: the helper failed (exit ${code}): ${stderr.slice(-300)}`,
    {
      provider: "modal",
    },
  );
}
