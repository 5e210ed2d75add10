import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConformanceReporter } from "../reporter/conformance-reporter.js";
import { ProgressReporter } from "../reporter/progress-reporter.js";
import { renderMarkdown } from "../reporter/render-markdown.js";
import { REQUIREMENTS } from "../requirements/requirement-list.js";
import { CONFIG_ENV, MODULE_ENV } from "./cli-entry-env.js";
import { parseCliArgs, USAGE } from "./parse-cli-args.js";

/** Exit codes; documented in the usage text and the README. */
const EXIT = { conformant: 0, "non-conformant": 1, usage: 2, incomplete: 3 } as const;

/** The package root: the nearest directory above this file with our package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "@openlattice/conformance")
      return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the @openlattice/conformance package root");
    dir = parent;
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let args: ReturnType<typeof parseCliArgs>;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    process.stderr.write(`openlattice-conformance: ${(error as Error).message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (args === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const modulePath = resolve(args.module);
  if (!existsSync(modulePath)) {
    process.stderr.write(`openlattice-conformance: provider module not found: ${modulePath}\n`);
    return EXIT.usage;
  }
  const root = packageRoot();
  // Built package: dist/cli-entry.js next to this file; from source (tsx): src/cli/cli-entry.ts.
  const here = dirname(fileURLToPath(import.meta.url));
  const entry = existsSync(join(here, "cli-entry.js")) ? join(here, "cli-entry.js") : join(here, "cli-entry.ts");
  process.env[MODULE_ENV] = modulePath;
  process.env[CONFIG_ENV] = JSON.stringify({ ...(args.name && { name: args.name }), options: args.options });

  const reporter = new ConformanceReporter({
    ...(args.json && { json: resolve(args.json) }),
    ...(args.junit && { junit: resolve(args.junit) }),
    ...(args.markdown && { markdown: resolve(args.markdown) }),
  });
  const { createVitest } = await import("vitest/node");
  const fromSource = entry.endsWith(".ts");
  const vitest = await createVitest(
    "test",
    {
      config: false,
      watch: false,
      root,
      dir: root,
      include: [relative(root, entry)],
      exclude: [],
      // Inline the suite so vitest (not Node) loads the provider module it imports: that is what makes .ts modules work.
      server: { deps: { inline: [/@openlattice\/conformance/] } },
      reporters: [new ProgressReporter(REQUIREMENTS.length), reporter],
      testTimeout: 600_000,
      hookTimeout: 600_000,
      maxConcurrency: args.concurrency,
    },
    // Run from source (development), resolve workspace packages to their sources as the repo's tests do.
    fromSource ? { ssr: { resolve: { conditions: ["@openlattice/source"] } } } : {},
  );
  try {
    process.stderr.write(
      `openlattice-conformance: running ${REQUIREMENTS.length} requirements against ${args.module}\n`,
    );
    await vitest.start();
  } finally {
    await vitest.close();
  }
  const report = reporter.report;
  for (const error of report?.errors ?? []) process.stderr.write(`openlattice-conformance: error: ${error}\n`);
  if (!report || report.providers.length === 0) {
    process.stderr.write(
      "openlattice-conformance: no conformance case ran (did the provider module fail to load? see above)\n",
    );
    if (report) process.stdout.write(renderMarkdown(report));
    return EXIT.usage;
  }
  process.stdout.write(renderMarkdown(report));
  const verdicts = report.providers.map((provider) => provider.verdict);
  if (verdicts.includes("non-conformant") || report.errors.length > 0) return EXIT["non-conformant"];
  if (verdicts.includes("incomplete")) return EXIT.incomplete;
  return EXIT.conformant;
}

const code = await main(process.argv.slice(2));
// Exit explicitly once stdout is flushed: a provider may leave handles (sockets, timers) open.
process.stdout.write("", () => process.exit(code));
