import { InvalidArgumentError, UnsupportedError } from "../errors/error-classes.js";
import { type Provider, SPECIFICATION_VERSION } from "../provider/v1/provider.js";

const METHODS = [
  "provision",
  "exec",
  "destroy",
  "inspect",
  "snapshot",
  "restore",
  "healthCheck",
  "getExtension",
] as const;

/**
 * Checks that `value` implements Provider spec v1. The specification version is checked
 * first, so a provider written for another version gets a clear `unsupported` error rather
 * than a complaint about a missing method.
 */
export function assertProvider(value: unknown): asserts value is Provider {
  if (value === null || typeof value !== "object") {
    throw new InvalidArgumentError("provider", "must be an object implementing Provider spec v1");
  }
  const candidate = value as Partial<Record<string, unknown>>;
  if (candidate.specificationVersion !== SPECIFICATION_VERSION) {
    throw new UnsupportedError(
      "specificationVersion",
      `provider.specificationVersion: ${JSON.stringify(candidate.specificationVersion)} is not supported; this version of @openlattice/core implements "${SPECIFICATION_VERSION}"`,
    );
  }
  if (typeof candidate.name !== "string" || candidate.name === "") {
    throw new InvalidArgumentError("provider.name", "must be a non-empty string");
  }
  if (candidate.capabilities === null || typeof candidate.capabilities !== "object") {
    throw new InvalidArgumentError("provider.capabilities", "must be an object");
  }
  for (const method of METHODS) {
    if (typeof candidate[method] !== "function") {
      throw new InvalidArgumentError(`provider.${method}`, "must be a function");
    }
  }
  if (candidate.list !== undefined && typeof candidate.list !== "function") {
    throw new InvalidArgumentError("provider.list", "must be a function when present");
  }
}
