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
  const network = c.provider.getExtension(node.externalId, "network");
  await network?.getUrl(1).catch(ignore);
  await c.provider.destroy(node.externalId);
  await c.provider.exec(node.externalId, ["true"]).catch(ignore);
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
        if (!isSandboxError(error)) {
          problems.push(
            `${method} in ${requirement}: untyped ${error instanceof Error ? error.name : typeof error}: ${preview(String(error))}`,
          );
        } else if (error.retryable !== DEFAULT_RETRYABLE[error.code]) {
          problems.push(
            `${method} in ${requirement}: ${error.code} with retryable ${error.retryable}, its code's default is ${DEFAULT_RETRYABLE[error.code]} (${preview(error.message)})`,
          );
        }
      }
      c.note(`checked ${c.run.errors.length} rejections`);
      if (problems.length > 0) throw new Error(`errors that break the error contract:\n${problems.join("\n")}`);
    },
  },
];
