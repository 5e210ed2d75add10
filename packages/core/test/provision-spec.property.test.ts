import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError, parseProvisionSpec } from "../src/index.js";

const noNul = (arbitrary: fc.Arbitrary<string>) => arbitrary.filter((value) => !value.includes("\u0000"));
const envName = noNul(fc.string({ minLength: 1, maxLength: 20 })).filter(
  (name) => !name.includes("=") && name !== "__proto__",
);
const labelKey = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,20}$/);

/** Arbitrary valid specs: every section optional, values anywhere in their allowed ranges. */
const validSpec = fc.record(
  {
    runtime: fc.record(
      {
        image: noNul(fc.string({ minLength: 1, maxLength: 40 })),
        workdir: noNul(fc.string({ maxLength: 30 })).map((rest) => `/${rest}`),
        command: fc.array(noNul(fc.string({ maxLength: 20 })), { minLength: 1, maxLength: 4 }),
        env: fc.dictionary(envName, noNul(fc.string({ maxLength: 30 })), { maxKeys: 5 }),
      },
      { requiredKeys: ["image"] },
    ),
    resources: fc.record(
      {
        cpu: fc.double({ min: 0.01, max: 1024, noNaN: true }),
        memoryMiB: fc.integer({ min: 4, max: 1 << 20 }),
        diskMiB: fc.integer({ min: 1, max: 1 << 20 }),
      },
      { requiredKeys: [] },
    ),
    gpu: fc.record(
      { type: fc.constantFrom("T4", "A100-80GB", "H100!", "H200:2"), count: fc.integer({ min: 1, max: 64 }) },
      { requiredKeys: ["count"] },
    ),
    duration: fc.record(
      { maxSeconds: fc.integer({ min: 1, max: 86_400 }), idleSeconds: fc.integer({ min: 1, max: 86_400 }) },
      { requiredKeys: [] },
    ),
    network: fc.record(
      {
        ports: fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { maxLength: 5 }),
        egress: fc.constantFrom<"none" | "all">("none", "all"),
      },
      { requiredKeys: [] },
    ),
    labels: fc.dictionary(labelKey, noNul(fc.string({ maxLength: 40 })), { maxKeys: 5 }),
    name: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$/),
    idempotencyKey: fc.stringMatching(/^[\x21-\x7e]{1,40}$/),
  },
  { requiredKeys: [] },
);

/** One corruption per field: the path to set and a value that field must reject. */
const corruptions: readonly [string[], unknown][] = [
  [["runtime", "image"], ""],
  [["runtime", "workdir"], "relative"],
  [["runtime", "command"], []],
  [["resources", "cpu"], -1],
  [["resources", "memoryMiB"], 2.5],
  [["resources", "diskMiB"], 0],
  [["gpu", "count"], 0],
  [["duration", "maxSeconds"], 0.5],
  [["duration", "idleSeconds"], -3],
  [["network", "egress"], "sometimes"],
  [["name"], "no spaces allowed"],
  [["idempotencyKey"], ""],
];

function withValue(spec: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) return { ...spec, [head]: value };
  const inner = (spec[head] as Record<string, unknown> | undefined) ?? (head === "runtime" ? { image: "x" } : {});
  const base = head === "gpu" && inner.count === undefined ? { ...inner, count: 1 } : inner;
  return { ...spec, [head]: withValue(base, rest, value) };
}

describe("ProvisionSpec properties", () => {
  it("accepts every valid spec and returns it unchanged", () => {
    fc.assert(
      fc.property(validSpec, (spec) => {
        expect(parseProvisionSpec(spec)).toEqual(spec);
      }),
      { numRuns: 400 },
    );
  });

  it("names exactly the corrupted field, whatever else the spec holds", () => {
    fc.assert(
      fc.property(validSpec, fc.constantFrom(...corruptions), (spec, [path, bad]) => {
        const corrupted = withValue(spec as Record<string, unknown>, path, bad);
        try {
          parseProvisionSpec(corrupted);
          return false;
        } catch (error) {
          return error instanceof InvalidArgumentError && error.field === path.join(".");
        }
      }),
      { numRuns: 400 },
    );
  });
});
