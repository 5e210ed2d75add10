import path from "node:path";
import { InvalidArgumentError } from "@openlattice/core";

/**
 * Resolves a path of a files-like call the way spec v1 says: absolute inside the sandbox, or
 * relative to its working directory. Modal's filesystem API takes absolute paths only, and
 * the workdir is asked of the sandbox only when a relative path needs it.
 */
export async function resolveSandboxPath(
  value: unknown,
  workdir: () => Promise<string>,
  field = "path",
): Promise<string> {
  if (typeof value !== "string" || value === "") {
    throw new InvalidArgumentError(field, "must be a non-empty string", { provider: "modal" });
  }
  if (value.includes("\u0000"))
    throw new InvalidArgumentError(field, "must not contain a NUL byte", { provider: "modal" });
  return value.startsWith("/") ? value : path.posix.resolve(await workdir(), value);
}
