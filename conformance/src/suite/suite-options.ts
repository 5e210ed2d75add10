import type { Provider } from "@openlattice/core";

/** Time limits of the suite. Generous defaults fit slow remote providers; local providers may lower them. */
export interface SuiteTimeouts {
  /** Budget of one case body, provisioning included. Default 180 000. */
  caseMs: number;
  /** Budget of the cleanup after each case (all destroys together). Default 60 000. */
  cleanupMs: number;
  /** How long after `timeoutMs` a timed-out exec may take to resolve. Default 15 000. */
  killGraceMs: number;
  /** How long after `duration.maxSeconds` a sandbox may take to end. Default 60 000. */
  durationGraceMs: number;
  /** How long a server started in the sandbox may take to answer. Default 30 000. */
  networkReadyMs: number;
  /** The bound `healthCheck` must resolve within. Default 10 000. */
  healthMs: number;
  /** The bound a snapshot taken while an exec runs must resolve within. Default 60 000. */
  snapshotMs: number;
}

/**
 * Options of `describeProvider`. They can only narrow a run (skip cases, shorten waits); what a
 * provider supports is always read from `provider.capabilities`, never from here.
 */
export interface SuiteOptions {
  /**
   * `runtime.image` of every sandbox the suite provisions. Default: none, so the provider's
   * `capabilities.constraints.defaultImage` applies; a provider without a default image needs
   * this, or every case that provisions is `not-run`.
   */
  image?: string;
  /** Requirement ids or prefixes (`"network."`) to leave out; they are reported `not-run`. */
  skip?: readonly string[];
  /** Only these requirement ids or prefixes run; the rest are reported `not-run`. */
  only?: readonly string[];
  /**
   * Requirement ids this provider is known to violate. Such a case passes in vitest when it fails
   * (the report still says `fail`) and fails when it unexpectedly passes. Meant for the suite's own
   * tests and for tracking known bugs; it never turns a failure into a pass in the report.
   */
  expectFailures?: readonly string[];
  /** Run id put in the `openlattice.run` label of every sandbox. Default: a fresh random id. */
  runId?: string;
  /** `duration.maxSeconds` passed as a provider-side TTL backstop (clamped to the provider's maximum). Default 900. */
  ttlSeconds?: number;
  /** Bytes the large-output case produces. Default 32 MiB; the spec minimum. */
  largeOutputBytes?: number;
  /** Bytes of the large file the files cases round-trip (capped at `maxFileBytes`). Default 64 MiB. */
  largeFileBytes?: number;
  /** Bytes of stdin the large-stdin case sends. Default 8 MiB. */
  largeStdinBytes?: number;
  /** Bytes of the file the streamed-file case moves through `fileStreams` (no size cap applies). Default 512 MiB. */
  largeStreamBytes?: number;
  /**
   * An `http(s)` URL that a sandbox with egress `"all"` can reach (answering any status), used to
   * prove that egress `"none"` and allow-lists block it. Without it the egress cases are `not-run`.
   */
  probeUrl?: string;
  /** How far the provider's clock may be from the suite's when timestamps are compared, in ms. Default 5 000. */
  clockSkewMs?: number;
  timeouts?: Partial<SuiteTimeouts>;
  /**
   * Run the cases concurrently (up to vitest's `maxConcurrency`, default 5). Faster, but only for
   * providers that take parallel sandboxes without rate limits; the leak check still runs last.
   */
  concurrent?: boolean;
  /**
   * `createProvider` returns one shared instance rather than a fresh one (the CLI sets this for a
   * module that exports an instance). Checks that need a second, independent instance are then
   * `not-run` instead of failing.
   */
  sharedInstance?: boolean;
}

/** What `describeProvider` takes. */
export interface DescribeProviderConfig {
  /** Name shown in test titles and reports, usually the provider's own name. */
  name: string;
  /** Makes a fresh, independent provider; called once per case (lazily, inside the case). */
  createProvider: () => Provider | Promise<Provider>;
  options?: SuiteOptions;
}

export const DEFAULT_TIMEOUTS: SuiteTimeouts = {
  caseMs: 180_000,
  cleanupMs: 60_000,
  killGraceMs: 15_000,
  durationGraceMs: 60_000,
  networkReadyMs: 30_000,
  healthMs: 10_000,
  snapshotMs: 60_000,
};

export const LABEL_RUN = "openlattice.run";
export const LABEL_CASE = "openlattice.case";
export const LARGE_OUTPUT_BYTES = 32 * 1024 * 1024;
export const LARGE_FILE_BYTES = 64 * 1024 * 1024;
export const LARGE_STDIN_BYTES = 8 * 1024 * 1024;
export const LARGE_STREAM_BYTES = 512 * 1024 * 1024;

