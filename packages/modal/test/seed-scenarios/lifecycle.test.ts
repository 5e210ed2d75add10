import { describe, expect, test } from "vitest";
import { useSeed } from "./seed-fixture.js";

const seed = useSeed();

describe("0.0.3: destroy and inspect", () => {
  test("inspect of a running sandbox, then destroy, then inspect again", async () => {
    const id = await seed.provision({ labels: { seed: "lifecycle" } });
    expect(await seed.provider.inspect(id)).toMatchObject({
      externalId: id,
      provider: "modal",
      status: "running",
      labels: { seed: "lifecycle" },
    });
    await seed.provider.destroy(id);
    expect(await seed.provider.inspect(id)).toMatchObject({
      status: "terminated",
      exitCode: 137,
      reason: "terminated",
    });
  });

  test("destroy is idempotent, including for an already-terminated sandbox", async () => {
    const id = await seed.provision({});
    await seed.provider.destroy(id);
    await seed.provider.destroy(id);
    // A main process that exited on its own: finished, and destroy still resolves.
    const done = await seed.provision({ runtime: { entrypoint: ["sh", "-c", "exit 5"] } });
    const deadline = Date.now() + 10_000;
    while ((await seed.provider.inspect(done)).status === "running" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await seed.provider.inspect(done)).toMatchObject({ status: "terminated", exitCode: 5, reason: "exited" });
    await seed.provider.destroy(done);
    await seed.provider.destroy(done);
  });

  test("inspect of an unknown id resolves terminated with reason 'not found'", async () => {
    expect(await seed.provider.inspect("sb-00000000000000000000000000")).toEqual({
      externalId: "sb-00000000000000000000000000",
      provider: "modal",
      status: "terminated",
      reason: "not found",
      labels: {},
    });
    await seed.provider.destroy("sb-00000000000000000000000000");
  });
});
