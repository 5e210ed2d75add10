import path from "node:path";
import {
  type FileEntry,
  type FileStat,
  type FilesExtension,
  InternalError,
  InvalidArgumentError,
  isSandboxError,
  NotFoundError,
  type SandboxError,
} from "@openlattice/core";
import { PathError, type RootedFs } from "./rooted-fs.js";

/** How a sandbox's paths map onto a rooted filesystem. */
export interface FilesBinding {
  /**
   * The reachable trees: each rooted filesystem and the sandbox path its root stands for. `/`
   * alone in the namespace tier; in the `none` tier the workspace (and a workdir outside it),
   * nothing else. The longest matching root wins.
   */
  readonly roots: readonly { readonly path: string; readonly fs: RootedFs }[];
  /** Sandbox path of the working directory (relative paths start there). */
  readonly workdir: string;
  readonly maxFileBytes: number;
  readonly provider: string;
  /** Throws when the sandbox can no longer be used. */
  readonly ensureLive: () => void;
  /** Runs `body` while no sandbox process can run (freezes when possible). */
  readonly quiesced: <T>(body: () => Promise<T>) => Promise<T>;
  /**
   * Creates files and directories as the sandbox user, inside the sandbox. Used where the host
   * may not create inodes itself: on a filesystem mounted inside the sandbox's user namespace
   * (its `/tmp` tmpfs), a host uid the namespace cannot map gets EOVERFLOW. The sandbox user
   * only sees its own view, so this path is confined by construction.
   */
  readonly createInside?: {
    readonly write: (sandboxPath: string, bytes: Uint8Array) => Promise<void>;
    readonly mkdir: (sandboxPath: string) => Promise<void>;
  };
}

/** The kernel's answer when the host's uid has no mapping in the filesystem's user namespace. */
const UNMAPPED_OWNER = "EOVERFLOW";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The `files` extension over a `FilesBinding`: binary-safe and confined to the sandbox. */
export function createFilesExtension(binding: FilesBinding): FilesExtension {
  const { provider } = binding;
  const roots = [...binding.roots].sort((a, b) => b.path.length - a.path.length);
  const locate = (input: unknown): { sandboxPath: string; relative: string; fs: RootedFs } => {
    if (typeof input !== "string" || input === "")
      throw new InvalidArgumentError("path", "must be a non-empty string", { provider });
    if (input.includes("\u0000")) throw new InvalidArgumentError("path", "must not contain a NUL byte", { provider });
    const sandboxPath = path.posix.resolve(binding.workdir, input);
    for (const root of roots) {
      if (root.path === "/") return { sandboxPath, relative: sandboxPath.slice(1), fs: root.fs };
      if (sandboxPath === root.path || sandboxPath.startsWith(`${root.path}/`)) {
        return { sandboxPath, relative: sandboxPath.slice(root.path.length + 1), fs: root.fs };
      }
    }
    throw new InvalidArgumentError(
      "path",
      `${JSON.stringify(input)} is outside the sandbox (reachable: ${roots.map((r) => r.path).join(", ")})`,
      { provider },
    );
  };
  const wrap = async <T>(
    input: unknown,
    body: (where: { sandboxPath: string; relative: string; fs: RootedFs }) => Promise<T>,
  ) => {
    binding.ensureLive();
    const where = locate(input);
    try {
      return await body(where);
    } catch (error) {
      throw toSandboxError(error, where.sandboxPath, provider);
    }
  };
  return {
    read: (p) => wrap(p, ({ relative, fs }) => fs.read(relative, binding.maxFileBytes)),
    readText: async (p) => decoder.decode(await wrap(p, ({ relative, fs }) => fs.read(relative, binding.maxFileBytes))),
    write: (p, data) => {
      if (typeof data !== "string" && !(data instanceof Uint8Array)) {
        return Promise.reject(new InvalidArgumentError("data", "must be a string or a Uint8Array", { provider }));
      }
      const bytes = typeof data === "string" ? encoder.encode(data) : data;
      if (bytes.byteLength > binding.maxFileBytes) {
        return Promise.reject(
          new InvalidArgumentError("data", `must be at most ${binding.maxFileBytes} bytes`, { provider }),
        );
      }
      return wrap(p, ({ relative, sandboxPath, fs }) =>
        fs.write(relative, bytes).catch((error: unknown) => {
          if (!binding.createInside || (error as NodeJS.ErrnoException).code !== UNMAPPED_OWNER) throw error;
          return binding.createInside.write(sandboxPath, bytes);
        }),
      );
    },
    list: (p): Promise<FileEntry[]> => wrap(p, ({ relative, sandboxPath, fs }) => fs.list(relative, sandboxPath)),
    remove: (p, options) =>
      wrap(p, ({ relative, fs }) =>
        options?.recursive ? binding.quiesced(() => fs.remove(relative, true)) : fs.remove(relative, false),
      ),
    mkdir: (p) =>
      wrap(p, ({ relative, sandboxPath, fs }) =>
        fs.mkdir(relative).catch((error: unknown) => {
          if (!binding.createInside || (error as NodeJS.ErrnoException).code !== UNMAPPED_OWNER) throw error;
          return binding.createInside.mkdir(sandboxPath);
        }),
      ),
    stat: (p): Promise<FileStat> => wrap(p, ({ relative, sandboxPath, fs }) => fs.stat(relative, sandboxPath)),
  };
}

function toSandboxError(error: unknown, sandboxPath: string, provider: string): SandboxError {
  if (isSandboxError(error)) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const at = JSON.stringify(sandboxPath);
  const options = { provider, cause: error, details: { path: sandboxPath } };
  switch (code) {
    case "ENOENT":
      return new NotFoundError(`${at} does not exist`, options);
    case "ENOTDIR":
      return new InvalidArgumentError("path", `${at}: a component is not a directory`, options);
    case "EISDIR":
      return new InvalidArgumentError("path", `${at} is a directory`, options);
    case "EEXIST":
      return new InvalidArgumentError("path", `${at} exists and is not a directory`, options);
    case "ENOTEMPTY":
      return new InvalidArgumentError("path", `${at} is a non-empty directory; pass { recursive: true }`, options);
    case "EROFS":
      return new InvalidArgumentError("path", `${at} is on a read-only filesystem`, options);
    case "EACCES":
    case "EPERM":
      return new InvalidArgumentError("path", `${at}: permission denied`, options);
    case "ELOOP":
      return new InvalidArgumentError("path", `${at}: too many levels of symbolic links`, options);
    case "EFBIG":
      return new InvalidArgumentError("path", `${at} is too large to read in one call`, options);
    case "EXDEV":
    case "EINVAL":
      return new InvalidArgumentError("path", `${at}: ${(error as Error).message}`, options);
    default:
      if (error instanceof PathError) return new InvalidArgumentError("path", `${at}: ${error.message}`, options);
      return new InternalError(
        `file operation on ${at} failed: ${(error as Error)?.message ?? String(error)}`,
        options,
      );
  }
}
