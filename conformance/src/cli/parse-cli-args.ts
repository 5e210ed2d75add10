import { DEFAULT_TIMEOUTS, type SuiteOptions, type SuiteTimeouts } from "../suite/suite-options.js";

/** What the command line asked for. */
export interface CliArgs {
  readonly module: string;
  readonly json?: string;
  readonly junit?: string;
  readonly markdown?: string;
  readonly name?: string;
  /** Cases run at once; 1 (the default) runs them one after another. */
  readonly concurrency: number;
  /** Suite options the flags set (image, skip/only, probe URL, sizes, timeouts…). */
  readonly options: SuiteOptions;
}

export const USAGE = `Usage: openlattice-conformance <provider-module> [options]

Runs the openlattice Provider spec v1 conformance suite against the provider the module
exports, as its default export or as createProvider or provider: a factory function returning
a fresh Provider, a Provider class, or a Provider instance (then checks that need a second
instance are not-run). TypeScript modules work as they are.

Reports:
  --json <file>              write the JSON report (capability matrix and every result)
  --junit <file>             write a JUnit XML report
  --markdown <file>          also write the markdown report to a file (it always goes to stdout)
  --name <name>              provider name in the report (default: the provider's own name)

What runs:
  --image <image>            runtime.image of every sandbox (default: the provider's
                             capabilities.constraints.defaultImage; without either, cases that
                             provision are not-run)
  --skip <ids>               comma-separated requirement ids or prefixes ending in "." to leave out
  --only <ids>               run only these requirement ids or prefixes (the rest are not-run)
  --probe-url <url>          an http(s) URL a sandbox with egress all can reach; the egress cases
                             need it to prove that egress none and allow-lists block it
  --concurrency <n>          cases run at once (default 1: one after another)

Limits (defaults fit slow remote providers):
  --timeout <name=ms,...>    e.g. caseMs=60000,killGraceMs=5000; names: ${Object.keys(DEFAULT_TIMEOUTS).join(", ")}
  --ttl <seconds>            duration.maxSeconds passed as a TTL backstop (default 900)
  --large-output-bytes <n>   output of the large-output case (default 32MiB; K/M/GiB suffixes work)
  --large-file-bytes <n>     size of the large-file round trip (default 64MiB)
  --large-stdin-bytes <n>    size of the large-stdin case (default 8MiB)
  --large-stream-bytes <n>   size of the streamed-file round trip (default 512MiB)
  --clock-skew-ms <n>        allowed difference between the provider's clock and ours (default 5000)
  --run-id <id>              the openlattice.run label value (default: random)
  -h, --help                 show this help

Progress goes to stderr, the markdown report to stdout.
Exit codes: 0 conformant; 1 a MUST requirement failed; 2 usage or load error;
3 incomplete (no MUST failed, but some MUST requirements did not run).`;

const FLAGS = [
  "json",
  "junit",
  "markdown",
  "image",
  "name",
  "skip",
  "only",
  "run-id",
  "probe-url",
  "concurrency",
  "timeout",
  "ttl",
  "large-output-bytes",
  "large-file-bytes",
  "large-stdin-bytes",
  "large-stream-bytes",
  "clock-skew-ms",
];

const UNITS: Readonly<Record<string, number>> = {
  "": 1,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
};

/** A positive whole number, with an optional KiB/MiB/GiB suffix when `units` is set. */
function positive(flag: string, text: string, units = false): number {
  const match = /^(\d+)([a-z]*)$/i.exec(text.trim());
  const factor = match ? UNITS[(match[2] ?? "").toLowerCase()] : undefined;
  const value = match && factor !== undefined && (units || factor === 1) ? Number(match[1]) * factor : Number.NaN;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(
      `--${flag} must be a positive whole number${units ? " (K/M/GiB suffixes allowed)" : ""}, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/** `caseMs=60000,killGraceMs=5000` → timeouts, refusing unknown names. */
function timeouts(text: string): Partial<SuiteTimeouts> {
  const result: Partial<SuiteTimeouts> = {};
  for (const pair of text.split(",").filter(Boolean)) {
    const [name = "", value = ""] = pair.split("=");
    if (!(name in DEFAULT_TIMEOUTS)) {
      throw new Error(
        `--timeout: unknown timeout ${JSON.stringify(name)}; known: ${Object.keys(DEFAULT_TIMEOUTS).join(", ")}`,
      );
    }
    result[name as keyof SuiteTimeouts] = positive(`timeout ${name}`, value);
  }
  return result;
}

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
      if (!FLAGS.includes(key)) throw new Error(`unknown option ${flag}`);
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
  const number = (flag: string, units = false) =>
    values[flag] === undefined ? undefined : positive(flag, values[flag] as string, units);
  const concurrency = number("concurrency") ?? 1;
  const probeUrl = values["probe-url"];
  if (probeUrl !== undefined && !/^https?:\/\/./.test(probeUrl)) throw new Error("--probe-url must be an http(s) URL");
  const options: SuiteOptions = {
    skip: list(values.skip) ?? [],
    ...(values.only !== undefined && { only: list(values.only) }),
    ...(values.image !== undefined && { image: values.image }),
    ...(values["run-id"] !== undefined && { runId: values["run-id"] }),
    ...(probeUrl !== undefined && { probeUrl }),
    ...(values.timeout !== undefined && { timeouts: timeouts(values.timeout) }),
    ...(values.ttl !== undefined && { ttlSeconds: number("ttl") }),
    ...(values["large-output-bytes"] !== undefined && { largeOutputBytes: number("large-output-bytes", true) }),
    ...(values["large-file-bytes"] !== undefined && { largeFileBytes: number("large-file-bytes", true) }),
    ...(values["large-stdin-bytes"] !== undefined && { largeStdinBytes: number("large-stdin-bytes", true) }),
    ...(values["large-stream-bytes"] !== undefined && { largeStreamBytes: number("large-stream-bytes", true) }),
    ...(values["clock-skew-ms"] !== undefined && { clockSkewMs: number("clock-skew-ms") }),
    ...(concurrency > 1 && { concurrent: true }),
  };
  return {
    module: positional[0] as string,
    ...(values.json !== undefined && { json: values.json }),
    ...(values.junit !== undefined && { junit: values.junit }),
    ...(values.markdown !== undefined && { markdown: values.markdown }),
    ...(values.name !== undefined && { name: values.name }),
    concurrency,
    options,
  };
}
