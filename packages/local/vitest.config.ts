import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@openlattice/source"] } },
  test: {
    name: "local",
    // Projects run one after another (see vitest.workspace.ts): sandboxes compete for 2 cores.
    sequence: { groupOrder: 2 },
    include: ["test/**/*.test.ts"],
  },
});
