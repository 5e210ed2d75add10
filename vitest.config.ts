import { defineConfig } from "vitest/config";
import LongestFirstSequencer from "./scripts/longest-first-sequencer.ts";
import projects from "./vitest.workspace.ts";

export default defineConfig({
  test: {
    projects,
    // Test files at once, across the projects of a group (vitest wants one figure per group).
    // Their files mostly wait on sandboxes, sleeps and child processes (a local conformance run
    // uses about a third of one core): enough to overlap the waiting, few enough for 2 cores.
    // Without it vitest runs cores - 1 = one file at a time here, and the run sat idle for 20 min.
    maxWorkers: 5,
    sequence: { sequencer: LongestFirstSequencer },
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
