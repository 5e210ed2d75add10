import { DEFAULT_RETRYABLE, isSandboxError } from "@openlattice/core";
import type { CaseContext } from "../suite/case-context.js";
import type { CaseDefinition } from "./case-definition.js";
import { preview } from "./case-helpers.js";

/** Calls that must fail: every one of them is recorded by the tracking provider. */
async function provokeErrors(c: CaseContext): Promise<void> {
  const ignore = () => undefined;
  await c.provider.provision(c.spec({ resources: { memoryMiB: -1 } })).catch(ignore);
  await c.provider.exec("olc-never-created-errors", ["true"]).catch(ignore);
  await c.provider.snapshot("olc-never-created-errors").catch(ignore);
  if (c.options.image === undefined && c.capabilities.constraints.defaultImage === undefined) return;
  const node = await c.provision();
  await c.provider.exec(node.externalId, []).catch(ignore);
  await c.provider.exec(node.externalId, ["true"], { cwd: "/olc-missing-directory" }).catch(ignore);
  const files = c.provider.getExtension(node.externalId, "files");
  await files?.read("/olc-missing-file").catch(ignore);
  await files?.read("/").catch(ignore);
  const network = c.provider.getExtension(node.externalId, "network");
  await network?.getUrl(1).catch(ignore);
  await c.provider.destroy(node.externalId);
  await c.provider.exec(node.externalId, ["true"]).catch(ignore);
}

/**
 * What breaks the error contract (core README, "Errors"): a `SandboxError` with its code's
 * default `retryable`, a message that says what happened, the provider's name, the `field` of an
 * `invalid_argument` and the `feature` of an `unsupported`.
 */
function contractProblem(error: unknown, provider: string): string | undefined {
  if (!isSandboxError(error)) {
    return `untyped ${error instanceof Error ? error.name : typeof error}: ${preview(String(error))}`;
  }
  const what = `${error.code} (${preview(error.message)})`;
  if (error.retryable !== DEFAULT_RETRYABLE[error.code]) {
    return `${what} with retryable ${error.retryable}, its code's default is ${DEFAULT_RETRYABLE[error.code]}`;
  }
  if (error.message.trim() === "") return `${error.code} with an empty message`;
  if (error.provider !== provider) {
    return `${what} names provider ${JSON.stringify(error.provider)}, not ${JSON.stringify(provider)}`;
  }
  const detail = error.code === "invalid_argument" ? "field" : error.code === "unsupported" ? "feature" : undefined;
  const value = detail === undefined ? undefined : error.details[detail];
  if (detail !== undefined && (typeof value !== "string" || value === "")) return `${what} names no ${detail}`;
  return undefined;
}

/** The error contract, checked over every rejection the run saw. */
export const ERRORS_CASES: readonly CaseDefinition[] = [
  {
    id: "errors.typed",
    last: true,
    run: async (c) => {
      await provokeErrors(c);
      const problems: string[] = [];
      for (const { method, requirement, error } of c.run.errors) {
        const problem = contractProblem(error, c.raw.name);
        if (problem !== undefined) problems.push(`${method} in ${requirement}: ${problem}`);
      }
      c.note(`checked ${c.run.errors.length} rejections`);
      if (problems.length > 0) throw new Error(`errors that break the error contract:\n${problems.join("\n")}`);
    },
  },
];
