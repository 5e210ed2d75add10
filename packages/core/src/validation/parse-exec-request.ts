import { InvalidArgumentError, UnsupportedError } from "../errors/error-classes.js";
import type { Capabilities } from "../provider/v1/capabilities.js";
import { DEFAULT_MAX_OUTPUT_BYTES, type ExecOptions, MAX_OUTPUT_BYTES_LIMIT } from "../provider/v1/exec.js";

/** Largest total argv size accepted (bytes of UTF-8, including separators); Linux allows about 2 MiB. */
export const MAX_ARGV_BYTES = 1024 * 1024;

/** Largest `timeoutMs` (the largest delay a Node timer supports). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * An exec call after validation: stdin as bytes, env never undefined, and `maxOutputBytes`
 * always a number (the default applied), so providers cannot forget the output bound.
 */
export interface ExecRequest {
  readonly argv: readonly string[];
  readonly cwd: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number | undefined;
  readonly stdin: Uint8Array | undefined;
  readonly maxOutputBytes: number;
  readonly onStdout: ((chunk: string) => void) | undefined;
  readonly onStderr: ((chunk: string) => void) | undefined;
  readonly onStdoutBytes: ((chunk: Uint8Array) => void) | undefined;
  readonly onStderrBytes: ((chunk: Uint8Array) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  /** A terminal was asked for, with its size (defaults 80×24). */
  readonly pty: { readonly cols: number; readonly rows: number } | undefined;
}

const CALLBACKS = ["onStdout", "onStderr", "onStdoutBytes", "onStderrBytes"] as const;

const encoder = new TextEncoder();

const OPTION_KEYS = new Set<string>([
  "cwd",
  "env",
  "timeoutMs",
  "stdin",
  "signal",
  "maxOutputBytes",
  "pty",
  "cols",
  "rows",
  ...CALLBACKS,
]);

/**
 * Validates `exec` arguments. Throws `InvalidArgumentError` naming the field (`argv[2]`,
 * `cwd`, `env["A B"]`, `timeoutMs`…). Values are never altered: what passes reaches the
 * command byte for byte.
 */
export function parseExecRequest(
  argv: unknown,
  options: unknown,
  provider?: string,
  capabilities?: Pick<Capabilities, "pty">,
): ExecRequest {
  const fail = (field: string, message: string) => new InvalidArgumentError(field, message, { provider });
  if (!Array.isArray(argv)) throw fail("argv", "must be an array of strings");
  if (argv.length === 0) throw fail("argv", "must not be empty");
  let argvBytes = 0;
  argv.forEach((arg, index) => {
    if (typeof arg !== "string") throw fail(`argv[${index}]`, "must be a string");
    if (arg.includes("\u0000")) throw fail(`argv[${index}]`, "must not contain a NUL byte");
    argvBytes += encoder.encode(arg).byteLength + 1;
  });
  if (argv[0] === "") throw fail("argv[0]", "the program must not be empty");
  if (argvBytes > MAX_ARGV_BYTES) throw fail("argv", `must be at most ${MAX_ARGV_BYTES} bytes in total`);

  if (options === undefined || options === null) return emptyRequest(argv);
  if (typeof options !== "object" || Array.isArray(options)) throw fail("options", "must be an object");
  const given = options as ExecOptions & Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!OPTION_KEYS.has(key) && given[key] !== undefined) throw fail(key, "unknown exec option");
  }

  const cwd = given.cwd;
  if (cwd !== undefined) {
    if (typeof cwd !== "string" || cwd === "") throw fail("cwd", "must be a non-empty string");
    if (cwd.includes("\u0000")) throw fail("cwd", "must not contain a NUL byte");
  }
  const env: Record<string, string> = {};
  if (given.env !== undefined) {
    if (given.env === null || typeof given.env !== "object" || Array.isArray(given.env)) {
      throw fail("env", "must be an object of strings");
    }
    for (const [name, value] of Object.entries(given.env)) {
      const field = `env[${JSON.stringify(name)}]`;
      if (name === "" || name.includes("=")) throw fail(field, "name must be non-empty and must not contain '='");
      if (name.includes("\u0000")) throw fail(field, "name must not contain a NUL byte");
      // A plain object cannot hold "__proto__" as an own key: the variable would silently vanish.
      if (name === "__proto__") throw fail(field, 'name "__proto__" is not supported');
      if (typeof value !== "string") throw fail(field, "value must be a string");
      if (value.includes("\u0000")) throw fail(field, "value must not contain a NUL byte");
      env[name] = value;
    }
  }
  const timeoutMs = given.timeoutMs;
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS)) {
    throw fail("timeoutMs", `must be an integer from 1 to ${MAX_TIMEOUT_MS}`);
  }
  const maxOutputBytes = given.maxOutputBytes;
  if (
    maxOutputBytes !== undefined &&
    (!Number.isSafeInteger(maxOutputBytes) || maxOutputBytes < 0 || maxOutputBytes > MAX_OUTPUT_BYTES_LIMIT)
  ) {
    throw fail(
      "maxOutputBytes",
      `must be an integer from 0 to ${MAX_OUTPUT_BYTES_LIMIT}; stream larger output through onStdoutBytes/onStderrBytes`,
    );
  }
  let stdin: Uint8Array | undefined;
  if (given.stdin !== undefined) {
    if (typeof given.stdin === "string") stdin = encoder.encode(given.stdin);
    else if (given.stdin instanceof Uint8Array) stdin = given.stdin;
    else throw fail("stdin", "must be a string or a Uint8Array");
  }
  for (const key of CALLBACKS) {
    if (given[key] !== undefined && typeof given[key] !== "function") throw fail(key, "must be a function");
  }
  const signal = given.signal;
  if (signal !== undefined && !isAbortSignal(signal)) throw fail("signal", "must be an AbortSignal");
  const pty = parsePty(given, fail);
  if (pty && capabilities && !capabilities.pty) {
    throw new UnsupportedError("pty", `pty: the ${provider ?? "this"} provider cannot run commands under a terminal`, {
      provider,
    });
  }
  return {
    argv: [...argv],
    cwd,
    env,
    timeoutMs,
    stdin,
    maxOutputBytes: maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    onStdout: given.onStdout,
    onStderr: given.onStderr,
    onStdoutBytes: given.onStdoutBytes,
    onStderrBytes: given.onStderrBytes,
    signal,
    pty,
  };
}

