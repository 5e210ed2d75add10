import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@openlattice/source"] } },
  test: {
    name: "examples",
    // Runs beside the other test projects, then benchmarks, then doc-commands (vitest.workspace.ts).
    sequence: { groupOrder: 0 },
    include: ["test/**/*.test.ts"],
    // Its files mostly wait on sandboxes and sleeps, not on the CPU (a local conformance run uses
    // about a third of one core): run 2 at a time.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
