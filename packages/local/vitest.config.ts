import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@openlattice/source"] } },
  test: {
    name: "local",
    // Runs beside every other project (vitest.workspace.ts).
    sequence: { groupOrder: 0 },
    include: ["test/**/*.test.ts"],
    // Sandboxes start real processes on shared, loaded CI machines: a test's own deadlines (waits
    // of up to 10 s for a server, say) must not be cut short by vitest's 5 s default.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
