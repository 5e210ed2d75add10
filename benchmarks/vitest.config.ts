import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@openlattice/source"] } },
  test: {
    name: "benchmarks",
    // Beside the test projects (vitest.workspace.ts): its smoke test checks that the runner works
    // and writes every chart, never the timings, so it need not run alone.
    sequence: { groupOrder: 0 },
    include: ["test/**/*.test.ts"],
    testTimeout: 480_000,
    hookTimeout: 60_000,
  },
});