/** Largest terminal side accepted, in cells. */
const MAX_TERMINAL_CELLS = 10_000;

/**
 * Validates `pty`, `cols` and `rows` (shared with `processes.start`): sizes only with a
 * terminal, whole numbers from 1 to 10000.
 */
export function parsePty(
  given: { pty?: unknown; cols?: unknown; rows?: unknown },
  fail: (field: string, message: string) => Error,
): { cols: number; rows: number } | undefined {
  if (given.pty !== undefined && typeof given.pty !== "boolean") throw fail("pty", "must be a boolean");
  for (const key of ["cols", "rows"] as const) {
    const value = given[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_TERMINAL_CELLS) {
      throw fail(key, `must be an integer from 1 to ${MAX_TERMINAL_CELLS}`);
    }
    if (given.pty !== true) throw fail(key, "only applies with pty: true");
  }
  if (given.pty !== true) return undefined;
  return { cols: (given.cols as number | undefined) ?? 80, rows: (given.rows as number | undefined) ?? 24 };
}

function emptyRequest(argv: readonly string[]): ExecRequest {
  return {
    argv: [...argv],
    cwd: undefined,
    env: {},
    timeoutMs: undefined,
    stdin: undefined,
    maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES,
    onStdout: undefined,
    onStderr: undefined,
    onStdoutBytes: undefined,
    onStderrBytes: undefined,
    signal: undefined,
    pty: undefined,
  };
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as AbortSignal).aborted === "boolean" &&
    typeof (value as AbortSignal).addEventListener === "function"
  );
}
