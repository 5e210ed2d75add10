import type { TestProjectConfiguration } from "vitest/config";

/**
 * The test projects of the monorepo. vitest 4 no longer reads this file by itself:
 * `vitest.config.ts` imports it as `test.projects`.
 */
export default ["packages/*/vitest.config.ts", "conformance/vitest.config.ts"] satisfies TestProjectConfiguration[];
