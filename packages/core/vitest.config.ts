import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@openlattice/source"] } },
  test: {
    name: "core",
    include: ["test/**/*.test.ts"],
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
  },
});