const KNOWN_OPTIONS = new Set([
  "image",
  "skip",
  "only",
  "expectFailures",
  "runId",
  "ttlSeconds",
  "largeOutputBytes",
  "largeFileBytes",
  "largeStdinBytes",
  "largeStreamBytes",
  "probeUrl",
  "clockSkewMs",
  "timeouts",
  "concurrent",
  "sharedInstance",
]);

/** Resolved options: every default applied. */
export interface ResolvedSuiteOptions {
  readonly image: string | undefined;
  readonly skip: readonly string[];
  readonly only: readonly string[] | undefined;
  readonly expectFailures: ReadonlySet<string>;
  readonly runId: string;
  readonly ttlSeconds: number;
  readonly largeOutputBytes: number;
  readonly largeFileBytes: number;
  readonly largeStdinBytes: number;
  readonly largeStreamBytes: number;
  readonly probeUrl: string | undefined;
  readonly clockSkewMs: number;
  readonly timeouts: SuiteTimeouts;
  readonly concurrent: boolean;
  readonly sharedInstance: boolean;
}

const fail = (message: string): never => {
  throw new TypeError(`describeProvider: ${message}`);
};

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    fail(`${name} must be a positive integer`);
  }
  return value as number;
}

function probeUrlOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(String(value));
  } catch {
    parsed = undefined;
  }
  if (typeof value !== "string" || !parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    fail(`probeUrl must be an http(s) URL, e.g. "http://10.0.0.1:8080/"`);
  }
  return value as string;
}

/**
 * Validates the config and applies defaults. Throws an actionable error on misuse, including
 * options that try to declare capabilities (capabilities come from the provider).
 */
export function resolveConfig(config: DescribeProviderConfig): ResolvedSuiteOptions {
  if (config === null || typeof config !== "object") fail("pass { name, createProvider }");
  if (typeof config.name !== "string" || config.name === "") fail("`name` must be a non-empty string");
  if (typeof config.createProvider !== "function") {
    fail("`createProvider` must be a function returning a fresh Provider");
  }
  const options = config.options ?? {};
  for (const key of Object.keys(options)) {
    if (key === "capabilities" || key.startsWith("supports")) {
      fail(
        `option ${JSON.stringify(key)} is not accepted; capabilities are read from provider.capabilities (use \`skip\` to narrow a run)`,
      );
    }
    if (!KNOWN_OPTIONS.has(key)) fail(`unknown option ${JSON.stringify(key)}`);
  }
  const timeouts = { ...DEFAULT_TIMEOUTS };
  for (const [key, value] of Object.entries(options.timeouts ?? {})) {
    if (!(key in DEFAULT_TIMEOUTS)) fail(`unknown timeout ${JSON.stringify(key)}`);
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      fail(`timeouts.${key} must be a positive number of milliseconds`);
    }
    timeouts[key as keyof SuiteTimeouts] = value;
  }
  if (options.image !== undefined && (typeof options.image !== "string" || options.image === "")) {
    fail("image must be a non-empty string");
  }
  const runId = options.runId ?? `olc-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    image: options.image,
    skip: [...(options.skip ?? [])],
    only: options.only ? [...options.only] : undefined,
    expectFailures: new Set(options.expectFailures ?? []),
    runId,
    ttlSeconds: positiveInteger(options.ttlSeconds, "ttlSeconds", 900),
    largeOutputBytes: positiveInteger(options.largeOutputBytes, "largeOutputBytes", LARGE_OUTPUT_BYTES),
    largeFileBytes: positiveInteger(options.largeFileBytes, "largeFileBytes", LARGE_FILE_BYTES),
    largeStdinBytes: positiveInteger(options.largeStdinBytes, "largeStdinBytes", LARGE_STDIN_BYTES),
    largeStreamBytes: positiveInteger(options.largeStreamBytes, "largeStreamBytes", LARGE_STREAM_BYTES),
    probeUrl: probeUrlOf(options.probeUrl),
    clockSkewMs: positiveInteger(options.clockSkewMs, "clockSkewMs", 5_000),
    timeouts,
    concurrent: options.concurrent ?? false,
    sharedInstance: options.sharedInstance ?? false,
  };
}

/** True when `id` equals one of the patterns or starts with a pattern ending in `.`. */
export function matchesAny(id: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => id === pattern || (pattern.endsWith(".") && id.startsWith(pattern)));
}
