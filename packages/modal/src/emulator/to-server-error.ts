import { isSandboxError } from "@openlattice/core";
import { ServerError, Status } from "nice-grpc";

/**
 * Translates a backend failure into the gRPC status the SDK would see. Retryable statuses
 * (UNAVAILABLE, INTERNAL, UNKNOWN…) are avoided for permanent failures: the SDK retries exec
 * waits on them forever.
 */
export function toServerError(error: unknown): ServerError {
  if (error instanceof ServerError) return error;
  if (isSandboxError(error)) {
    const codes: Partial<Record<string, Status>> = {
      invalid_argument: Status.INVALID_ARGUMENT,
      not_found: Status.NOT_FOUND,
      terminated: Status.FAILED_PRECONDITION,
      unsupported: Status.UNIMPLEMENTED,
      conflict: Status.FAILED_PRECONDITION,
      capacity: Status.RESOURCE_EXHAUSTED,
      timeout: Status.DEADLINE_EXCEEDED,
      unavailable: Status.UNAVAILABLE,
    };
    return new ServerError(codes[error.code] ?? Status.ABORTED, error.message);
  }
  return new ServerError(Status.ABORTED, error instanceof Error ? error.message : String(error));
}
