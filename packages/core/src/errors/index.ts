export {
  AuthenticationError,
  CapacityError,
  ConflictError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  RateLimitedError,
  SetupCommandError,
  TerminatedError,
  TimeoutError,
  UnavailableError,
  UnsupportedError,
} from "./error-classes.js";
export { DEFAULT_RETRYABLE, ERROR_CODES, type ErrorCode, isErrorCode } from "./error-codes.js";
export { hasErrorCode, isSandboxError, SandboxError, type SandboxErrorOptions } from "./sandbox-error.js";
