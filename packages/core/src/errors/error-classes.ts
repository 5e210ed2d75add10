import { SandboxError, type SandboxErrorOptions } from "./sandbox-error.js";

/** A caller-supplied value is invalid. `field` is the path of the offending value, e.g. `resources.memoryMiB`. */
export class InvalidArgumentError extends SandboxError {
  readonly field: string;
  constructor(field: string, message: string, options: SandboxErrorOptions = {}) {
    super("invalid_argument", field ? `${field}: ${message}` : message, {
      ...options,
      details: { field, ...options.details },
    });
    this.name = "InvalidArgumentError";
    this.field = field;
  }
}

/** The sandbox, snapshot or file does not exist (or no longer exists). */
export class NotFoundError extends SandboxError {
  constructor(message: string, options: SandboxErrorOptions = {}) {
    super("not_found", message, options);
    this.name = "NotFoundError";
  }
}

/** The provider cannot do this at all; the message says what works instead. */
export class UnsupportedError extends SandboxError {
  readonly feature: string;
  constructor(feature: string, message: string, options: SandboxErrorOptions = {}) {
    super("unsupported", message, { ...options, details: { feature, ...options.details } });
    this.name = "UnsupportedError";
    this.feature = feature;
  }
}

/** An operation did not finish within its deadline. */
export class TimeoutError extends SandboxError {
  constructor(message: string, options: SandboxErrorOptions = {}) {
    super("timeout", message, options);
    this.name = "TimeoutError";
  }
}

/** The backend asked us to slow down. `retryAfterMs` is honoured by `withRetry`. */
export class RateLimitedError extends SandboxError {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: SandboxErrorOptions & { retryAfterMs?: number } = {}) {
    super("rate_limited", message, options);
    this.name = "RateLimitedError";
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The backend could not be reached or is temporarily down. */
export class UnavailableError extends SandboxError {
  constructor(message: string, options: SandboxErrorOptions = {}) {
    super("unavailable", message, options);
    this.name = "UnavailableError";
  }
}

/** Credentials are missing, invalid or lack permission. */
export class AuthenticationError extends SandboxError {
  constructor(message: string, options: SandboxErrorOptions = {}) {
    super("authentication", message, options);
    this.name = "AuthenticationError";
  }
}

/** The request conflicts with the current state (e.g. a name or idempotency key already in use). */
export class ConflictError extends SandboxError {
  constructor(message: string, options: SandboxErrorOptions = {}) {
    super("conflict", message, options);
    this.name = "ConflictError";
  }
}

/** The sandbox has ended (destroyed, exited or expired) and cannot run this operation. */
export class TerminatedError extends SandboxError {
  constructor(message: string, options: SandboxErrorOptions = {}) {
    super("terminated", message, options);
    this.name = "TerminatedError";
  }
}

/** The backend has no capacity for the request right now (e.g. no GPU of that type). */
export class CapacityError extends SandboxError {
  constructor(message: string, options: SandboxErrorOptions = {}) {
    super("capacity", message, options);
    this.name = "CapacityError";
  }
}

/**
 * The spec's setup command (`runtime.command`) exited non-zero, so provisioning failed and the
 * sandbox was destroyed. `exitCode` is the command's; `details.stdoutTail`/`stderrTail` hold the
 * last bytes of its output (redacted), enough to see why.
 */
export class SetupCommandError extends SandboxError {
  readonly exitCode: number;
  constructor(
    exitCode: number,
    message: string,
    options: SandboxErrorOptions & { stdoutTail?: string; stderrTail?: string } = {},
  ) {
    const { stdoutTail, stderrTail, ...rest } = options;
    super("setup_failed", message, {
      ...rest,
      details: { exitCode, stdoutTail: stdoutTail ?? "", stderrTail: stderrTail ?? "", ...rest.details },
    });
    this.name = "SetupCommandError";
    this.exitCode = exitCode;
  }
}

/** A bug or an unexpected backend answer. */
export class InternalError extends SandboxError {
  constructor(message: string, options: SandboxErrorOptions = {}) {
    super("internal", message, options);
    this.name = "InternalError";
  }
}
