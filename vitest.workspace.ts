import type { TestProjectConfiguration } from "vitest/config";

/**
 * The test projects of the monorepo. vitest 4 no longer reads this file by itself:
 * `vitest.config.ts` imports it as `test.projects`. Globs, so a package without tests yet is
 * simply not listed.
 *
 * Every project sets `sequence.groupOrder: 0`: they all run side by side, five files at a time
 * (vitest.config.ts), longest first (scripts/longest-first-sequencer.ts). Their files mostly
 * wait on sandboxes, sleeps and child processes; run one project after another, a 2-core CI
 * machine sat half idle for 20 minutes. Timing-sensitive cases must hold on a loaded machine
 * anyway (CI machines are shared).
 */
export default [
  "packages/*/vitest.config.ts",
  // conformance/, examples/, benchmarks/: any top-level package that has tests.
  "*/vitest.config.ts",
] satisfies TestProjectConfiguration[];
