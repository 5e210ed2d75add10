import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "doc-commands",
    // Last: the documented commands start sandboxes and builds of their own, and the projects
    // before it must not compete with them for 2 cores (see vitest.workspace.ts).
    sequence: { groupOrder: 1 },
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    maxConcurrency: 3,
  },
});
