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
    expect(Object.keys(schema.properties.runtime?.properties ?? {})).toEqual([
      "image",
      "workdir",
      "command",
      "entrypoint",
      "env",
    ]);
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  it("gives every field a description, so editors and LLM tool schemas can say what it means", () => {
    const missing: string[] = [];
    const walk = (node: Record<string, unknown>, path: string) => {
      const properties = (node.properties ?? {}) as Record<string, Record<string, unknown>>;
      for (const [key, child] of Object.entries(properties)) {
        const where = path ? `${path}.${key}` : key;
        if (typeof child.description !== "string" || child.description.length < 10) missing.push(where);
        walk(child, where);
      }
    };
    const schema = provisionSpecJsonSchema();
    walk(schema, "");
    expect(missing).toEqual([]);
    expect(schema.description).toMatch(/provision/i);
  });
});
