import { randomBytes } from "node:crypto";
import { probeIsolation } from "@openlattice/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { debianRootfs, startTestRegistry, type TestRegistry } from "../../packages/modal/test/support/test-registry.js";
import { runDocumentedCommand } from "./run-example.js";

/** As README.md and examples/README.md write it; the test swaps in an image of a loopback registry. */
const DOCUMENTED = "npx -y pnpm@10.34.9 --filter @openlattice/examples run registry-image python:3.12-slim";

let registry: TestRegistry;
const marker = randomBytes(4).toString("hex");
beforeAll(async () => {
  registry = await startTestRegistry();
  await registry.push(debianRootfs(marker), "demo/python:3.12-slim");
}, 60_000);
afterAll(() => registry?.stop());

const namespace = probeIsolation().namespace.available;

describe.skipIf(!namespace)(
  `registry-image example${namespace ? "" : " (skipped: no namespace tier on this host)"}`,
  () => {
    it("pulls from the registry, writes into its own root, starts the second sandbox from the cache", async () => {
      const command = DOCUMENTED.replace("python:3.12-slim", `${registry.host}/demo/python:3.12-slim`);
      const run = await runDocumentedCommand(command);
      expect(run.exitCode, run.output).toBe(0);
      expect(run.output).toMatch(/pulling 127\.0\.0\.1:\d+\/demo\/python:3\.12-slim: sha256:[0-9a-f]{12} .* MiB done/);
      expect(run.output).toContain('wrote into its own root: "uid 0\\nmine\\n"');
      expect(run.output).toContain("second sandbox from the cache");
      expect(run.output).toContain("the first sandbox's file in the second: absent");
      expect(run.leftoverSandboxes).toEqual([]);
    });
  },
);
