import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "doc-commands",
    // After every other project (group 1, see vitest.workspace.ts): the documented commands
    // include the demo, whose conformance verdict must be complete, and beside the other
    // projects a loaded host made its CPU-limit case inconclusive (not run).
    sequence: { groupOrder: 1 },
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    maxConcurrency: 3,
  },
});
