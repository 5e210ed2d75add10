import {
  AuthenticationError,
  CapacityError,
  ConflictError,
  InternalError,
  InvalidArgumentError,
  isSandboxError,
  NotFoundError,
  RateLimitedError,
  type SandboxError,
  TerminatedError,
  TimeoutError,
  UnavailableError,
  UnsupportedError,
} from "@openlattice/core";

const PROVIDER = "modal";

/** gRPC status codes (nice-grpc's `Status`), spelled out so the mapping table reads plainly. */
export const GrpcStatus = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** What the caller was doing; it becomes part of the message and `details`. */
export interface ErrorContext {
  readonly operation: string;
  readonly externalId?: string;
}

const FINISHED = /already (finished|terminated)|has (finished|terminated|shut down)|is unavailable/i;
/** What `modal@0.11.1` says when the router of a finished sandbox can no longer be reached. */
const ROUTER_GONE = /Command router access is not available/i;
/** `Image.build` failures; Modal says "Please try again" when another attempt may succeed. */
const IMAGE_BUILD = /^Image build for \S+ (failed|terminated|timed out)/;
/** RESOURCE_EXHAUSTED because of the account's limits, not Modal's capacity: retrying soon will not help. */
const QUOTA = /quota|limit of|spend(ing)? limit|concurren|exceeded (the|your) (workspace|account)|billing/i;
const RATE = /rate.?limit|throttl|too many requests/i;

/**
 * Translates anything the `modal` SDK or nice-grpc throws into a core `SandboxError`, in one
 * place. The SDK throws its own error classes for a few cases and raw nice-grpc `ClientError`s
 * (not re-exported; recognised by name and numeric `code`) for everything else, plus plain
 * `Error`s from client-side validation. `SandboxError`s pass through unchanged.
 */
export function mapModalError(error: unknown, context: ErrorContext): SandboxError {
  if (isSandboxError(error)) return error;
  const name = error instanceof Error ? error.name : "";
  const raw = error instanceof Error ? error.message : String(error);
  const details = (error as { details?: unknown }).details;
  const text = typeof details === "string" && details !== "" ? details : raw;
  const where = `${context.operation}${context.externalId ? ` ${context.externalId}` : ""}`;
  const message = `modal ${where}: ${text}`;
  const options = {
    provider: PROVIDER,
    cause: error,
    details: { operation: context.operation, ...(context.externalId ? { externalId: context.externalId } : {}) },
  };

  if (name === "ClientError" && typeof (error as { code?: unknown }).code === "number") {
    return fromGrpcStatus((error as { code: number }).code, text, message, options);
  }
  switch (name) {
    case "InvalidError":
      return new InvalidArgumentError("", message, options);
    case "NotFoundError":
      return FINISHED.test(text) ? new TerminatedError(message, options) : new NotFoundError(message, options);
    case "AlreadyExistsError":
      return new ConflictError(message, options);
    case "ConflictError":
      // modal@0.11.1 raises ConflictError only when a sandbox's task lookup finds it finished.
      return new TerminatedError(message, options);
    case "ResourceExhaustedError":
      return new CapacityError(message, options);
    case "TimeoutError":
    case "SandboxTimeoutError":
    case "FunctionTimeoutError":
      return new TimeoutError(message, options);
    case "InternalFailure":
      return new InternalError(message, { ...options, retryable: true });
    case "ClientClosedError":
      // The provider detaches a handle when it destroys the sandbox: an exec racing destroy.
      return new TerminatedError(`${message} (the sandbox was destroyed while the call ran)`, options);
    case "SandboxFilesystemNotFoundError":
      return new NotFoundError(message, options);
    case "SandboxFilesystemIsADirectoryError":
    case "SandboxFilesystemNotADirectoryError":
    case "SandboxFilesystemFileTooLargeError":
    case "SandboxFilesystemPermissionError":
      return new InvalidArgumentError("path", message, options);
    case "SandboxFilesystemPathAlreadyExistsError":
    case "SandboxFilesystemDirectoryNotEmptyError":
      return new ConflictError(message, options);
    case "SandboxFilesystemError":
      return new InternalError(message, options);
    case "SnapshotCreationError":
      return new InternalError(message, { ...options, retryable: true });
  }
  if (ROUTER_GONE.test(raw)) return new TerminatedError(`${message} (the sandbox has finished)`, options);
  const build = IMAGE_BUILD.exec(raw);
  if (build) {
    const retryable = /try again/i.test(raw);
    if (build[1] === "timed out") return new TimeoutError(message, { ...options, retryable });
    if (retryable) return new UnavailableError(message, options);
    return new InvalidArgumentError("runtime.image", `${message} (fix the image or its build steps)`, {
      ...options,
      retryable: false,
    });
  }
  if (/missing credentials|token (id|secret)|unauthenticated/i.test(raw)) {
    return new AuthenticationError(message, options);
  }
  if (/Deadline exceeded/i.test(raw)) return new TimeoutError(message, options);
  if (/has been renamed|must be a multiple of 1000|must be positive|Invalid GPU|not supported by/i.test(raw)) {
    return new InvalidArgumentError("", message, options);
  }
  return new InternalError(message, options);
}

type Options = ConstructorParameters<typeof NotFoundError>[1];

function fromGrpcStatus(code: number, text: string, message: string, options: Options): SandboxError {
  switch (code) {
    case GrpcStatus.CANCELLED:
      return new UnavailableError(message, options);
    case GrpcStatus.UNKNOWN:
      return new InternalError(message, { ...options, retryable: true });
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.OUT_OF_RANGE:
      return new InvalidArgumentError("", message, options);
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new TimeoutError(message, options);
    case GrpcStatus.NOT_FOUND:
      return new NotFoundError(message, options);
    case GrpcStatus.ALREADY_EXISTS:
      return new ConflictError(message, options);
    case GrpcStatus.PERMISSION_DENIED:
    case GrpcStatus.UNAUTHENTICATED:
      return new AuthenticationError(message, options);
    case GrpcStatus.RESOURCE_EXHAUSTED:
      if (RATE.test(text)) return new RateLimitedError(message, options);
      if (QUOTA.test(text)) {
        return new RateLimitedError(`${message} (an account limit, not Modal's capacity: raise it or free resources)`, {
          ...options,
          retryable: false,
          details: { ...options?.details, quota: true },
        });
      }
      return new CapacityError(message, options);
    case GrpcStatus.FAILED_PRECONDITION:
      return FINISHED.test(text) ? new TerminatedError(message, options) : new ConflictError(message, options);
    case GrpcStatus.ABORTED:
      return new ConflictError(message, { ...options, retryable: true });
    case GrpcStatus.UNIMPLEMENTED:
      return new UnsupportedError("rpc", message, options);
    case GrpcStatus.INTERNAL:
      return new InternalError(message, { ...options, retryable: true });
    case GrpcStatus.UNAVAILABLE:
      return new UnavailableError(message, options);
    case GrpcStatus.DATA_LOSS:
      return new InternalError(message, options);
    default:
      return new InternalError(message, options);
  }
}
