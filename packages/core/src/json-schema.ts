import { z } from "zod";
import { ProvisionSpecSchema } from "./provider/v1/provision-spec.js";

/**
 * The JSON Schema (draft 2020-12) of `ProvisionSpec`, for validating specs outside TypeScript
 * (config files, other languages). Generated from the same zod schema core validates with.
 */
export function provisionSpecJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ProvisionSpecSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}
