import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "doc-commands",
    // Beside the other projects, started first (its file is the longest): the documented
    // commands (install, typedoc, the demo's conformance run) mostly wait on child processes
    // too, and run alone afterwards they left the machine half idle (see vitest.workspace.ts).
    sequence: { groupOrder: 0 },
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    maxConcurrency: 3,
  },
});
