import type { z } from "zod";
import { InvalidArgumentError } from "../errors/error-classes.js";
import { type SnapshotRef, SnapshotRefSchema } from "../provider/v1/snapshot.js";
import { toInvalidArgument } from "./zod-error.js";

/**
 * Parses a snapshot ref from its object form or from a JSON string, e.g. one read back from a
 * database. `createdAt` is revived as a `Date`. Throws `InvalidArgumentError` naming the field
 * and, when given, the provider that was asked to restore it.
 */
export function parseSnapshotRef(input: unknown, provider?: string): SnapshotRef {
  const context = provider === undefined ? {} : { provider };
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new InvalidArgumentError("ref", "is not valid JSON", { ...context, cause: error });
    }
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidArgumentError("ref", "must be an object or its JSON text", context);
  }
  const result = SnapshotRefSchema.safeParse(value);
  if (!result.success) throw toInvalidArgument(result.error as z.ZodError, "ref", provider);
  const data = result.data;
  const createdAt = data.createdAt instanceof Date ? new Date(data.createdAt.getTime()) : new Date(data.createdAt);
  if (Number.isNaN(createdAt.getTime()))
    throw new InvalidArgumentError("ref.createdAt", "is not a valid date", context);
  const ref: SnapshotRef = {
    provider: data.provider,
    externalId: data.externalId,
    type: data.type,
    createdAt,
    ...(data.sourceExternalId === undefined ? {} : { sourceExternalId: data.sourceExternalId }),
    ...(data.metadata === undefined ? {} : { metadata: data.metadata }),
  };
  return ref;
}
