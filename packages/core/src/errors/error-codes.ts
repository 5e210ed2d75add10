/** Stable error codes. They are part of the public contract: never rename one. */
export const ERROR_CODES = [
  "invalid_argument",
  "not_found",
  "unsupported",
  "timeout",
  "rate_limited",
  "unavailable",
  "authentication",
  "conflict",
  "terminated",
  "capacity",
  "setup_failed",
  "internal",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Whether an error of each code is worth retrying when the thrower did not say. Transient
 * conditions (rate limits, unavailability, capacity, deadlines) are; caller mistakes and
 * final states are not.
 */
export const DEFAULT_RETRYABLE: Readonly<Record<ErrorCode, boolean>> = {
  invalid_argument: false,
  not_found: false,
  unsupported: false,
  timeout: true,
  rate_limited: true,
  unavailable: true,
  authentication: false,
  conflict: false,
  terminated: false,
  capacity: true,
  setup_failed: false,
  internal: false,
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && (ERROR_CODES as readonly string[]).includes(value);
}
