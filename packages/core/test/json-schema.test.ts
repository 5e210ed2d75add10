import { describe, expect, it } from "vitest";
import { provisionSpecJsonSchema } from "../src/index.js";

describe("provisionSpecJsonSchema", () => {
  it("describes every section and forbids unknown keys", () => {
    const schema = provisionSpecJsonSchema() as {
      properties: Record<string, { properties?: Record<string, unknown> }>;
      additionalProperties: boolean;
    };
    expect(Object.keys(schema.properties).sort()).toEqual(
      ["duration", "gpu", "idempotencyKey", "labels", "name", "network", "resources", "runtime"].sort(),
    );
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties.runtime?.properties ?? {})).toEqual(["image", "workdir", "command", "env"]);
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });
});
