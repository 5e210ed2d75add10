import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@openlattice/source"] } },
  test: {
    name: "conformance",
    // Runs beside every other project (vitest.workspace.ts).
    sequence: { groupOrder: 0 },
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/global-setup.ts"],
    // Each file runs a whole provider suite; their cases spawn processes, so keep the pool small.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
