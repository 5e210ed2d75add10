import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Files known to run longest (80-140 s each, mostly waiting on sandboxes and sleeps), in the
 * order they should start. vitest's own order puts a group's projects one after another by
 * name and, without a results cache (every CI run is a clean clone), small files last — so
 * the conformance runs, whose test files are tiny, started last and the run ended in a long
 * tail with the CPU idle. Only an ordering hint: a file missing here runs after these.
 */
const LONGEST = [
  "scripts/test/doc-commands.test.ts",
  "conformance/test/cli-tarball.test.ts",
  "packages/local/test/conformance-image.test.ts",
  "packages/local/test/conformance-namespace.test.ts",
  "packages/modal/test/conformance.test.ts",
  "packages/local/test/conformance-none.test.ts",
  "benchmarks/test/bench-smoke.test.ts",
  "conformance/test/cli.test.ts",
  "examples/test/local-examples.test.ts",
  "conformance/test/broken/interactive.test.ts",
  "examples/test/new-provider-example.test.ts",
  "conformance/test/broken/exec-output.test.ts",
  "conformance/test/broken/lifecycle.test.ts",
  "examples/test/interactive-examples.test.ts",
  "conformance/test/reference-provider.test.ts",
];

function rank(file: TestSpecification): number {
  const index = LONGEST.findIndex((suffix) => file.moduleId.endsWith(suffix));
  return index < 0 ? LONGEST.length : index;
}

/** Groups in `sequence.groupOrder` order; within a group, the longest files first, across projects. */
export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const position = new Map(base.map((file, index) => [file, index]));
    return [...base].sort(
      (a, b) =>
        a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder ||
        rank(a) - rank(b) ||
        (position.get(a) ?? 0) - (position.get(b) ?? 0),
    );
  }
}
