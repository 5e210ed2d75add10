/** What the command line asked for. */
export interface CliArgs {
  readonly module: string;
  readonly json?: string;
  readonly junit?: string;
  readonly markdown?: string;
  readonly image?: string;
  readonly name?: string;
  readonly runId?: string;
  readonly skip: readonly string[];
  readonly only?: readonly string[];
}

export const USAGE = `Usage: openlattice-conformance <provider-module> [options]

Runs the openlattice Provider spec v1 conformance suite against the provider made by the
module's default export (or its named export createProvider): a function returning a fresh
Provider. TypeScript modules work as they are.

Options:
  --json <file>        write the JSON report (capability matrix and every result)
  --junit <file>       write a JUnit XML report
  --markdown <file>    also write the markdown report to a file (it always goes to stdout)
  --image <image>      runtime.image for cases that need a main command, env or workdir
  --name <name>        provider name in the report (default: the provider's own name)
  --skip <ids>         comma-separated requirement ids or prefixes ending in "." to leave out (reported not-run)
  --only <ids>         run only these requirement ids or prefixes (the rest are reported not-run)
  --run-id <id>        the openlattice.run label value (default: random)
  -h, --help           show this help

Progress goes to stderr, the markdown report to stdout.
Exit codes: 0 conformant; 1 a MUST requirement failed; 2 usage or load error;
3 incomplete (no MUST failed, but some MUST requirements did not run).`;

/** Parses argv (without node and the script). Throws an Error with a usage hint on bad input. */
export function parseCliArgs(argv: readonly string[]): CliArgs | "help" {
  const values: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "-h" || arg === "--help") return "help";
    if (arg.startsWith("--")) {
      const [flag, inline] = arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
      const key = flag.slice(2);
      if (!["json", "junit", "markdown", "image", "name", "skip", "only", "run-id"].includes(key))
        throw new Error(`unknown option ${flag}`);
      const value = inline ?? argv[++i];
      if (value === undefined || value === "") throw new Error(`${flag} needs a value`);
      values[key] = value;
    } else {
      positional.push(arg);
    }
  }
  if (positional.length !== 1)
    throw new Error(positional.length === 0 ? "missing <provider-module>" : "only one provider module per run");
  const list = (text: string | undefined) =>
    text === undefined
      ? undefined
      : text
          .split(",")
          .map((item) => item.trim())
          .filter(Boolean);
  return {
    module: positional[0] as string,
    ...(values.json !== undefined && { json: values.json }),
    ...(values.junit !== undefined && { junit: values.junit }),
    ...(values.markdown !== undefined && { markdown: values.markdown }),
    ...(values.image !== undefined && { image: values.image }),
    ...(values.name !== undefined && { name: values.name }),
    ...(values["run-id"] !== undefined && { runId: values["run-id"] }),
    skip: list(values.skip) ?? [],
    ...(values.only !== undefined && { only: list(values.only) }),
  };
}
