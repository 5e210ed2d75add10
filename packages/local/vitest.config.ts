import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@openlattice/source"] } },
  test: {
    name: "local",
    // Projects run one after another (see vitest.workspace.ts): sandboxes compete for 2 cores.
    sequence: { groupOrder: 2 },
    include: ["test/**/*.test.ts"],
    // Sandboxes start real processes on shared, loaded CI machines: a test's own deadlines (waits
    // of up to 10 s for a server, say) must not be cut short by vitest's 5 s default.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
