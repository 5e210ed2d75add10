import { redact } from "../redaction/secrets.js";
import { DEFAULT_RETRYABLE, type ErrorCode, isErrorCode } from "./error-codes.js";

const MARKER = Symbol.for("openlattice.core.sandbox-error");

export interface SandboxErrorOptions {
  /** Overrides the code's default retryability. */
  retryable?: boolean;
  /** The underlying error; kept (with secrets redacted from its message). */
  cause?: unknown;
  /** Name of the provider that raised the error. */
  provider?: string;
  /** Structured, non-secret context (ids, field names, limits). Strings are redacted. */
  details?: Record<string, unknown>;
}

/**
 * Base class of every error openlattice throws. `code` is stable and machine-readable,
 * `retryable` says whether trying the same call again may succeed, and `message` never
 * contains a registered secret or a token-shaped string.
 */
export class SandboxError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly provider: string | undefined;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: SandboxErrorOptions = {}) {
    const cause = options.cause === undefined ? undefined : sanitizeCause(options.cause);
    super(redact(message), cause === undefined ? undefined : { cause });
    this.name = "SandboxError";
    this.code = code;
    this.retryable = options.retryable ?? DEFAULT_RETRYABLE[code];
    this.provider = options.provider;
    this.details = Object.freeze(redactDetails(options.details ?? {}));
    Object.defineProperty(this, MARKER, { value: true, enumerable: false });
  }

  /** Plain-object form for logs and wire transfer; contains no secrets. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      provider: this.provider,
      details: this.details,
    };
  }
}

/**
 * True for a `SandboxError` from any copy of `@openlattice/core` loaded in the process
 * (`instanceof` fails across copies; the marker does not).
 */
export function isSandboxError(value: unknown): value is SandboxError {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[MARKER] === true &&
    isErrorCode((value as { code?: unknown }).code)
  );
}

/** True when `value` is a `SandboxError` with the given code. */
export function hasErrorCode(value: unknown, code: ErrorCode): value is SandboxError {
  return isSandboxError(value) && value.code === code;
}

function redactDetails(details: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    copy[key] = typeof value === "string" ? redact(value) : value;
  }
  return copy;
}

/**
 * Keeps the cause, but never lets a secret ride along in its message or stack: when either
 * contains one, a copy with the same name, code and own properties and redacted text is kept.
 */
function sanitizeCause(cause: unknown): unknown {
  if (!(cause instanceof Error)) {
    return typeof cause === "string" ? redact(cause) : cause;
  }
  const message = redact(cause.message);
  const stack = cause.stack === undefined ? undefined : redact(cause.stack);
  if (message === cause.message && stack === cause.stack) return cause;
  const copy = new Error(message);
  for (const key of Object.keys(cause)) {
    const value = (cause as unknown as Record<string, unknown>)[key];
    (copy as unknown as Record<string, unknown>)[key] = typeof value === "string" ? redact(value) : value;
  }
  copy.name = cause.name;
  if (stack !== undefined) copy.stack = stack;
  return copy;
}
