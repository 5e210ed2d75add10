import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@openlattice/source"] } },
  test: {
    name: "benchmarks",
    // After the test projects, before doc-commands (vitest.workspace.ts): alone with its timings.
    sequence: { groupOrder: 1 },
    include: ["test/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
