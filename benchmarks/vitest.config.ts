import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@openlattice/source"] } },
  test: {
    name: "benchmarks",
    // Projects run one after another (see vitest.workspace.ts): sandboxes compete for 2 cores.
    sequence: { groupOrder: 5 },
    include: ["test/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
