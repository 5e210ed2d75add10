import { readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** What the runner hands every discovered suite. */
export interface BenchSuiteContext {
  /** Small counts: `pnpm bench --quick` and the CI smoke run. Timings are then not meaningful. */
  readonly quick: boolean;
  readonly log: (line: string) => void;
}

/** What a discovered suite returns; the runner stores, prints and charts it. */
export interface BenchSuiteResult {
  /** Stored under `suites.<name>` in the results JSON. */
  readonly data: unknown;
  /** One line each in the printed summary. */
  readonly summary: readonly string[];
  /** Ratios against a baseline measured in the same run, merged into `ratios` as `<name>: <key>`. */
  readonly ratios?: Readonly<Record<string, number>>;
  /** SVG charts by file name (`<name>-….svg` by convention), written next to the JSON. */
  readonly charts?: Readonly<Record<string, string>>;
}

/**
 * A benchmark suite the runner picks up by itself: any `suites/*.ts` file that exports
 * `benchSuite` of this type runs after the built-in suites, without editing `run.ts`.
 */
export interface BenchSuite {
  /** Short id, used as the JSON key and ratio prefix (e.g. `"agent-exec"`). */
  readonly name: string;
  /** What it measures, printed when it starts. */
  readonly title: string;
  run(context: BenchSuiteContext): Promise<BenchSuiteResult>;
}

function isBenchSuite(value: unknown): value is BenchSuite {
  const suite = value as Partial<BenchSuite> | undefined;
  return typeof suite?.name === "string" && typeof suite.title === "string" && typeof suite.run === "function";
}

/** Every `benchSuite` exported from a file in `dir`, in file-name order. */
export async function discoverSuites(dir: string): Promise<BenchSuite[]> {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
    .sort();
  const suites: BenchSuite[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(path.join(dir, file)).href)) as { benchSuite?: unknown };
    if (module.benchSuite === undefined) continue;
    if (!isBenchSuite(module.benchSuite))
      throw new Error(`suites/${file}: benchSuite must have a name, a title and a run() method`);
    suites.push(module.benchSuite);
  }
  const names = suites.map((suite) => suite.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw new Error(`two suites are named "${duplicate}"`);
  return suites;
}
