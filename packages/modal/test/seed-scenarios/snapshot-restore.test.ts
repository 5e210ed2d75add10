import { parseSnapshotRef } from "@openlattice/core";
import { describe, expect, test } from "vitest";
import { type CreateRequest, useSeed } from "./seed-fixture.js";

const seed = useSeed();

describe("0.0.3: snapshot and restore", () => {
  test("a snapshot restores onto a GPU sandbox (GPU override), with files and the spec kept", async () => {
    const id = await seed.provision({ runtime: { workdir: "/work" }, labels: { phase: "cpu" } });
    await seed.provider.exec(id, ["sh", "-c", "echo trained > model.txt"]);
    const ref = await seed.provider.snapshot(id);
    expect(ref).toMatchObject({ provider: "modal", type: "filesystem", sourceExternalId: id });
    expect(ref.externalId).toMatch(/^im-/);
    const restored = await seed.provider.restore(parseSnapshotRef(JSON.stringify(ref)), {
      gpu: { type: "A100", count: 1 },
    });
    const create = seed.requests<CreateRequest>("SandboxCreate").at(-1);
    expect(create?.definition.imageId).toBe(ref.externalId);
    expect(create?.definition.resources?.gpuConfig).toMatchObject({ gpuType: "A100", count: 1 });
    expect(create?.definition.workdir).toBe("/work");
    expect((await seed.provider.exec(restored.externalId, ["cat", "model.txt"])).stdout).toBe("trained\n");
    expect(await seed.provider.inspect(restored.externalId)).toMatchObject({
      labels: { phase: "cpu" },
      resources: { gpu: { type: "A100", count: 1 } },
    });
    await seed.provider.destroy(restored.externalId);
  });

  test("refs of another provider are refused", async () => {
    await expect(
      seed.provider.restore({ provider: "local", externalId: "x", type: "filesystem", createdAt: new Date() }),
    ).rejects.toMatchObject({ code: "invalid_argument", details: { field: "ref.provider" } });
  });
});
