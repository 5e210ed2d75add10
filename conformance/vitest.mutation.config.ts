import { defineConfig } from "vitest/config";

/**
 * The vitest configuration StrykerJS runs (`pnpm mutation`, see stryker.config.json): only the
 * conformance cases against the reference provider, in one worker, with cases in sequence.
 */
export default defineConfig({
  ssr: { resolve: { conditions: ["@openlattice/source"] } },
  test: {
    include: ["test/mutation/*.mutation.ts"],
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
  },
});
