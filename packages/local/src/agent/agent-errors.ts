import os from "node:os";
import {
  CapacityError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  type SandboxError,
  UnavailableError,
} from "@openlattice/core";
import { Fields, type Frame } from "./frame-codec.js";
import { ErrorKind, Field } from "./protocol.js";

/** errno numbers to names (this host's numbering is the agent's: both run on the same kernel). */
const ERRNO_NAMES = new Map<number, string>(
  Object.entries(os.constants.errno).map(([name, value]) => [value as number, name]),
);

/** What an agent ERROR frame says, checked. */
export interface AgentFailure {
  readonly kind: number;
  /** errno name such as `ENOENT`, or `E<number>` for one this host does not know. */
  readonly code: string | undefined;
  readonly message: string | undefined;
}

export function readFailure(frame: Frame): AgentFailure {
  const fields = new Fields(frame.payload).only([Field.kind, Field.errno, Field.message]);
  const errno = fields.u32(Field.errno) ?? 0;
  return {
    kind: fields.u32(Field.kind) ?? ErrorKind.errno,
    code: errno === 0 ? undefined : (ERRNO_NAMES.get(errno) ?? `E${errno}`),
    message: fields.str(Field.message, 1024)?.replace(/[^\x20-\x7e]/g, "?"),
  };
}

const DESCRIPTIONS: Record<string, string> = {
  ENOENT: "does not exist",
  ENOTDIR: "a component is not a directory",
  EISDIR: "is a directory",
  EEXIST: "exists and is not a directory",
  ENOTEMPTY: "is a non-empty directory; pass { recursive: true }",
  EROFS: "is on a read-only filesystem",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ELOOP: "too many levels of symbolic links",
  EFBIG: "is too large",
  ENAMETOOLONG: "the path is too long",
  EINVAL: "invalid for this operation",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EBUSY: "is busy",
  ETXTBSY: "is a running program",
};

/**
 * The typed error for a failed file operation on `sandboxPath`: `not_found` for a missing path,
 * `invalid_argument` naming the path for everything the caller can fix.
 */
export function fileError(
  failure: AgentFailure,
  sandboxPath: string,
  provider: string,
  maxBytes: number,
): SandboxError {
  const at = JSON.stringify(sandboxPath);
  const options = { provider, details: { path: sandboxPath, ...(failure.code ? { errno: failure.code } : {}) } };
  switch (failure.kind) {
    case ErrorKind.notRegular:
      return new InvalidArgumentError(
        "path",
        `${at} is not a regular file (a FIFO, device or socket); only regular files are read or written`,
        options,
      );
    case ErrorKind.tooLarge:
      return new InvalidArgumentError(
        "path",
        `${at} is larger than ${maxBytes} bytes, the most one call moves`,
        options,
      );
    case ErrorKind.outside:
      return new InvalidArgumentError("path", `${at} leads outside the sandbox's reachable files`, options);
    case ErrorKind.limit:
      return new CapacityError(`the sandbox agent has too many transfers open; retry later`, options);
    case ErrorKind.errno: {
      if (failure.code === "ENOENT") return new NotFoundError(`${at} does not exist`, options);
      const text = failure.code ? DESCRIPTIONS[failure.code] : undefined;
      if (text) return new InvalidArgumentError("path", `${at}: ${text}`, options);
      if (failure.code === "ENOMEM" || failure.code === "EMFILE" || failure.code === "ENFILE") {
        return new UnavailableError(`the sandbox is out of resources (${failure.code}) for ${at}`, options);
      }
      return new InternalError(`file operation on ${at} failed (${failure.code ?? "unknown error"})`, options);
    }
    default:
      return new InternalError(`file operation on ${at} failed: ${failure.message ?? "bad request"}`, options);
  }
}
