import type { TestProjectConfiguration } from "vitest/config";

/**
 * The test projects of the monorepo. vitest 4 no longer reads this file by itself:
 * `vitest.config.ts` imports it as `test.projects`. Globs, so a package without tests yet is
 * simply not listed.
 *
 * Each project sets its `sequence.groupOrder`: the test projects (core, conformance, local,
 * modal, examples, benchmarks' smoke test) run side by side in group 0 — their files mostly
 * wait on sandboxes, sleeps and child processes — then doc-commands (group 1), whose installs,
 * builds and demo runs are CPU-heavy and would slow every timing-sensitive case beside them.
 */
export default [
  "packages/*/vitest.config.ts",
  // conformance/, examples/, benchmarks/: any top-level package that has tests.
  "*/vitest.config.ts",
] satisfies TestProjectConfiguration[];
