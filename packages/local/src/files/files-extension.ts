import path from "node:path";
import { type FilesExtension, InvalidArgumentError, isSandboxError, type SandboxError } from "@openlattice/core";
import type { AgentConnection } from "../agent/agent-connection.js";
import { fileError } from "../agent/agent-errors.js";
import { AgentFileError, listDirectory, readFile, simpleRequest, statPath, writeFile } from "../agent/agent-files.js";
import { Type } from "../agent/protocol.js";

/** Most entries one `list` returns: bounds what a directory of the sandbox can make the host hold. */
export const MAX_LIST_ENTRIES = 1_000_000;

/** How a sandbox's paths reach its agent. */
export interface FilesBinding {
  readonly connection: () => AgentConnection;
  /** Sandbox path of the working directory (relative paths start there). */
  readonly workdir: string;
  /**
   * `undefined` in the namespace tier: the agent resolves every path inside the sandbox, as a
   * command there would. In the none tier: the host directories the agent is confined to.
   */
  readonly roots: readonly string[] | undefined;
  readonly maxFileBytes: number;
  readonly provider: string;
  /** Throws when the sandbox can no longer be used. */
  readonly ensureLive: () => void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The `files` extension through the sandbox's agent: every operation runs inside the sandbox
 * as the sandbox user (its permissions, its view of the filesystem), regular files and
 * directories only, byte limits counted on bytes moved. The host itself never opens a path of
 * the sandbox.
 */
export function createFilesExtension(binding: FilesBinding): FilesExtension {
  const { provider } = binding;
  /** What the agent is sent, and the sandbox path errors and entries name. */
  const locate = (input: unknown): { wire: string; sandboxPath: string } => {
    if (typeof input !== "string" || input === "") {
      throw new InvalidArgumentError("path", "must be a non-empty string", { provider });
    }
    if (input.includes("\u0000")) throw new InvalidArgumentError("path", "must not contain a NUL byte", { provider });
    const sandboxPath = path.posix.resolve(binding.workdir, input);
    if (!binding.roots) return { wire: input, sandboxPath };
    const inside = binding.roots.some((root) => sandboxPath === root || sandboxPath.startsWith(`${root}/`));
    if (!inside) {
      throw new InvalidArgumentError(
        "path",
        `${JSON.stringify(input)} is outside the sandbox (reachable: ${binding.roots.join(", ")})`,
        { provider },
      );
    }
    return { wire: sandboxPath, sandboxPath };
  };
  const run = async <T>(input: unknown, body: (where: { wire: string; sandboxPath: string }) => Promise<T>) => {
    binding.ensureLive();
    const where = locate(input);
    try {
      return await body(where);
    } catch (error) {
      throw toSandboxError(error, where.sandboxPath, binding);
    }
  };
  const read = (p: string) => run(p, ({ wire }) => readFile(binding.connection(), wire, binding.maxFileBytes));
  return {
    read,
    readText: async (p) => decoder.decode(await read(p)),
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
      return run(p, ({ wire }) => writeFile(binding.connection(), wire, bytes));
    },
    list: (p) =>
      run(p, ({ wire, sandboxPath }) => listDirectory(binding.connection(), wire, sandboxPath, MAX_LIST_ENTRIES)),
    stat: (p) => run(p, ({ wire, sandboxPath }) => statPath(binding.connection(), wire, sandboxPath)),
    mkdir: (p) => run(p, ({ wire }) => simpleRequest(binding.connection(), Type.mkdir, wire)),
    remove: (p, options) =>
      run(p, ({ wire, sandboxPath }) => {
        const isRoot = sandboxPath === "/" || binding.roots?.includes(sandboxPath);
        if (isRoot)
          throw new InvalidArgumentError("path", `${JSON.stringify(sandboxPath)} is the sandbox root`, { provider });
        return simpleRequest(binding.connection(), Type.remove, wire, options?.recursive === true);
      }),
  };
}

function toSandboxError(error: unknown, sandboxPath: string, binding: FilesBinding): SandboxError | unknown {
  if (error instanceof AgentFileError)
    return fileError(error.failure, sandboxPath, binding.provider, binding.maxFileBytes);
  if (isSandboxError(error)) {
    // A connection that died under the operation means the sandbox ended: say so.
    if (error.code === "internal") {
      try {
        binding.ensureLive();
      } catch (ended) {
        return ended;
      }
    }
    return error;
  }
  return error;
}
