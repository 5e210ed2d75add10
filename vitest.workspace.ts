import type { TestProjectConfiguration } from "vitest/config";

/**
 * The test projects of the monorepo. vitest 4 no longer reads this file by itself:
 * `vitest.config.ts` imports it as `test.projects`. Globs, so a package without tests yet is
 * simply not listed.
 */
export default [
  "packages/*/vitest.config.ts",
  // conformance/, examples/, benchmarks/: any top-level package that has tests.
  "*/vitest.config.ts",
] satisfies TestProjectConfiguration[];
