import { defineConfig } from "vitest/config";
import projects from "./vitest.workspace.ts";

export default defineConfig({
  test: {
    projects,
    // At most this many test files at once across the projects of a group (each project also
    // caps its own): enough to overlap the waiting, few enough for 2 cores.
    maxWorkers: 6,
    reporters: [
      "default",
      // Every describeProvider suite in the run (local in both tiers, Modal through the emulator,
      // the reference and broken providers) lands in one report; the README's provider table is
      // rendered from it by scripts/provider-matrix.mjs.
      ["./conformance/src/reporter/index.ts", { json: "reports/conformance.json", markdown: "reports/conformance.md" }],
      ...(process.env.CI ? [["junit", { outputFile: "reports/junit.xml" }] satisfies ["junit", object]] : []),
    ],
  },
});
