import type { TestProjectConfiguration } from "vitest/config";

/**
 * The test projects of the monorepo. vitest 4 no longer reads this file by itself:
 * `vitest.config.ts` imports it as `test.projects`. Globs, so a package without tests yet is
 * simply not listed.
 *
 * The test projects set `sequence.groupOrder: 0` and run side by side, five files at a time
 * (vitest.config.ts), longest first (scripts/longest-first-sequencer.ts): their files mostly
 * wait on sandboxes, sleeps and child processes, and run one project after another a 2-core CI
 * machine sat half idle for 20 minutes. Timing-sensitive cases must hold on a loaded machine
 * anyway (CI machines are shared). doc-commands (group 1) runs after them: the demo it runs
 * reports a complete conformance verdict only when the host is not saturated.
 */
export default [
  "packages/*/vitest.config.ts",
  // conformance/, examples/, benchmarks/: any top-level package that has tests.
  "*/vitest.config.ts",
] satisfies TestProjectConfiguration[];
