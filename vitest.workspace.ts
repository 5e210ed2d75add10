import type { TestProjectConfiguration } from "vitest/config";

/**
 * The test projects of the monorepo. vitest 4 no longer reads this file by itself:
 * `vitest.config.ts` imports it as `test.projects`. Globs, so a package without tests yet is
 * simply not listed.
 *
 * Each project sets its own `sequence.groupOrder`, so projects run one after another: their
 * tests start real sandboxes, and running them all at once on a 2-core CI machine would turn
 * timing-sensitive checks (timeouts, pause, streaming) into noise.
 */
export default [
  "packages/*/vitest.config.ts",
  // conformance/, examples/, benchmarks/: any top-level package that has tests.
  "*/vitest.config.ts",
] satisfies TestProjectConfiguration[];
