import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { InvalidArgumentError, openSandbox, type ProvisionSpec } from "@openlattice/core";
import { LocalProvider } from "@openlattice/local";
import { afterAll, describe, expect, it } from "vitest";

// What a user sees through openSandbox on the default provider, not what the validator returns.
const stateDir = mkdtempSync(path.join(os.tmpdir(), "openlattice-messages-"));
const provider = new LocalProvider({ stateDir });
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

async function rejection(spec: unknown): Promise<InvalidArgumentError> {
  const error = await openSandbox(provider, spec as ProvisionSpec).then(
    async (sandbox) => {
      await sandbox.destroy();
      throw new Error(`accepted ${JSON.stringify(spec)}`);
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(InvalidArgumentError);
  return error as InvalidArgumentError;
}

describe("bad input reaches the user as a typed error naming the field and the fix", () => {
  it.each([
    [{ labels: { a: 1 } }, "labels.a", "labels.a: label value must be a string"],
    [{ resources: { cpu: "2" } }, "resources.cpu", "resources.cpu: cpu must be a number of cores, e.g. 0.5 or 2"],
    [{ env: { A: "1" } }, "env", 'env: unknown field "env"; it belongs in runtime.env'],
    [{ runtime: { image: 5 } }, "runtime.image", "runtime.image: image must be a string"],
    [
      { duration: { maxSeconds: "10" } },
      "duration.maxSeconds",
      "duration.maxSeconds: maxSeconds must be a whole number",
    ],
  ])("%j", async (spec, field, message) => {
    const error = await rejection(spec);
    expect(error.field).toBe(field);
    expect(error.message).toContain(message);
    expect(error.message).not.toMatch(/Invalid input|expected \w+, received/);
  });

  it("a runtime without an image runs on the provider's default image", async () => {
    await using sandbox = await openSandbox(provider, { runtime: { env: { ANSWER: "42" } } });
    expect((await sandbox.exec(["sh", "-c", 'echo "$ANSWER"'])).stdout).toBe("42\n");
  });

  it("a bad exec argument names the argument", async () => {
    await using sandbox = await openSandbox(provider, {});
    const error = await sandbox.exec(["echo", 5 as unknown as string]).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).message).toBe("argv[1]: must be a string");
  });
});
