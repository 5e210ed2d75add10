import { describe, expect, test } from "vitest";
import { ModalProvider } from "../../src/index.js";
import { useSeed } from "./seed-fixture.js";

const seed = useSeed();

describe("0.0.3: healthCheck and extensions", () => {
  test("healthCheck up: an authenticated round trip, measured", async () => {
    const mark = seed.mark();
    const report = await seed.provider.healthCheck();
    expect(report).toMatchObject({ healthy: true, details: { app: "openlattice-test" } });
    expect(report.latencyMs).toBeGreaterThan(0);
    expect(seed.since(mark).map((call) => call.method)).toContain("AppGetOrCreate");
  });

  test("healthCheck down: never throws, says unreachable", async () => {
    const down = new ModalProvider({
      serverUrl: "http://127.0.0.1:1",
      tokenId: "ak-x",
      tokenSecret: "as-x",
      healthCheckTimeoutMs: 3000,
    });
    const report = await down.healthCheck();
    expect(report.healthy).toBe(false);
    expect(report.message).toMatch(/^unreachable: /);
  });

  test("extensions: files and network for a sandbox, undefined for unknown names", async () => {
    const id = await seed.provision({ network: { ports: [8080] } });
    const files = seed.provider.getExtension(id, "files");
    await files?.write("hello.txt", "hi");
    expect(await files?.readText("hello.txt")).toBe("hi");
    expect((await files?.list("."))?.map((entry) => entry.name)).toContain("hello.txt");
    const network = seed.provider.getExtension(id, "network");
    expect(await network?.getUrl(8080)).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await expect(network?.getUrl(9090)).rejects.toMatchObject({ code: "invalid_argument", details: { field: "port" } });
    expect(seed.provider.getExtension(id, "metrics")).toBeUndefined();
    expect(seed.provider.getExtension(id, "nonexistent")).toBeUndefined();
  });
});
