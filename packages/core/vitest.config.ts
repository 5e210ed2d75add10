import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@openlattice/source"] } },
  test: {
    name: "core",
    // Projects run one after another (see vitest.workspace.ts): sandboxes compete for 2 cores.
    sequence: { groupOrder: 0 },
    include: ["test/**/*.test.ts"],
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
  },
});
