import {
  type Capabilities,
  checkSpecAgainstCapabilities,
  InvalidArgumentError,
  parseProvisionSpec,
  parseSnapshotRef,
  SandboxError,
  type SnapshotRef,
  UnsupportedError,
  type ValidProvisionSpec,
} from "@openlattice/core";
import { REFERENCE_IMAGE } from "./reference-capabilities.js";

/**
 * Validates a spec through core and checks it against the capabilities, the one image and the
 * limits the reference refuses (it cannot enforce them, so it must not accept them).
 */
export function validateReferenceSpec(spec: unknown, capabilities: Capabilities, provider: string): ValidProvisionSpec {
  const valid = parseProvisionSpec(spec, provider);
  checkSpecAgainstCapabilities(valid, capabilities, provider);
  const image = valid.runtime?.image;
  if (image !== undefined && image !== REFERENCE_IMAGE) {
    throw new InvalidArgumentError("runtime.image", `the reference provider only runs image "${REFERENCE_IMAGE}"`, {
      provider,
    });
  }
  const limit = (["cpu", "memoryMiB", "diskMiB"] as const).find((key) => valid.resources?.[key] !== undefined);
  if (limit !== undefined) {
    throw new UnsupportedError("resources", `resources.${limit}: the reference provider cannot enforce limits`, {
      provider,
    });
  }
  return valid;
}

/**
 * Core's `parseSnapshotRef`, with this provider named in its errors as in every other, and
 * refusing another provider's ref.
 */
export function parseReferenceRef(ref: SnapshotRef, provider: string): SnapshotRef {
  let parsed: SnapshotRef;
  try {
    parsed = parseSnapshotRef(ref);
  } catch (error) {
    const { field, message } = error as InvalidArgumentError;
    throw new SandboxError("invalid_argument", message, { provider, cause: error, details: { field } });
  }
  if (parsed.provider !== provider) {
    throw new InvalidArgumentError("ref.provider", `a ${parsed.provider} snapshot cannot be restored by ${provider}`, {
      provider,
    });
  }
  return parsed;
}
