import type { Provider } from "@openlattice/core";
import { afterAll, describe, it } from "vitest";
import { describeProvider, type SuiteOptions } from "../../../src/index.js";
import { SELF_TEST_OPTIONS } from "../../self-test-options.js";
import { LOCAL_KNOWN_FAILURES, LOCAL_SKIP_REASON } from "./local-base.js";

/**
 * A provider with one bug a real author could ship, and exactly the requirements it violates.
 * The suite must fail those ids and pass every other case it runs.
 */
export interface BrokenProvider {
  /** The bug, in words. */
  readonly bug: string;
  /** The real provider it breaks: the reference, or the local provider's namespace tier. */
  readonly base: "reference" | "local";
  /** Exactly the requirement ids it violates. */
  readonly fails: readonly string[];
  /** More ids or prefixes to run next to `fails` and the guard (cases the bug must not break). */
  readonly also?: readonly string[];
  readonly create: () => Provider | Promise<Provider>;
  /** Extra suite options the cases need (a probe URL). */
  readonly options?: SuiteOptions;
  /** Cleans up what the bug left behind (processes a broken destroy did not kill), after the file. */
  readonly dispose?: () => void | Promise<void>;
}

/**
 * Cheap cases every broken provider also runs: proof that the wrapper still works as a provider,
 * so its failures come from the bug and nothing else.
 */
export const GUARD = [
  "provider.spec-version",
  "exec.exit-code.zero",
  "exec.output.separate",
  "sandbox.inspect.running",
];

/** `OLC_SELFTEST_FULL=1` runs every case against every broken provider (slow; not in CI). */
const FULL = process.env.OLC_SELFTEST_FULL === "1";

/**
 * The ids a broken provider runs: what it fails, the cases next to them (same family: the first
 * two segments of each id), its own extras and the guard.
 */
export function casesFor(broken: BrokenProvider): readonly string[] {
  const neighbours = broken.fails.flatMap((id) => {
    const parts = id.split(".");
    return parts.length > 2 ? [`${parts.slice(0, 2).join(".")}.`] : [];
  });
  return [...new Set([...broken.fails, ...neighbours, ...(broken.also ?? []), ...GUARD])];
}

/** Registers the suite once per broken provider, expecting exactly its `fails`. */
export function registerBrokenProviders(list: readonly BrokenProvider[]): void {
  for (const broken of list) {
    const name = `broken (${broken.base}): ${broken.bug}`;
    if (broken.base === "local" && LOCAL_SKIP_REASON !== undefined) {
      describe(name, () => {
        it.skip(`runs the suite against a broken local provider (skipped: ${LOCAL_SKIP_REASON})`, () => {});
      });
      continue;
    }
    if (broken.dispose) afterAll(broken.dispose);
    const knownBroken = broken.base === "local" ? LOCAL_KNOWN_FAILURES : [];
    const overlap = broken.fails.filter((id) => knownBroken.includes(id));
    if (overlap.length > 0)
      throw new Error(`${name}: local already fails ${overlap.join(", ")}; build this bug on the reference`);
    describeProvider({
      name,
      createProvider: broken.create,
      options: {
        ...SELF_TEST_OPTIONS,
        ...broken.options,
        expectFailures: broken.fails,
        skip: knownBroken,
        // Local sandboxes provisioned at once sometimes start their first exec in "/" (see
        // KNOWN-PROVIDER-FAILURES.md): its broken providers run their cases one after another.
        ...(broken.base === "local" && { concurrent: false }),
        ...(FULL ? {} : { only: casesFor(broken) }),
      },
    });
  }
}
