import { describe, expect, it } from "vitest";
import { InvalidArgumentError, parseProvisionSpec, parseSnapshotRef } from "../src/index.js";

function messageOf(run: () => unknown): InvalidArgumentError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error("expected an InvalidArgumentError");
}

describe("validation messages say what to fix", () => {
  it.each([
    [{ env: { A: "1" } }, "env", 'env: unknown field "env"; it belongs in runtime.env'],
    [{ image: "host" }, "image", 'image: unknown field "image"; it belongs in runtime.image'],
    [{ cpu: 2 }, "cpu", 'cpu: unknown field "cpu"; it belongs in resources.cpu'],
    [{ ports: [80] }, "ports", 'ports: unknown field "ports"; it belongs in network.ports'],
    [
      { resources: { gpu: { type: "T4", count: 1 } } },
      "resources.gpu",
      'resources.gpu: unknown field "gpu"; it belongs in the top-level gpu: { type, count }',
    ],
  ])("a misplaced field in %j names where it belongs", (spec, field, message) => {
    const error = messageOf(() => parseProvisionSpec(spec));
    expect(error.field).toBe(field);
    expect(error.message).toBe(message);
  });

  it("an unknown field with no known home says only that it is unknown", () => {
    expect(messageOf(() => parseProvisionSpec({ colour: "red" })).message).toBe('colour: unknown field "colour"');
  });

  it("a bad label key gets the key rule, not the generic labels message", () => {
    const error = messageOf(() => parseProvisionSpec({ labels: { "": "v" } }));
    expect(error.field).toBe('labels[""]');
    expect(error.message).toContain("label key must be 1-63 characters");
    expect(error.message).not.toContain("labels must be an object");
  });

  it("names the next problems, not only how many there are", () => {
    const error = messageOf(() => parseProvisionSpec({ gpu: { type: 3 } }));
    expect(error.message).toBe(
      'gpu.type: gpu type must be a string such as "H100" (and 1 more problem: gpu.count: gpu count is required, e.g. { count: 1 })',
    );
  });

  it("lists at most three further problems and points to details.issues for the rest", () => {
    const error = messageOf(() =>
      parseProvisionSpec({ resources: { cpu: -1, memoryMiB: 0, diskMiB: 0 }, name: "!", idempotencyKey: 5 }),
    );
    const issues = error.details.issues as unknown[];
    expect(issues).toHaveLength(5);
    expect(error.message).toMatch(/\(and 4 more problems: [^;]+; [^;]+; [^;]+; 1 more in details\.issues\)$/);
  });

  it("a snapshot ref missing everything lists the missing fields", () => {
    const error = messageOf(() => parseSnapshotRef({}));
    expect(error.message).toMatch(/^ref\.provider: is required \(a string\) \(and 3 more problems: ref\.externalId: /);
    expect(error.message).not.toMatch(/Invalid input|expected \w+, received/);
  });
});
